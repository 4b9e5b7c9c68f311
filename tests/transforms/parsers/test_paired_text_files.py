
import pytest
from helpers import tar_of

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import paired_text_files
from transforms.parsers._common import InputFile

# After MuchMore's plain-text tarballs: one Latin-1 abstract a file, named <Journal>.<id>.<eng|ger>.abstr.
OPTIONS = {
    "text_1": "springer_english_train_plain.tar.gz", "text_2": "springer_german_train_plain.tar.gz",
    "pattern_1": r"(?:^|/)([^/]+)\.eng\.abstr$", "pattern_2": r"(?:^|/)([^/]+)\.ger\.abstr$",
    "text_1_name": "en", "text_2_name": "de", "encoding": "iso-8859-1",
}
ENGLISH = {
    "springer_english_train_plain/Arthroskopie.00130003.eng.abstr": "Knee ligaments.\nThe PCL is strong.\n",
    "springer_english_train_plain/Arthroskopie.00130004.eng.abstr": "Only in English.\n",
    "springer_english_train_plain/Radiologe.00370001.eng.abstr": "Tumours grow.\n",
}
GERMAN = {
    "springer_german_train_plain/Arthroskopie.00130003.ger.abstr": "Kniegelenkb\xe4nder.\nDas HKB ist stark.\n",
    "springer_german_train_plain/Radiologe.00370001.ger.abstr": "Tumoren wachsen.\n",
    "springer_german_train_plain/Radiologe.00370009.ger.abstr": "Nur auf Deutsch.\n",
}

FUZZ_SAMPLE = ("muchmore", OPTIONS, [
    ("springer_english_train_plain.tar.gz", "train", {k: v.encode("iso-8859-1") for k, v in ENGLISH.items()}),
    ("springer_german_train_plain.tar.gz", "train", {k: v.encode("iso-8859-1") for k, v in GERMAN.items()}),
])


_tar = tar_of  # a .tar.gz


def files(tmp_path, english=ENGLISH, german=GERMAN):
    en = _tar(tmp_path / "en", {k: v.encode("iso-8859-1") for k, v in english.items()})
    de = _tar(tmp_path / "de", {k: v.encode("iso-8859-1") if isinstance(v, str) else v for k, v in german.items()})
    return [InputFile(en, OPTIONS["text_1"], "train"), InputFile(de, OPTIONS["text_2"], "train")]


def test_abstracts_in_both_languages_pair_by_name(tmp_path):
    df = paired_text_files.parse(files(tmp_path), OPTIONS, "src")
    assert df["document_id"].to_list() == ["Arthroskopie.00130003", "Radiologe.00370001"]
    assert df["id"].to_list() == ["springer_english_train_plain.tar.gz:Arthroskopie.00130003",
                                  "springer_english_train_plain.tar.gz:Radiologe.00370001"]
    assert df["source_file"][0] == ("springer_english_train_plain.tar.gz/springer_english_train_plain/"
                                    "Arthroskopie.00130003.eng.abstr")
    assert df.row(0, named=True) == {
        "id": "springer_english_train_plain.tar.gz:Arthroskopie.00130003", "document_id": "Arthroskopie.00130003",
        "split": "train", "source_file": df["source_file"][0], "source_line": 1,
        "text_1": "Knee ligaments.\nThe PCL is strong.", "text_2": "Kniegelenkb\xe4nder.\nDas HKB ist stark.",
        "text_1_name": "en", "text_2_name": "de",
    }
    MODELS[paired_text_files.FAMILY].validate(df)


def test_a_repeated_key_names_its_file(tmp_path):
    german = GERMAN | {"other/Radiologe.00370001.ger.abstr": "Noch einmal.\n"}
    with pytest.raises(SourceError) as err:
        paired_text_files.parse(files(tmp_path, german=german), OPTIONS, "src")
    assert err.value.file.startswith("springer_german_train_plain.tar.gz/")


def test_text_not_in_the_encoding_names_file_and_line(tmp_path):
    with pytest.raises(SourceError) as err:
        paired_text_files.parse(files(tmp_path, german=GERMAN | {
            "springer_german_train_plain/Arthroskopie.00130003.ger.abstr": "Das HKB.\n",
            "springer_german_train_plain/Radiologe.00370001.ger.abstr": b"Tumoren\nwachsen \xff.\n"}),
            OPTIONS | {"encoding": "utf-8"}, "src")
    assert (err.value.file, err.value.line) == (
        "springer_german_train_plain.tar.gz/springer_german_train_plain/Radiologe.00370001.ger.abstr", 2)


def test_no_matching_file_and_missing_options_are_errors(tmp_path):
    with pytest.raises(SourceError) as err:
        paired_text_files.parse(files(tmp_path), OPTIONS | {"pattern_2": r"\.fr\.abstr$"}, "src")
    assert err.value.file == "springer_german_train_plain.tar.gz"
    with pytest.raises(SourceError):
        paired_text_files.parse(files(tmp_path), {"text_1": OPTIONS["text_1"]}, "src")
