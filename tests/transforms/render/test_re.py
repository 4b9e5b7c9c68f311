import re as regex

import polars as pl

from schemas.families import POLARS_SCHEMAS
from transforms.parsers import chemprot_tsv, pubtator
from transforms.render import re

COLUMNS = ["id", "document_id", "split", "source_file", "source_line", "input", "output"]
TEXT = "Aspirin blocks COX-2 but not COX-1; ibuprofen blocks COX-1."
MENTIONS = [(0, 7, "CHEMICAL"), (15, 20, "GENE"), (29, 34, "GENE"), (36, 45, "CHEMICAL"), (53, 58, "GENE")]
ITEM = regex.compile(r"\[(.+?) <([^<>]+)> (.+?)\]")


def with_relations(frame: pl.DataFrame, *per_doc: list[tuple[str, int, int]]) -> pl.DataFrame:
    """A kb frame whose document i gets relations (type, arg1 entity index, arg2 entity index)."""
    relations = [
        [{"id": f"doc{i}-r{j}", "type": t, "arg1_id": f"doc{i}-e{a}", "arg2_id": f"doc{i}-e{b}", "normalized": []}
         for j, (t, a, b) in enumerate(rels)]
        for i, rels in enumerate(per_doc)
    ]
    return frame.with_columns(pl.Series("relations", relations, dtype=POLARS_SCHEMAS["kb"]["relations"]))


def test_keeps_provenance_and_gives_the_text_as_input(kb_frame):
    out = re.render(with_relations(kb_frame((TEXT, MENTIONS)), [("CPR:4", 0, 1)]), {})
    assert out.columns == COLUMNS
    assert out.row(0) == ("doc0", "d0", "train", "f.txt", 1, TEXT, "[Aspirin <CPR:4> COX-2]")


def test_relations_in_order_of_appearance_of_their_first_argument(kb_frame):
    # Listed out of order; the relation whose arguments start earliest comes first, and one whose
    # second argument precedes its first is placed by that earlier argument.
    frame = with_relations(kb_frame((TEXT, MENTIONS)), [("CPR:4", 3, 4), ("CPR:9", 2, 0), ("CPR:4", 0, 1)])
    assert re.render(frame, {})["output"][0] == (
        "[Aspirin <CPR:4> COX-2] [COX-1 <CPR:9> Aspirin] [ibuprofen <CPR:4> COX-1]"
    )


def test_relations_at_the_same_place_keep_the_source_order_and_repeat(kb_frame):
    frame = with_relations(kb_frame((TEXT, MENTIONS)), [("CPR:4", 0, 2), ("CPR:3", 0, 2), ("CPR:4", 0, 2)])
    assert re.render(frame, {})["output"][0] == (
        "[Aspirin <CPR:4> COX-1] [Aspirin <CPR:3> COX-1] [Aspirin <CPR:4> COX-1]"
    )


def test_types_keeps_only_the_listed_relation_types_and_type_map_renames(kb_frame):
    frame = with_relations(kb_frame((TEXT, MENTIONS)), [("CPR:4", 0, 1), ("CPR:10", 3, 4)])
    out = re.render(frame, {"types": ["CPR:4"], "type_map": {"CPR:4": "inhibitor"}})
    assert out["output"][0] == "[Aspirin <inhibitor> COX-2]"


def test_document_without_relations_or_without_kept_ones_is_empty(kb_frame):
    frame = with_relations(kb_frame((TEXT, MENTIONS), (TEXT, MENTIONS)), [], [("CPR:10", 0, 1)])
    assert re.render(frame, {"types": ["CPR:4"]})["output"].to_list() == ["", ""]


def test_discontinuous_argument_is_written_as_its_fragments_joined_by_spaces(kb_frame):
    frame = with_relations(kb_frame(("Ocular and auditory toxicity of lidocaine", [(32, 41, "Chemical")])), [])
    entity = {"id": "doc0-e1", "type": "Disease", "text": ["Ocular", "toxicity"], "offsets": [[0, 6], [20, 28]],
              "normalized": []}
    frame = frame.with_columns(
        pl.Series("entities", [frame["entities"][0].to_list() + [entity]], dtype=POLARS_SCHEMAS["kb"]["entities"])
    )
    frame = with_relations(frame, [("CID", 0, 1)])
    assert re.render(frame, {})["output"][0] == "[lidocaine <CID> Ocular toxicity]"


def test_event_argument_is_written_as_its_trigger(kb_frame):
    frame = with_relations(kb_frame((TEXT, MENTIONS)), [])
    event = {"id": "doc0-e9", "type": "Negative_regulation", "trigger": {"text": ["blocks"], "offsets": [[8, 14]]},
             "arguments": []}
    frame = frame.with_columns(pl.Series("events", [[event]], dtype=POLARS_SCHEMAS["kb"]["events"]))
    frame = with_relations(frame, [("Cause", 0, 9)])
    assert re.render(frame, {})["output"][0] == "[Aspirin <Cause> blocks]"


def test_arguments_entities_leaves_out_relations_naming_an_event(kb_frame):
    frame = with_relations(kb_frame((TEXT, MENTIONS)), [])
    event = {"id": "doc0-e9", "type": "Negative_regulation", "trigger": {"text": ["blocks"], "offsets": [[8, 14]]},
             "arguments": []}
    frame = frame.with_columns(pl.Series("events", [[event]], dtype=POLARS_SCHEMAS["kb"]["events"]))
    frame = with_relations(frame, [("Cause", 0, 9), ("locatedIn", 3, 4)])
    assert re.render(frame, {})["output"][0] == "[Aspirin <Cause> blocks] [ibuprofen <locatedIn> COX-1]"
    assert re.render(frame, {"arguments": "entities"})["output"][0] == "[ibuprofen <locatedIn> COX-1]"
    # Only a relation on an event: nothing to extract.
    frame = with_relations(frame, [("Cause", 0, 9)])
    assert re.render(frame, {"arguments": "entities"})["output"][0] == ""


def assert_round_trip(family: pl.DataFrame, out: pl.DataFrame) -> int:
    """Every argument mention occurs in the input and is the mention of an entity of the document."""
    checked = 0
    for entities, text, output in zip(family["entities"].to_list(), out["input"], out["output"]):
        mentions = {" ".join(e["text"]) for e in entities}
        for arg1, _, arg2 in ITEM.findall(output):
            assert arg1 in text and arg1 in mentions
            assert arg2 in text and arg2 in mentions
            checked += 1
    return checked


def test_round_trip_on_parsed_pubtator_relations(input_file):
    text = (
        "300|t|Lidocaine and renal and hepatic failure.\n300|a|Hepatic failure after lidocaine.\n"
        "300\t0\t9\tLidocaine\tChemical\tD008012\n"
        "300\t14\t39\trenal and hepatic failure\tDisease\tD051437|D017093\trenal failure|hepatic failure\n"
        "300\t41\t56\tHepatic failure\tDisease\tD017093\n300\t63\t72\tlidocaine\tChemical\tD008012\n"
        "300\tCID\tD008012\tD017093\n300\tCID\tD008012\tD051437\n"
    )
    family = pubtator.parse([input_file("cdr.txt", text)], {}, "src")
    out = re.render(family, {})
    assert out["output"].to_list() == [
        "[Lidocaine <CID> renal and hepatic failure] [Lidocaine <CID> renal and hepatic failure]"
    ]
    assert assert_round_trip(family, out) == 2


def test_round_trip_on_parsed_chemprot_relations(input_file):
    files = [
        input_file("cp_abstracts.tsv", "100\tAspirin blocks COX-2.\tIt spares kinases.\n"),
        input_file("cp_entities.tsv", "100\tT1\tCHEMICAL\t0\t7\tAspirin\n100\tT2\tGENE-Y\t15\t20\tCOX-2\n"
                                      "100\tT3\tGENE-N\t32\t39\tkinases\n"),
        input_file("cp_gold_standard.tsv", "100\tCPR:4\tArg1:T1\tArg2:T2\n100\tCPR:3\tArg1:T1\tArg2:T3\n"),
    ]
    family = chemprot_tsv.parse(files, {}, "src")
    out = re.render(family, {"types": ["CPR:3", "CPR:4"]})
    assert out["output"].to_list() == ["[Aspirin <CPR:4> COX-2] [Aspirin <CPR:3> kinases]"]
    assert assert_round_trip(family, out) == 2
