import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import evidence_inference_csv

PROMPTS = """PromptID,PMCID,Outcome,Intervention,Comparator
11,100,pain at 24 h,aspirin ,placebo
12,100,"nausea, any grade",aspirin,placebo
13,200,mortality,early surgery,late surgery
14,200,length of stay,early surgery,late surgery
"""

HEADER = ("UserID,PromptID,PMCID,Valid Label,Valid Reasoning,Label,Annotations,Label Code,In Abstract,"
          "Evidence Start,Evidence End\n")
ANNOTATIONS = HEADER + """0,11,100,False,True,no significant difference,Pain did not differ.,0,UNK,10,30
3,11,100,True,True,significantly decreased,"Pain fell
(p = 0.01)",-1,UNK,40,60
0,12,100,True,False,significantly increase,Nausea rose.,1,UNK,70,80
1,12,100,True,True,no significant difference,Nausea did not differ.,0,UNK,90,99
0,13,200,True,True,no significant difference,Mortality was similar.,0,UNK,1,2
0,14,200,False,False,significantly increased,Stay was longer.,1,UNK,3,4
"""

OPTIONS = {
    "prompts": "prompts.csv",
    "annotations": "v2.csv",
    "question_template": "Compared to {comparator} what was the result of {intervention} on {outcome}?",
    "choices": ["significantly increased", "no significant difference", "significantly decreased"],
    "label_map": {"significantly increase": "significantly increased"},
}


def parse(input_file, prompts=PROMPTS, annotations=ANNOTATIONS, **options):
    files = [input_file("prompts.csv", prompts, None), input_file("v2.csv", annotations, None)]
    return evidence_inference_csv.parse(files, {**OPTIONS, **options}, "src")


def test_a_prompt_is_its_first_accepted_annotation_as_a_multiple_choice_record(input_file):
    df = parse(input_file)
    assert df.select("id", "document_id", "split", "source_file", "source_line", "question_id").rows() == [
        ("v2.csv:11", "100", None, "v2.csv", 3, "11"),
        ("v2.csv:12", "100", None, "v2.csv", 5, "12"),
        ("v2.csv:13", "200", None, "v2.csv", 7, "13"),
    ]
    assert df.select("question", "context", "answer").rows() == [
        ("Compared to placebo what was the result of aspirin on pain at 24 h?", "Pain fell\n(p = 0.01)",
         ["significantly decreased"]),
        ("Compared to placebo what was the result of aspirin on nausea, any grade?", "Nausea rose.",
         ["significantly increased"]),
        ("Compared to late surgery what was the result of early surgery on mortality?", "Mortality was similar.",
         ["no significant difference"]),
    ]
    assert set(df["type"]) == {"multiple_choice"}
    assert df["choices"].to_list()[0] == OPTIONS["choices"]
    MODELS["qa"].validate(df)


def test_skip_prompts_leaves_them_out(input_file):
    assert parse(input_file, skip_prompts=[11, "13"])["question_id"].to_list() == ["12"]


def test_a_label_outside_the_choices_names_its_line(input_file):
    with pytest.raises(SourceError, match="invalid prompt") as err:
        parse(input_file, annotations=ANNOTATIONS.replace("significantly increased,Stay", "invalid prompt,Stay"))
    assert (err.value.file, err.value.line) == ("v2.csv", 8)


def test_an_annotation_of_an_unknown_prompt_names_its_line(input_file):
    with pytest.raises(SourceError, match="'15' is not in prompts.csv") as err:
        parse(input_file, annotations=ANNOTATIONS.replace("0,13,200", "0,15,200"))
    assert (err.value.file, err.value.line) == ("v2.csv", 7)


def test_an_annotation_on_another_article_names_its_line(input_file):
    with pytest.raises(SourceError, match="PMCID") as err:
        parse(input_file, annotations=ANNOTATIONS.replace("0,13,200", "0,13,100"))
    assert (err.value.file, err.value.line) == ("v2.csv", 7)


def test_a_row_with_too_few_fields_names_its_line(input_file):
    with pytest.raises(SourceError, match="fields") as err:
        parse(input_file, prompts=PROMPTS.replace("13,200,mortality,", "13,200,mortality"))
    assert (err.value.file, err.value.line) == ("prompts.csv", 4)


def test_a_repeated_prompt_names_its_line(input_file):
    with pytest.raises(SourceError, match="repeats") as err:
        parse(input_file, prompts=PROMPTS.replace("14,200", "13,200"))
    assert (err.value.file, err.value.line) == ("prompts.csv", 5)


def test_a_missing_column_names_the_header(input_file):
    with pytest.raises(SourceError, match="Valid Label") as err:
        parse(input_file, annotations=ANNOTATIONS.replace("Valid Label", "Valid"))
    assert (err.value.file, err.value.line) == ("v2.csv", 1)


def test_a_byte_that_is_not_utf8_names_its_line(input_file, tmp_path):
    files = [input_file("prompts.csv", PROMPTS, None), input_file("v2.csv", ANNOTATIONS, None)]
    files[1].path.write_bytes(ANNOTATIONS.encode().replace(b"Mortality", b"Mort\xffality"))
    with pytest.raises(SourceError) as err:
        evidence_inference_csv.parse(files, OPTIONS, "src")
    assert (err.value.file, err.value.line) == ("v2.csv", 7)
