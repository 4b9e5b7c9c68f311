import pandera.errors
import pytest

from schemas.families import KbTable
from transforms.parsers._common import family_frame

TEXT = "p53 causes cancer"


def entity(eid, start, end, text=None):
    return {"id": eid, "type": "T", "text": [text or TEXT[start:end]], "offsets": [[start, end]], "normalized": []}


def record(rid="r1", entities=(), relations=()):
    return {
        "id": rid,
        "document_id": rid,
        "split": "train",
        "source_file": "f.txt",
        "source_line": 1,
        "passages": [{"id": "p0", "type": "sentence", "text": [TEXT], "offsets": [[0, len(TEXT)]]}],
        "entities": list(entities),
        "events": [],
        "coreferences": [],
        "relations": list(relations),
    }


def relation(arg1, arg2):
    return {"id": "R1", "type": "causes", "arg1_id": arg1, "arg2_id": arg2, "normalized": []}


def failed_checks(*records):
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        KbTable.validate(family_frame(list(records), "kb"), lazy=True)
    return set(err.value.failure_cases["check"].to_list())


def test_valid_record_passes():
    rec = record(entities=[entity("e1", 0, 3), entity("e2", 11, 17)], relations=[relation("e1", "e2")])
    KbTable.validate(family_frame([rec], "kb"), lazy=True)


def test_entity_offsets_that_do_not_reproduce_the_text_fail():
    assert failed_checks(record(entities=[entity("e1", 1, 4, text="p53")])) == {"entity offsets reproduce the text"}


def test_a_span_ending_before_it_starts_or_starting_before_the_text_fails_the_check_rather_than_crashing_it():
    assert failed_checks(record(entities=[entity("e1", 5, 2, text="")])) == {"entity offsets reproduce the text"}
    assert failed_checks(record(entities=[entity("e1", -3, 2, text="p5")])) == {"entity offsets reproduce the text"}


def test_passage_offsets_that_do_not_reproduce_the_text_fail():
    rec = record()
    rec["passages"][0]["offsets"] = [[1, len(TEXT)]]
    assert failed_checks(rec) == {"passage offsets reproduce the text"}


def test_relation_to_an_unknown_id_fails():
    rec = record(entities=[entity("e1", 0, 3)], relations=[relation("e1", "e9")])
    assert failed_checks(rec) == {"referenced ids exist"}


def test_duplicate_record_ids_fail():
    assert failed_checks(record("r1"), record("r1")) == {"field_uniqueness"}


def test_the_failure_names_the_bad_row():
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        KbTable.validate(family_frame([record("ok"), record("bad", entities=[entity("e1", 0, 3, text="p5")])], "kb"), lazy=True)
    assert err.value.failure_cases["index"].to_list() == [1]
