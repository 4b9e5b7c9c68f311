import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import pubtator

# Offsets: "Lidocaine and renal and hepatic failure." is 40 characters; the abstract starts at 41.
CDR = """\
300|t|Lidocaine and renal and hepatic failure.
300|a|Hepatic failure after lidocaine.
300\t0\t9\tLidocaine\tChemical\tD008012
300\t14\t39\trenal and hepatic failure\tDisease\tD051437|D017093\trenal failure|hepatic failure
300\t41\t56\tHepatic failure\tDisease\tD017093
300\t63\t72\tlidocaine\tChemical\tD008012
300\tCID\tD008012\tD017093
300\tCID\tD008012\tD051437

400|t|No relation here.
400|a|None.
"""


def parse(file, **options):
    return pubtator.parse([file], options, "src")


def test_relation_lines_become_relations_with_both_concepts_normalized(input_file):
    rels = parse(input_file("cdr.txt", CDR))["relations"][0].to_list()
    assert rels == [
        {"id": "300-r0", "type": "CID", "arg1_id": "300-e0", "arg2_id": "300-e1",
         "normalized": [{"db_name": "MESH", "db_id": "D008012"}, {"db_name": "MESH", "db_id": "D017093"}]},
        {"id": "300-r1", "type": "CID", "arg1_id": "300-e0", "arg2_id": "300-e1",
         "normalized": [{"db_name": "MESH", "db_id": "D008012"}, {"db_name": "MESH", "db_id": "D051437"}]},
    ]


def test_arguments_point_at_the_first_mention_in_text_order_not_in_file_order(input_file):
    # The later abstract mention comes first in the file; the title's composite mention is still chosen.
    text = CDR.replace(
        "300\t14\t39\trenal and hepatic failure\tDisease\tD051437|D017093\trenal failure|hepatic failure\n"
        "300\t41\t56\tHepatic failure\tDisease\tD017093\n",
        "300\t41\t56\tHepatic failure\tDisease\tD017093\n"
        "300\t14\t39\trenal and hepatic failure\tDisease\tD051437|D017093\trenal failure|hepatic failure\n",
    )
    df = parse(input_file("cdr.txt", text))
    ents = {e["id"]: e["text"] for e in df["entities"][0]}
    assert [ents[r["arg2_id"]] for r in df["relations"][0]] == [["renal and hepatic failure"]] * 2


def test_composite_mention_keeps_its_ids_and_ignores_the_individual_mentions_field(input_file):
    ents = parse(input_file("cdr.txt", CDR))["entities"][0]
    assert ents[1]["normalized"] == [{"db_name": "MESH", "db_id": "D051437"}, {"db_name": "MESH", "db_id": "D017093"}]
    assert ents[1]["text"] == ["renal and hepatic failure"] and ents[1]["offsets"] == [[14, 39]]


def test_document_without_relations_has_none(input_file):
    assert parse(input_file("cdr.txt", CDR))["relations"][1].to_list() == []


def test_frame_with_relations_validates_as_kb(input_file):
    MODELS[pubtator.FAMILY].validate(parse(input_file("cdr.txt", CDR)))


def test_relation_to_a_concept_without_a_mention_names_its_line(input_file):
    text = CDR.replace("300\tCID\tD008012\tD051437", "300\tCID\tD008012\tD999999")
    with pytest.raises(SourceError) as err:
        parse(input_file("cdr.txt", text))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "cdr.txt", 8)
    assert "D999999" in str(err.value)


def test_relation_with_an_empty_concept_names_its_line(input_file):
    text = CDR.replace("300\tCID\tD008012\tD051437", "300\tCID\tD008012\t ")
    with pytest.raises(SourceError) as err:
        parse(input_file("cdr.txt", text))
    assert (err.value.file, err.value.line) == ("cdr.txt", 8)


def test_relation_argument_with_two_concepts_names_its_line(input_file):
    text = CDR.replace("300\tCID\tD008012\tD051437", "300\tCID\tD008012\tD051437|D017093")
    with pytest.raises(SourceError) as err:
        parse(input_file("cdr.txt", text))
    assert (err.value.file, err.value.line) == ("cdr.txt", 8)


def test_relation_of_another_document_names_its_line(input_file):
    text = CDR.replace("300\tCID\tD008012\tD051437", "999\tCID\tD008012\tD051437")
    with pytest.raises(SourceError) as err:
        parse(input_file("cdr.txt", text))
    assert (err.value.file, err.value.line) == ("cdr.txt", 8)


def test_three_field_line_is_malformed(input_file):
    text = CDR.replace("300\tCID\tD008012\tD051437", "300\tCID\tD008012")
    with pytest.raises(SourceError) as err:
        parse(input_file("cdr.txt", text))
    assert (err.value.file, err.value.line) == ("cdr.txt", 8)
