import re

from transforms.parsers._common import family_frame
from transforms.render import coref

COLUMNS = ["id", "document_id", "split", "source_file", "source_line", "input", "output"]
TEXT = "Interferon regulatory factor 4 (IRF-4) binds DNA. It is expressed in B cells; it acts with PU.1."
#       0         1         2         3         4         5         6         7         8         9


def entity(ident: str, start: int, end: int, text: str = TEXT) -> dict:
    return {"id": ident, "type": "Protein", "text": [text[start:end]], "offsets": [[start, end]], "normalized": []}


ENTITIES = [entity("T1", 0, 30), entity("T2", 32, 37), entity("T3", 50, 52), entity("T4", 78, 80),
            entity("T5", 91, 95)]


def frame(*docs):
    """kb records of TEXT, one per list of chains (each a list of member ids)."""
    rows = []
    for i, chains in enumerate(docs):
        rows.append({
            "id": f"doc{i}", "document_id": f"d{i}", "split": "train", "source_file": "f.json", "source_line": i + 1,
            "passages": [{"id": "p", "type": "text", "text": [TEXT], "offsets": [[0, len(TEXT)]]}],
            "entities": ENTITIES, "coreferences": [{"id": f"C{j}", "entity_ids": c} for j, c in enumerate(chains)],
            "events": [{"id": "E1", "type": "Binding", "trigger": {"text": ["binds"], "offsets": [[39, 44]]},
                        "arguments": [{"role": "Theme", "ref_id": "T1"}]}],
            "relations": [],
        })
    return family_frame(rows, "kb")


def test_one_sample_per_chain_with_provenance():
    out = coref.render(frame([["T4", "T1", "T3"], ["T2"]], [["T5", "T2"]]), {})
    assert out.columns == COLUMNS
    assert out.select(COLUMNS[:5]).rows() == [
        ("doc0", "d0", "train", "f.json", 1),
        ("doc1", "d1", "train", "f.json", 2),
    ]


def test_input_names_the_first_mention_and_output_lists_the_others_in_order():
    out = coref.render(frame([["T4", "T1", "T3"]]), {}).row(0, named=True)
    assert out["input"] == TEXT + "\n\nEntity: Interferon regulatory factor 4"
    assert out["output"] == "[It] [it]"


def test_a_chain_of_one_mention_is_no_sample():
    assert coref.render(frame([["T2"]], []), {}).height == 0


def test_label_option_and_event_members_named_by_trigger():
    out = coref.render(frame([["E1", "T2"]]), {"label": "Protein"}).row(0, named=True)
    assert out["input"].endswith("\n\nProtein: IRF-4")
    assert out["output"] == "[binds]"


def test_round_trip_output_mentions_occur_in_the_text_and_belong_to_the_chain():
    chain = ["T5", "T1", "T3", "T2"]
    out = coref.render(frame([chain]), {}).row(0, named=True)
    text, given = out["input"].split("\n\nEntity: ")
    members = [e["text"][0] for e in ENTITIES if e["id"] in chain]
    listed = re.findall(r"\[([^\]]+)\]", out["output"])
    assert text == TEXT and given == members[0]
    assert listed == members[1:] and all(m in text for m in listed)
