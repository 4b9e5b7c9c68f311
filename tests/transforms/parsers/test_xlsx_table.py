import openpyxl
import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import xlsx_table
from transforms.parsers._common import InputFile

ROWS = [
    ["File", "CHQ", "Summary", None],
    ["1.txt", " who makes bromocriptine\ni need it ", "Who manufactures bromocriptine?", None],
    [None, None, None, None],  # a formatted but empty row
    [2, "Williams' syndrome testing?", "Where can I get genetic testing for Williams syndrome?", None],
]
OPTIONS = {
    "family": "t2t",
    "id": "File",
    "columns": {"text_1": "CHQ", "text_2": "Summary"},
    "constants": {"text_1_name": "question", "text_2_name": "summary"},
}


def xlsx_file(tmp_path, rows, name="qs.xlsx", notes_first=False, split="train") -> InputFile:
    """A workbook with `rows` in sheet QS (after a sheet Notes if `notes_first`), saved as tmp_path/name."""
    book = openpyxl.Workbook()
    book.active.title = "QS"
    for row in rows:
        book.active.append(row)
    if notes_first:
        book.create_sheet("Notes", 0).append(["x"])
    book.save(tmp_path / name)
    return InputFile(tmp_path / name, name, split)


def parse(file, **options):
    return xlsx_table.parse([file], {**OPTIONS, **options}, "src")


def test_rows_become_records_with_provenance(tmp_path):
    df = parse(xlsx_file(tmp_path, ROWS))
    assert df["id"].to_list() == ["qs.xlsx:1.txt", "qs.xlsx:2"]  # an integer cell reads without '.0'
    assert df["document_id"].to_list() == ["qs.xlsx:1.txt", "qs.xlsx:2"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["qs.xlsx", "qs.xlsx"]
    assert df["source_line"].to_list() == [2, 4]  # sheet row numbers; the empty row 3 is skipped


def test_columns_and_constants_fill_the_t2t_fields(tmp_path):
    assert parse(xlsx_file(tmp_path, ROWS)).select("text_1", "text_2", "text_1_name", "text_2_name").row(0) == (
        "who makes bromocriptine\ni need it",
        "Who manufactures bromocriptine?",
        "question",
        "summary",
    )


def test_without_header_columns_are_indexes_and_ids_row_numbers(tmp_path):
    df = parse(xlsx_file(tmp_path, ROWS[1:]), header=False, id=None, columns={"text_1": 1, "text_2": 2})
    assert df.select("id", "text_2").rows() == [
        ("qs.xlsx:1", "Who manufactures bromocriptine?"),
        ("qs.xlsx:3", "Where can I get genetic testing for Williams syndrome?"),
    ]


def test_a_named_sheet_is_read(tmp_path):
    file = xlsx_file(tmp_path, ROWS, notes_first=True)
    with pytest.raises(SourceError, match="no column 'CHQ'"):
        parse(file)  # the first sheet, Notes, has no such column
    assert parse(file, sheet="QS").height == 2


def test_pairs_family(tmp_path):
    rows = [["q1", "q2", "same"], ["How?", "Why?", "0"]]
    df = xlsx_table.parse(
        [xlsx_file(tmp_path, rows)], {"family": "pairs", "columns": {"text_1": "q1", "text_2": "q2", "label": "same"}}, "src"
    )
    assert df.select("text_1", "text_2", "label").rows() == [("How?", "Why?", "0")]


def test_a_workbook_stored_without_its_suffix_is_read(tmp_path):
    """The raw cache names a fetched file by its digest, without .xlsx."""
    xlsx_file(tmp_path, ROWS).path.rename(tmp_path / "ab12cd")
    df = xlsx_table.parse([InputFile(tmp_path / "ab12cd", "qs.xlsx", "train")], OPTIONS, "src")
    assert df["source_file"].to_list() == ["qs.xlsx", "qs.xlsx"]


def test_frame_validates_as_its_family(tmp_path):
    MODELS["t2t"].validate(parse(xlsx_file(tmp_path, ROWS)))


def test_a_missing_header_column_names_the_header_row(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(xlsx_file(tmp_path, ROWS), columns={"text_1": "Question", "text_2": "Summary"})
    assert (err.value.source, err.value.file, err.value.line) == ("src", "qs.xlsx", 1)


def test_an_index_beyond_the_sheet_names_the_first_row_it_misses(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(xlsx_file(tmp_path, ROWS), columns={"text_1": 1, "text_2": 7})
    assert (err.value.file, err.value.line) == ("qs.xlsx", 2)


def test_a_missing_sheet_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="no sheet 'Other'") as err:
        parse(xlsx_file(tmp_path, ROWS), sheet="Other")
    assert err.value.file == "qs.xlsx"


def test_a_file_that_is_not_xlsx_is_an_error(tmp_path):
    (tmp_path / "qs.xlsx").write_text("File,CHQ\n")
    with pytest.raises(SourceError, match="not a readable .xlsx file") as err:
        parse(InputFile(tmp_path / "qs.xlsx", "qs.xlsx", "train"))
    assert err.value.file == "qs.xlsx"


def test_mapping_lacking_a_field_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="columns lacks text_2_name"):
        parse(xlsx_file(tmp_path, ROWS), constants={"text_1_name": "question"})
