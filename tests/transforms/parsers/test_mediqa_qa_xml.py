import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import mediqa_qa_xml

XML = """<?xml version="1.0" encoding="UTF-8"?>
<MEDIQA2019-Task3-QA-ValidationSet>
\t<Question QID="2">
\t\t<QuestionText>about uveitis. IS THE UVEITIS, AN AUTOIMMUNE DISEASE?</QuestionText>
\t\t<AnswerList>
\t\t\t<Answer AID="2_Answer1" SystemRank="1" ReferenceRank="3" ReferenceScore="3">
\t\t\t\t<AnswerURL>https://example.org/a</AnswerURL>
\t\t\t\t<AnswerText>Uveitis: a form of eye inflammation.</AnswerText>
\t\t\t</Answer>
\t\t\t<Answer AID="2_Answer2" SystemRank="2" ReferenceRank="1" ReferenceScore="4">
\t\t\t\t<AnswerURL>https://example.org/b</AnswerURL>
\t\t\t\t<AnswerText> Causes include autoimmune disease &amp; infection. </AnswerText>
\t\t\t</Answer>
\t\t\t<Answer AID="2_Answer3" SystemRank="3" ReferenceRank="2" ReferenceScore="2">
\t\t\t\t<AnswerURL>https://example.org/c</AnswerURL>
\t\t\t\t<AnswerText>Related but not an answer.</AnswerText>
\t\t\t</Answer>
\t\t</AnswerList>
\t</Question>
\t<Question QID="5">
\t\t<QuestionText>What is flu?</QuestionText>
\t\t<AnswerList>
\t\t\t<Answer AID="5_Answer1" SystemRank="1" ReferenceRank="1" ReferenceScore="1">
\t\t\t\t<AnswerURL>https://example.org/d</AnswerURL>
\t\t\t\t<AnswerText>Wrong answer.</AnswerText>
\t\t\t</Answer>
\t\t</AnswerList>
\t</Question>
</MEDIQA2019-Task3-QA-ValidationSet>
"""


def parse(file, **options):
    return mediqa_qa_xml.parse([file], options, "src")


def test_a_question_is_a_factoid_record_with_its_answers_best_ranked_first(input_file):
    df = parse(input_file("qa.xml", XML, "validation"))
    assert df.select("id", "document_id", "split", "source_file", "source_line", "question_id").rows() == [
        ("qa.xml:2", "qa.xml:2", "validation", "qa.xml", 3, "2"),
        ("qa.xml:5", "qa.xml:5", "validation", "qa.xml", 20, "5"),
    ]
    first = df.row(0, named=True)
    assert (first["question"], first["type"], first["choices"], first["context"]) == (
        "about uveitis. IS THE UVEITIS, AN AUTOIMMUNE DISEASE?", "factoid", [], "")
    assert first["answer"] == ["Causes include autoimmune disease & infection.", "Related but not an answer.",
                               "Uveitis: a form of eye inflammation."]
    MODELS["qa"].validate(df)


def test_min_score_keeps_only_answers_rated_that_well_and_drops_questions_left_without(input_file):
    df = parse(input_file("qa.xml", XML), min_score=3)
    assert df["question_id"].to_list() == ["2"]
    assert df["answer"].to_list() == [["Causes include autoimmune disease & infection.",
                                       "Uveitis: a form of eye inflammation."]]


def test_malformed_xml_names_its_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("qa.xml", XML.replace("<AnswerText>Wrong answer.</AnswerText>", "<AnswerText>Wrong")))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "qa.xml", 26)  # where the unclosed <AnswerText> meets </Answer>


@pytest.mark.parametrize("broken, line, message", [
    (XML.replace('ReferenceScore="2"', 'ReferenceScore="high"'), 14, "ReferenceScore"),
    (XML.replace('ReferenceRank="2"', 'ReferenceRank="1"'), 14, "repeats"),
    (XML.replace("<AnswerText>Wrong answer.</AnswerText>", "<AnswerText> </AnswerText>"), 23, "AnswerText"),
    (XML.replace('QID="5"', 'QID="2"'), 20, "repeats"),
    (XML.replace("<QuestionText>What is flu?</QuestionText>", ""), 20, "QuestionText"),
])
def test_a_bad_question_or_answer_names_its_line(input_file, broken, line, message):
    with pytest.raises(SourceError, match=message) as err:
        parse(input_file("qa.xml", broken))
    assert (err.value.file, err.value.line) == ("qa.xml", line)


def test_a_question_without_answers_names_its_line(input_file):
    broken = XML[: XML.index("\t\t<AnswerList>", XML.index('QID="5"'))] + "\t</Question>\n</MEDIQA2019-Task3-QA-ValidationSet>\n"
    with pytest.raises(SourceError, match="AnswerList") as err:
        parse(input_file("qa.xml", broken))
    assert (err.value.file, err.value.line) == ("qa.xml", 20)


def test_a_file_without_questions_is_an_error(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("qa.xml", "<root/>"))
    assert (err.value.file, err.value.line) == ("qa.xml", 1)
