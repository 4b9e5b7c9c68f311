import json

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import pubannotation_json
from transforms.parsers._common import InputFile

TEXT = "BMP-6 induced phosphorylation of Smad1.\nIt also binds Id1."
EVENTS = {
    "sourcedb": "PMC",
    "sourceid": "123",
    "divid": 0,
    "text": TEXT,
    "denotations": [
        {"id": "T1", "span": {"begin": 0, "end": 5}, "obj": "Protein"},
        {"id": "T2", "span": {"begin": 33, "end": 38}, "obj": "Protein"},
        {"id": "T3", "span": {"begin": 54, "end": 57}, "obj": "Protein"},
        {"id": "E1", "span": {"begin": 14, "end": 29}, "obj": "Phosphorylation"},
        {"id": "E2", "span": {"begin": 6, "end": 13}, "obj": "Positive_regulation"},
    ],
    "relations": [
        {"id": "R1", "pred": "themeOf", "subj": "T2", "obj": "E1"},
        {"id": "R2", "pred": "themeOf", "subj": "E1", "obj": "E2"},
        {"id": "R3", "pred": "causeOf", "subj": "T1", "obj": "E2"},
        {"id": "R4", "pred": "partOf", "subj": "T3", "obj": "T1"},
    ],
    "modifications": [{"id": "M1", "pred": "Negation", "obj": "E2"}],
}
COREF = {
    "sourcedb": "PMC",
    "sourceid": "123",
    "divid": 0,
    "text": TEXT,
    "denotations": [
        {"id": "T1", "span": {"begin": 0, "end": 5}, "obj": "Antecedent"},
        {"id": "T2", "span": {"begin": 40, "end": 42}, "obj": "Anaphor"},
        {"id": "T3", "span": {"begin": 33, "end": 38}, "obj": "Antecedent"},
    ],
    "relations": [{"id": "R1", "pred": "boundBy", "subj": "T2", "obj": "T1"},
                  {"id": "R2", "pred": "boundBy", "subj": "T2", "obj": "T3"}],
}


def folder(tmp_path, name: str, docs: dict[str, object], indent=None) -> InputFile:
    (tmp_path / name).mkdir()
    for file, doc in docs.items():
        (tmp_path / name / file).write_text(json.dumps(doc, indent=indent, ensure_ascii=False), encoding="utf-8")
    return InputFile(tmp_path / name, name, "train")


def parse(*files, **options):
    return pubannotation_json.parse(list(files), options, "src")


def events_record(tmp_path, **options):
    return parse(folder(tmp_path, "events", {"PMC-123-0-TIAB.json": EVENTS}), **options).row(0, named=True)


def test_a_section_is_a_record_with_provenance(tmp_path):
    df = parse(folder(tmp_path, "events", {"PMC-123-0-TIAB.json": EVENTS, "PMC-123-1-Intro.json": {"text": "x"}}))
    assert df["id"].to_list() == ["events/PMC-123-0-TIAB.json", "events/PMC-123-1-Intro.json"]
    assert df["document_id"].to_list() == ["PMC:123-0", "PMC-123-1-Intro"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["events/PMC-123-0-TIAB.json", "events/PMC-123-1-Intro.json"]
    assert df["source_line"].to_list() == [1, 1]


def test_each_line_of_the_text_is_a_passage(tmp_path):
    passages = events_record(tmp_path)["passages"]
    assert [(p["text"], p["offsets"]) for p in passages] == [
        (["BMP-6 induced phosphorylation of Smad1."], [[0, 39]]),
        (["It also binds Id1."], [[40, 58]]),
    ]


def test_role_relations_make_their_object_an_event(tmp_path):
    record = events_record(tmp_path)
    assert [(e["id"], e["type"], e["text"]) for e in record["entities"]] == [
        ("PMC:123-0_T1", "Protein", ["BMP-6"]),
        ("PMC:123-0_T2", "Protein", ["Smad1"]),
        ("PMC:123-0_T3", "Protein", ["Id1"]),
    ]
    assert record["events"] == [
        {"id": "PMC:123-0_E1", "type": "Phosphorylation",
         "trigger": {"text": ["phosphorylation"], "offsets": [[14, 29]]},
         "arguments": [{"role": "Theme", "ref_id": "PMC:123-0_T2"}]},
        {"id": "PMC:123-0_E2", "type": "Positive_regulation", "trigger": {"text": ["induced"], "offsets": [[6, 13]]},
         "arguments": [{"role": "Theme", "ref_id": "PMC:123-0_E1"}, {"role": "Cause", "ref_id": "PMC:123-0_T1"}]},
    ]


def test_other_relations_stay_relations(tmp_path):
    assert events_record(tmp_path)["relations"] == [
        {"id": "PMC:123-0_R4", "type": "partOf", "arg1_id": "PMC:123-0_T3", "arg2_id": "PMC:123-0_T1",
         "normalized": []}
    ]


def test_roles_option_renames_or_drops_roles(tmp_path):
    record = events_record(tmp_path, roles={"themeOf": "Theme"})
    assert [len(e["arguments"]) for e in record["events"]] == [1, 1]
    assert [r["type"] for r in record["relations"]] == ["causeOf", "partOf"]


def test_coreference_links_make_connected_chains_in_text_order(tmp_path):
    df = parse(folder(tmp_path, "coref", {"PMC-123-0-TIAB.json": COREF}), coreference=["boundBy"])
    assert df["coreferences"][0].to_list() == [
        {"id": "PMC:123-0_C1", "entity_ids": ["PMC:123-0_T1", "PMC:123-0_T3", "PMC:123-0_T2"]}
    ]
    assert df["relations"][0].to_list() == []


def test_a_repeated_denotation_is_one_mention_with_several_labels(tmp_path):
    doc = {**COREF, "denotations": COREF["denotations"] + [{"id": "T2", "span": {"begin": 40, "end": 42}, "obj": "Antecedent"}]}
    ents = parse(folder(tmp_path, "coref", {"a.json": doc}))["entities"][0]
    assert [(e["id"], e["type"]) for e in ents] == [
        ("PMC:123-0_T1", "Antecedent"), ("PMC:123-0_T2", "Anaphor|Antecedent"), ("PMC:123-0_T3", "Antecedent")
    ]


def test_a_file_may_hold_a_list_of_documents(tmp_path):
    path = tmp_path / "all.json"
    path.write_text(json.dumps([{"text": "a"}, {"text": "b"}]))
    df = parse(InputFile(path, "all.json", "test"))
    assert df["id"].to_list() == ["all.json", "all.json#1"]
    assert df["document_id"].to_list() == ["all", "all-1"]


def test_frame_validates_as_kb(tmp_path):
    files = [folder(tmp_path, "events", {"a.json": EVENTS}), folder(tmp_path, "coref", {"a.json": COREF})]
    MODELS[pubannotation_json.FAMILY].validate(parse(*files, coreference=["boundBy"]))


def test_invalid_json_names_the_file_and_line(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.json").write_text('{\n  "text": "x",\n  "denotations": [\n}\n')
    with pytest.raises(SourceError, match="not valid JSON") as err:
        parse(InputFile(tmp_path / "docs", "docs", "train"))
    assert (err.value.file, err.value.line) == ("docs/a.json", 4)


def test_a_span_outside_the_text_names_the_line_of_its_denotation(tmp_path):
    doc = {**EVENTS, "denotations": EVENTS["denotations"] + [{"id": "T9", "span": {"begin": 50, "end": 99}, "obj": "X"}]}
    with pytest.raises(SourceError, match="denotation T9 spans 50-99, outside the text") as err:
        parse(folder(tmp_path, "docs", {"a.json": doc}, indent=1))
    text = (tmp_path / "docs" / "a.json").read_text().split("\n")
    assert err.value.file == "docs/a.json"
    assert '"T9"' in text[err.value.line - 1]


def test_a_relation_naming_an_unknown_denotation_names_its_line(tmp_path):
    doc = {**EVENTS, "relations": EVENTS["relations"] + [{"id": "R9", "pred": "themeOf", "subj": "T7", "obj": "E1"}]}
    with pytest.raises(SourceError, match="relation R9 names T7, which is not a denotation") as err:
        parse(folder(tmp_path, "docs", {"a.json": doc}, indent=1))
    assert '"R9"' in (tmp_path / "docs" / "a.json").read_text().split("\n")[err.value.line - 1]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"denotations": []}, "expected an object with a `text` string"),
        ({**EVENTS, "denotations": [{"id": "T1", "obj": "Protein"}]}, "denotation T1 needs a span"),
        ({**EVENTS, "denotations": [{"id": "T1", "span": {"begin": 0, "end": 5}}]}, "string `id` and `obj`"),
        ({**EVENTS, "relations": [{"id": "R1", "pred": "themeOf", "subj": "T2"}]}, "string `pred`, `subj` and `obj`"),
        ({**EVENTS, "denotations": EVENTS["denotations"] + [{"id": "T1", "span": {"begin": 1, "end": 5}, "obj": "P"}]},
         "denotation id T1 repeats with another span"),
    ],
)
def test_malformed_documents_are_errors_naming_the_file(tmp_path, doc, message):
    with pytest.raises(SourceError, match=message) as err:
        parse(folder(tmp_path, "docs", {"a.json": doc}))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "docs/a.json", 1)
