import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import mancon_xml

# After the release's layout as its users read it: CLAIM elements (grandchildren of the root) whose
# ASSERTION (YS or NO) answers the question in QUESTION; the claim sentence is the element's text.
Q1 = "Does statin therapy reduce mortality in heart failure?"
Q2 = "Is hypertrophic cardiomyopathy associated with adverse outcome?"
XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<CORPUS>
<ABSTRACT PMID="111">
<CLAIM ASSERTION="YS" QUESTION="{Q1}" TYPE="main">Statins reduced all-cause mortality.</CLAIM>
</ABSTRACT>
<ABSTRACT PMID="222">
<CLAIM ASSERTION="NO" QUESTION="{Q1}" TYPE="main">Rosuvastatin did not reduce
  mortality.</CLAIM>
<CLAIM ASSERTION="YS" QUESTION="{Q1} " TYPE="minor">Statin use was associated with lower death rates.</CLAIM>
</ABSTRACT>
<ABSTRACT PMID="333">
<CLAIM ASSERTION="YS" QUESTION="{Q2}" TYPE="main">HCM patients had adverse prognosis.</CLAIM>
</ABSTRACT>
</CORPUS>
"""


def parse(input_file, text=XML, options=None):
    return mancon_xml.parse([input_file("corpus.xml", text, split="test")], options or {}, "src")


def test_claims_of_one_question_are_paired_by_their_assertions(input_file):
    df = parse(input_file)
    assert df.select("id", "source_line", "label").rows() == [
        ("corpus.xml:1-2", 4, "contradiction"),
        ("corpus.xml:1-3", 4, "entailment"),
        ("corpus.xml:3-2", 9, "contradiction"),
    ]
    assert df.select("hypothesis", "premise").rows()[2] == (
        "Statin use was associated with lower death rates.", "Rosuvastatin did not reduce mortality.")
    assert df["document_id"].to_list() == df["id"].to_list()
    assert set(df["split"]) == {"test"} and set(df["source_file"]) == {"corpus.xml"}
    MODELS["te"].validate(df)


def test_a_seeded_sample_of_claims_of_different_questions_is_neutral(input_file):
    df = parse(input_file, options={"neutral_pairs": 2, "seed": 7})
    neutral = df.filter(df["label"] == "neutral")
    assert neutral.height == 2 and df.height == 5
    assert all(pair.endswith("-4") for pair in neutral["id"])  # claim 4 is the only one of Q2
    assert parse(input_file, options={"neutral_pairs": 2, "seed": 7}).equals(df)  # the same draw every time
    assert parse(input_file, options={"neutral_pairs": 3})["label"].to_list().count("neutral") == 3


@pytest.mark.parametrize("old, new, line, message", [
    ('ASSERTION="NO" ', 'ASSERTION="MAYBE" ', 7, "ASSERTION 'MAYBE' is not YS or NO"),
    (f'QUESTION="{Q2}"', 'QUESTION=" "', 12, "claim 4 has no QUESTION"),
    ("HCM patients had adverse prognosis.", " ", 12, "claim 4 has no text"),
    ("</CORPUS>", "</CORPUS", 15, "not well-formed XML"),  # lxml names the line where the tag runs out
])
def test_malformed_claims_name_file_and_line(input_file, old, new, line, message):
    with pytest.raises(SourceError, match=message) as err:
        parse(input_file, XML.replace(old, new, 1))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "corpus.xml", line)


def test_a_corpus_without_claims_or_with_too_few_neutral_pairs_is_an_error(input_file):
    with pytest.raises(SourceError, match="no CLAIM elements") as err:
        parse(input_file, "<CORPUS>\n<ABSTRACT/>\n</CORPUS>\n")
    assert (err.value.file, err.value.line) == ("corpus.xml", 1)
    with pytest.raises(SourceError, match="neutral_pairs 4 is more than the 3 pairs") as err:
        parse(input_file, options={"neutral_pairs": 4})
    assert err.value.file == "corpus.xml"


FUZZ_SAMPLE = ("manconcorpus", {"neutral_pairs": 1, "seed": 0}, [("corpus.xml", "test", XML.encode())])
