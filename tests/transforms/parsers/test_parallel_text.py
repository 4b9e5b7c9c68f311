import pytest
from helpers import tar_of

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import parallel_text

EN = "Abstract\nPatients were randomised.\n Mortality fell. \n"
FR = "Abstract\nLes patients ont été randomisés.\nLa mortalité a baissé.\n"
WMT = {"pairs": [{"text_1": "m_en2fr.en", "text_2": "m_en2fr.fr"}]}


def parse(files, options):
    return parallel_text.parse(files, options, "src")


def test_line_i_pairs_with_line_i_with_provenance(input_file):
    files = [input_file("m_en2fr.en", EN, split="test_en2fr"), input_file("m_en2fr.fr", FR, split="test_en2fr")]
    df = parse(files, WMT)
    assert df["id"].to_list() == ["m_en2fr.en:1", "m_en2fr.en:2", "m_en2fr.en:3"]
    assert df["document_id"].to_list() == ["m_en2fr.en:1", "m_en2fr.en:2", "m_en2fr.en:3"]
    assert df["split"].to_list() == ["test_en2fr"] * 3
    assert df["source_file"].to_list() == ["m_en2fr.en"] * 3
    assert df["source_line"].to_list() == [1, 2, 3]
    assert df.select("text_1", "text_2").rows()[1:] == [
        ("Patients were randomised.", "Les patients ont été randomisés."),
        ("Mortality fell.", "La mortalité a baissé."),
    ]


def test_side_names_default_to_the_file_extensions(input_file):
    df = parse([input_file("m.fr", FR), input_file("m.en", EN)], {"pairs": [{"text_1": "m.fr", "text_2": "m.en"}]})
    assert df.select("text_1_name", "text_2_name").unique().rows() == [("fr", "en")]


def test_side_names_from_options_and_ids_from_a_file(input_file):
    files = [input_file("val.source", "A b.\nC d.\n"), input_file("val.target", "Ab.\nCd.\n"),
             input_file("val.doi", "10.1/x\n10.1/y\n")]
    options = {"text_1_name": "abstract", "text_2_name": "summary",
               "pairs": [{"text_1": "val.source", "text_2": "val.target", "ids": "val.doi"}]}
    df = parse(files, options)
    assert df.select("id", "document_id", "text_1_name", "text_2_name").rows() == [
        ("val.source:1", "10.1/x", "abstract", "summary"),
        ("val.source:2", "10.1/y", "abstract", "summary"),
    ]


def test_marker_lines_are_skipped_where_both_sides_hold_them(input_file):
    files = [input_file("m_en2fr.en", EN + "Title\n"), input_file("m_en2fr.fr", FR + "Titre\n")]
    df = parse(files, {**WMT, "skip_markers": ["Abstract", "Title"]})
    assert df["source_line"].to_list() == [2, 3, 4]  # "Title" / "Titre" is a sentence pair, not a marker
    assert df["text_1"].to_list()[-1] == "Title"


def test_several_pairs_keep_their_own_splits(input_file):
    files = [input_file("a.en", "One.\n", split="dev"), input_file("a.fr", "Un.\n", split="dev"),
             input_file("b.fr", "Deux.\n", split="test"), input_file("b.en", "Two.\n", split="test")]
    options = {"pairs": [{"text_1": "a.en", "text_2": "a.fr"}, {"text_1": "b.fr", "text_2": "b.en"}]}
    assert parse(files, options).select("split", "text_1", "text_2").rows() == [
        ("dev", "One.", "Un."),
        ("test", "Deux.", "Two."),
    ]


def test_frame_validates_as_t2t(input_file):
    MODELS["t2t"].validate(parse([input_file("m_en2fr.en", EN), input_file("m_en2fr.fr", FR)], WMT))


@pytest.mark.parametrize("en, fr, file, line", [(EN + "Extra.\n", FR, "m_en2fr.en", 4), (EN, FR + "En plus.\n", "m_en2fr.fr", 4)])
def test_a_line_count_mismatch_names_the_first_unmatched_line(input_file, en, fr, file, line):
    with pytest.raises(SourceError) as err:
        parse([input_file("m_en2fr.en", en), input_file("m_en2fr.fr", fr)], WMT)
    assert (err.value.source, err.value.file, err.value.line) == ("src", file, line)
    assert "not line-aligned" in str(err.value)


def test_an_ids_file_of_another_length_is_an_error(input_file):
    files = [input_file("v.source", "A.\nB.\n"), input_file("v.target", "a.\nb.\n"), input_file("v.doi", "d1\n")]
    with pytest.raises(SourceError) as err:
        parse(files, {"pairs": [{"text_1": "v.source", "text_2": "v.target", "ids": "v.doi"}]})
    assert (err.value.file, err.value.line) == ("v.source", 2)


def test_a_pair_naming_an_undeclared_file_is_an_error(input_file):
    with pytest.raises(SourceError, match="not declared: m_en2fr.fr"):
        parse([input_file("m_en2fr.en", EN)], WMT)


def test_a_pair_with_an_unknown_key_is_an_error(input_file):
    with pytest.raises(SourceError, match="a pair needs text_1 and text_2"):
        parse([input_file("a.en", EN)], {"pairs": [{"text_1": "a.en", "target": "a.fr"}]})


_tar_gz = tar_of  # a .tar.gz


ARCHIVE = {"archive": "nejm.tar.gz", "pairs": [
    {"text_1": "data/nejm.train.zh", "text_2": "data/nejm.train.en", "split": "train"},
    {"text_1": "data/nejm.dev.zh", "text_2": "data/nejm.dev.en", "split": "dev"},
]}


def test_pairs_may_name_members_of_a_declared_archive(tmp_path):
    from transforms.parsers._common import InputFile
    tar = _tar_gz(tmp_path / "nejm.tar.gz", {
        "./data/nejm.train.zh": "研究结束。\n死亡率下降。\n".encode(), "./data/nejm.train.en": b"The trial ended.\nDeaths fell.\n",
        "./data/nejm.dev.zh": "结果。".encode(), "./data/nejm.dev.en": b"Results.",
    })
    df = parse([InputFile(tar, "nejm.tar.gz", None)], ARCHIVE)
    assert df.select("id", "split", "source_file", "source_line", "text_1", "text_2", "text_1_name", "text_2_name").rows() == [
        ("nejm.tar.gz/./data/nejm.train.zh:1", "train", "nejm.tar.gz/./data/nejm.train.zh", 1, "研究结束。",
         "The trial ended.", "zh", "en"),
        ("nejm.tar.gz/./data/nejm.train.zh:2", "train", "nejm.tar.gz/./data/nejm.train.zh", 2, "死亡率下降。",
         "Deaths fell.", "zh", "en"),
        ("nejm.tar.gz/./data/nejm.dev.zh:1", "dev", "nejm.tar.gz/./data/nejm.dev.zh", 1, "结果。", "Results.", "zh", "en"),
    ]
    MODELS["t2t"].validate(df)


def test_archive_member_errors_name_the_member_and_line(tmp_path):
    from transforms.parsers._common import InputFile
    tar = _tar_gz(tmp_path / "nejm.tar.gz", {
        "data/nejm.train.zh": "一。\n二。\n".encode(), "data/nejm.train.en": b"One.\nTwo.\nThree.\n",
        "data/nejm.dev.zh": b"\xff\n", "data/nejm.dev.en": b"x\n",
    })
    with pytest.raises(SourceError) as err:
        parse([InputFile(tar, "nejm.tar.gz", None)], ARCHIVE)
    assert (err.value.file, err.value.line) == ("nejm.tar.gz/data/nejm.train.en", 3)
    with pytest.raises(SourceError) as err:
        parse([InputFile(tar, "nejm.tar.gz", None)], {**ARCHIVE, "pairs": ARCHIVE["pairs"][1:]})
    assert (err.value.file, err.value.line) == ("nejm.tar.gz/data/nejm.dev.zh", 1)
    with pytest.raises(SourceError, match="no member 'data/nejm.test.zh'") as err:
        parse([InputFile(tar, "nejm.tar.gz", None)], {**ARCHIVE, "pairs": [{"text_1": "data/nejm.test.zh",
                                                                           "text_2": "data/nejm.test.en"}]})
    assert err.value.file == "nejm.tar.gz"
