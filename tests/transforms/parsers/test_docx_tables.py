import docx
import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import docx_tables
from transforms.parsers._common import InputFile

OPTIONS = {"pairs_file": "pairs.docx", "scores_file": "scores.docx", "header_rows": 1, "score_columns": [1, 2, 3]}
PAIRS = [["No", "Sentence 1", "Sentence 2"], ["1", " A cell divides. ", "Cells divide."], ["2", "Mice eat.", "Rain falls."]]
SCORES = [["No", "A1", "A2", "A3"], ["2", "0", "0", "0"], ["1", "4", "3", "4"]]


def docx_file(tmp_path, name, rows, split=None):
    """A .docx whose first table holds `rows` (lists of cell texts)."""
    document = docx.Document()
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    document.save(tmp_path / name)
    return InputFile(tmp_path / name, name, split)


def parse(tmp_path, pairs=PAIRS, scores=SCORES):
    files = [docx_file(tmp_path, "pairs.docx", pairs, "train"), docx_file(tmp_path, "scores.docx", scores)]
    return docx_tables.parse(files, OPTIONS, "src")


def test_each_pair_row_is_a_record_with_provenance(tmp_path):
    df = parse(tmp_path)
    assert df["id"].to_list() == ["pairs.docx:1", "pairs.docx:2"]
    assert df["document_id"].to_list() == ["1", "2"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["pairs.docx", "pairs.docx"]
    assert df["source_line"].to_list() == [2, 3]  # table row numbers, the header being row 1


def test_texts_are_the_stripped_cells(tmp_path):
    assert parse(tmp_path).select("text_1", "text_2").rows() == [
        ("A cell divides.", "Cells divide."),
        ("Mice eat.", "Rain falls."),
    ]


def test_label_is_the_mean_score_matched_by_pair_number(tmp_path):
    assert parse(tmp_path)["label"].to_list() == ["3.6667", "0.0"]


def test_frame_validates_as_pairs(tmp_path):
    MODELS[docx_tables.FAMILY].validate(parse(tmp_path))


def test_score_that_is_not_a_number_names_its_table_row(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, scores=SCORES[:2] + [["1", "4", "n/a", "4"]])
    assert (err.value.source, err.value.file, err.value.line) == ("src", "scores.docx", 3)
    assert "scores are not numbers in table row 3" in str(err.value)


def test_pair_without_scores_names_its_table_row(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, pairs=PAIRS + [["3", "x", "y"]])
    assert (err.value.file, err.value.line) == ("pairs.docx", 4)
    assert "pair ['3'] in table row 4 has no scores" in str(err.value)


def test_document_without_a_table_is_an_error(tmp_path):
    docx.Document().save(tmp_path / "scores.docx")
    files = [docx_file(tmp_path, "pairs.docx", PAIRS), InputFile(tmp_path / "scores.docx", "scores.docx")]
    with pytest.raises(SourceError, match="no table") as err:
        docx_tables.parse(files, OPTIONS, "src")
    assert err.value.file == "scores.docx"


def test_a_file_that_is_not_docx_is_an_error(tmp_path):
    (tmp_path / "scores.docx").write_text("not a zip")
    files = [docx_file(tmp_path, "pairs.docx", PAIRS), InputFile(tmp_path / "scores.docx", "scores.docx")]
    with pytest.raises(SourceError, match="not a readable .docx file") as err:
        docx_tables.parse(files, OPTIONS, "src")
    assert err.value.file == "scores.docx"


def test_undeclared_file_named_by_the_options_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="not declared: scores.docx"):
        docx_tables.parse([docx_file(tmp_path, "pairs.docx", PAIRS)], OPTIONS, "src")
