import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import pair_table
from transforms.parsers._common import InputFile
from transforms.validate import partition

COLUMNS = {
    "label": "TYPE", "document": "PMID", "sentence_number": "NUM", "sentence": "SENTENCE",
    "arg1_text": "E1", "arg1_start": "E1_INI", "arg1_end": "E1_END", "arg1_type": "E1_TYPE",
    "arg2_text": "E2", "arg2_start": "E2_INI", "arg2_end": "E2_END", "arg2_type": "E2_TYPE",
}
HEADER = '"TYPE"\t"PMID"\t"NUM"\t"E1"\t"E1_INI"\t"E1_END"\t"E1_TYPE"\t"E2"\t"E2_INI"\t"E2_END"\t"E2_TYPE"\t"SENTENCE"\n'
S1 = "Warfarin raised bleeding but not rash."
S2 = "CYP2C9 may affect warfarin dose."
DRUG_DISEASE = HEADER + (
    f'"PA"\t10\t0\t"bleeding"\t16\t24\t"Disease"\t"Warfarin"\t0\t8\t"Drug"\t"{S1}"\n'
    f'"NA"\t10\t0\t"rash"\t33\t37\t"Disease"\t"Warfarin"\t0\t8\t"Drug"\t"{S1}"\n'
)
DRUG_TARGET = HEADER + (
    f'"SA"\t10\t3\t"CYP2C9"\t0\t6\t"Gene"\t"warfarin"\t18\t26\t"Drug"\t"{S2}"\n'
    f'"FA"\t10\t0\t"bleeding"\t16\t24\t"Disease"\t"Warfarin"\t0\t8\t"Drug"\t"{S1}"\n'
)


def parse(*files, **options):
    return pair_table.parse(list(files), {"columns": COLUMNS, **options}, "src")


@pytest.fixture
def tables(input_file):
    def make(drug_disease: str = DRUG_DISEASE, drug_target: str = DRUG_TARGET):
        return input_file("drug_disease.csv", drug_disease), input_file("drug_target.csv", drug_target)

    return make


def test_each_sentence_is_a_record_gathered_from_every_table(tables):
    df = parse(*tables())
    assert df["id"].to_list() == ["train:10:0", "train:10:3"]
    assert df["document_id"].to_list() == ["10:0", "10:3"]
    assert df["source_file"].to_list() == ["drug_disease.csv", "drug_target.csv"]
    assert df["source_line"].to_list() == [2, 2]
    assert df["split"].to_list() == ["train", "train"]
    assert [p[0]["text"] for p in df["passages"].to_list()] == [[S1], [S2]]


def test_entities_named_twice_are_one_and_each_row_a_relation(tables):
    first, second = parse(*tables()).select("entities", "relations").to_dicts()
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in first["entities"]] == [
        ("10:0-e0", "Disease", ["bleeding"], [[16, 24]]),
        ("10:0-e1", "Drug", ["Warfarin"], [[0, 8]]),
        ("10:0-e2", "Disease", ["rash"], [[33, 37]]),
    ]
    assert [(r["id"], r["type"], r["arg1_id"], r["arg2_id"]) for r in first["relations"]] == [
        ("10:0-r0", "PA", "10:0-e0", "10:0-e1"),
        ("10:0-r1", "NA", "10:0-e2", "10:0-e1"),
        ("10:0-r2", "FA", "10:0-e0", "10:0-e1"),  # from the second table
    ]
    assert [(r["type"], r["arg1_id"], r["arg2_id"]) for r in second["relations"]] == [("SA", "10:3-e0", "10:3-e1")]


def test_frame_validates_as_kb(tables):
    MODELS[pair_table.FAMILY].validate(parse(*tables()))


def test_encoding_option_reads_latin1_tables(tmp_path):
    sentence = "Kr\u00fcppel-like factor 5 and colon cancer."
    text = HEADER + (f'"FA"\t7\t0\t"Kr\u00fcppel-like factor 5"\t0\t21\t"Gene"\t"colon cancer"\t26\t38\t"Disease"'
                     f'\t"{sentence}"\n')
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("latin-1"))
    table = InputFile(path, "t.csv", "train")
    df = parse(table, encoding="latin-1")
    assert df["entities"][0][0]["text"] == ["Kr\u00fcppel-like factor 5"]
    MODELS["kb"].validate(df)
    with pytest.raises(SourceError) as err:  # read as UTF-8, the byte FC names its line
        parse(table)
    assert (err.value.file, err.value.line) == ("t.csv", 2)


def test_offsets_that_point_elsewhere_are_kept_for_the_family_check(tables):
    bad = DRUG_DISEASE.replace('"rash"\t33\t37', '"rash"\t32\t36')
    valid, quarantined = partition(parse(*tables(drug_disease=bad)), MODELS["kb"], source="src", task=None,
                                   stage="family")
    assert valid["document_id"].to_list() == ["10:3"]
    assert quarantined.select("reason", "file", "line").row(0) == (
        "entity offsets reproduce the text", "drug_disease.csv", 2)


@pytest.mark.parametrize(
    "table, line, message",
    [
        (HEADER.replace('"E2_TYPE"\t', ""), 1, "the header lacks column(s) E2_TYPE"),
        ("", 1, "expected a header row"),
        (DRUG_DISEASE + '"PA"\t10\t0\t"x"\n', 4, "4 fields, the header has 12"),
        (DRUG_DISEASE.replace("\t33\t", "\tx\t"), 3, "offset 'x' is not a number"),
        (DRUG_DISEASE.replace('"NA"\t10\t0', '"NA"\t10\t'), 3, "without its document id or sentence number"),
        (DRUG_DISEASE.replace('"NA"', '""'), 3, "without a label"),
        (DRUG_DISEASE.replace(f'"NA"\t10\t0\t"rash"\t33\t37\t"Disease"\t"Warfarin"\t0\t8\t"Drug"\t"{S1}"',
                              f'"NA"\t10\t0\t"rash"\t33\t37\t"Disease"\t"Warfarin"\t0\t8\t"Drug"\t"{S1} "'),
         3, "differs from its text in drug_disease.csv, line 2"),
    ],
)
def test_malformed_table_names_file_and_line(tables, table, line, message):
    with pytest.raises(SourceError) as err:
        parse(*tables(drug_disease=table))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "drug_disease.csv", line)
    assert message in err.value.reason


def test_a_record_spanning_lines_starts_where_it_starts(tables):
    table = HEADER + ('"PA"\t12\t0\t"a"\t0\t1\t"X"\t"b"\t2\t3\t"Y"\t"a b\nc"\n'
                      '"PA"\t11\t0\t"a"\t0\t1\t"X"\t"b"\t2\t3\t"Y"\t"a b"\n')
    df = parse(*tables(drug_disease=table))
    assert df["document_id"].to_list()[:2] == ["12:0", "11:0"]
    assert df["source_line"].to_list()[:2] == [2, 4]


def test_options_must_map_every_field(tables):
    with pytest.raises(SourceError) as err:
        pair_table.parse(list(tables()), {"columns": {k: v for k, v in COLUMNS.items() if k != "sentence"}}, "src")
    assert "columns lacks sentence" in err.value.reason
