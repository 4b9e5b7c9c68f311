import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import mediqa_rqe_xml

XML = """<?xml version="1.0" encoding="UTF-8"?>
<MEDIQA2019-Task2-RQE-TrainingSet-AMIA2016>
<pair pid="1" type="originalQ-shortQ" value="true">
<chq>
   How should I treat polymenorrhea in a 14-year-old girl?
</chq>
<faq>
   How should I treat polymenorrhea?
</faq>
</pair>
<pair pid="2" value="false"><chq>Glaucoma. Can you mail me information?</chq><faq>How is glaucoma diagnosed ?</faq></pair>
</MEDIQA2019-Task2-RQE-TrainingSet-AMIA2016>
"""


def parse(file):
    return mediqa_rqe_xml.parse([file], {}, "src")


def test_each_pair_is_a_record_with_provenance(input_file):
    df = parse(input_file("rqe.xml", XML))
    assert df["id"].to_list() == ["rqe.xml:1", "rqe.xml:2"]
    assert df["document_id"].to_list() == ["rqe.xml:1", "rqe.xml:2"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["rqe.xml", "rqe.xml"]
    assert df["source_line"].to_list() == [3, 11]


def test_chq_is_the_premise_faq_the_hypothesis_value_the_label(input_file):
    assert parse(input_file("rqe.xml", XML)).select("premise", "hypothesis", "label").rows() == [
        ("How should I treat polymenorrhea in a 14-year-old girl?", "How should I treat polymenorrhea?", "true"),
        ("Glaucoma. Can you mail me information?", "How is glaucoma diagnosed ?", "false"),
    ]


def test_frame_validates_as_te(input_file):
    MODELS["te"].validate(parse(input_file("rqe.xml", XML)))


def test_an_empty_question_fails_the_family_check(input_file):
    df = parse(input_file("rqe.xml", XML.replace("How is glaucoma diagnosed ?", "  ")))
    assert df["hypothesis"].to_list()[1] == ""
    with pytest.raises(Exception, match="str_length"):
        MODELS["te"].validate(df)


def test_malformed_xml_names_its_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("rqe.xml", XML.replace("</faq></pair>", "</pair>")))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "rqe.xml", 11)


@pytest.mark.parametrize(
    "broken", [XML.replace('value="false"', 'value="maybe"'), XML.replace("<faq>How is", "<fq>How is").replace("?</faq>", "?</fq>")]
)
def test_a_pair_without_label_or_question_names_its_line(input_file, broken):
    with pytest.raises(SourceError) as err:
        parse(input_file("rqe.xml", broken))
    assert (err.value.file, err.value.line) == ("rqe.xml", 11)


def test_a_repeated_pair_id_names_its_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("rqe.xml", XML.replace('pid="2"', 'pid="1"')))
    assert (err.value.file, err.value.line) == ("rqe.xml", 11)
    assert "repeats" in str(err.value)


def test_a_file_without_pairs_is_an_error(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("rqe.xml", "<root/>"))
    assert (err.value.file, err.value.line) == ("rqe.xml", 1)
