import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import jsonl_table
from transforms.validate import partition

# SciCite's shape: CRLF line ends, a bare NaN, optional keys, a repeated unique_id.
CITATIONS = (
    '{"source": "explicit", "string": " Santos et al. found the opposite. ", "label": "result", "unique_id": "a>b_0"}\r\n'
    '{"source": NaN, "citeStart": NaN, "string": "We use the tagger of [3].", "label": "method", '
    '"label_confidence": 0.73, "unique_id": "c>d_1"}\r\n'
    '\r\n'
    '{"source": "acronym", "string": "Prior work [7] covers this.", "label": "background", "unique_id": "a>b_0"}\r\n'
)
TEXT = {"family": "text", "columns": {"text": "string", "labels": "label"}}
CITES = TEXT | {"document": "unique_id"}
PAIRS = {"family": "pairs", "columns": {"text_1": "q1", "text_2": "q2", "label": "score"}, "id": "pid"}


def parse(file, options):
    return jsonl_table.parse([file], options, "src")


def test_lines_become_text_records_with_their_line_numbers(input_file):
    df = parse(input_file("dev.jsonl", CITATIONS, "dev"), CITES)
    assert df.rows() == [
        ("dev.jsonl:1", "dev.jsonl:a>b_0", "dev", "dev.jsonl", 1, "Santos et al. found the opposite.", ["result"]),
        ("dev.jsonl:2", "dev.jsonl:c>d_1", "dev", "dev.jsonl", 2, "We use the tagger of [3].", ["method"]),
        ("dev.jsonl:4", "dev.jsonl:a>b_0", "dev", "dev.jsonl", 4, "Prior work [7] covers this.", ["background"]),
    ]


def test_ids_from_a_key_and_scalars_as_json_writes_them(input_file):
    text = '{"pid": 7, "q1": "Is flu contagious?", "q2": "Does flu spread?", "score": 1}\n' \
           '{"pid": "p8", "q1": "A", "q2": "B", "score": 2.5}\n{"pid": 9, "q1": "C", "q2": "D", "score": true}\n'
    df = parse(input_file("pairs.jsonl", text), PAIRS)
    assert df.select("id", "document_id", "text_1", "text_2", "label").rows() == [
        ("pairs.jsonl:7", "pairs.jsonl:7", "Is flu contagious?", "Does flu spread?", "1"),
        ("pairs.jsonl:p8", "pairs.jsonl:p8", "A", "B", "2.5"),
        ("pairs.jsonl:9", "pairs.jsonl:9", "C", "D", "true"),
    ]


def test_a_bare_nan_or_null_reads_as_missing(input_file):
    text = '{"string": NaN, "label": "method"}\n{"string": "Some text.", "label": NaN}\n' \
           '{"string": null, "label": ["a", NaN, " b "]}\n'
    df = parse(input_file("t.jsonl", text), TEXT)
    assert df.select("text", "labels").rows() == [("", ["method"]), ("Some text.", []), ("", ["a", "b"])]
    valid, bad = partition(df, MODELS["text"], source="src", task=None, stage="family")
    assert valid["source_line"].to_list() == [2]  # a missing text is quarantined with its line
    assert sorted(bad["line"].to_list()) == [1, 3]


def test_label_separator_splits_a_string_label(input_file):
    df = parse(input_file("t.jsonl", '{"string": "x", "label": "a; b ;"}\n'), TEXT | {"label_separator": ";"})
    assert df["labels"].to_list() == [["a", "b"]]
    df = parse(input_file("u.jsonl", '{"string": "x", "label": "a; b"}\n'), TEXT)
    assert df["labels"].to_list() == [["a; b"]]  # not split unless asked


def test_constants_fill_fields(input_file):
    options = {"family": "t2t", "columns": {"text_1": "src", "text_2": "tgt"},
               "constants": {"text_1_name": "zh", "text_2_name": "en"}}
    df = parse(input_file("p.jsonl", '{"src": "你好", "tgt": "Hello"}\n'), options)
    assert df.select("text_1", "text_2", "text_1_name", "text_2_name").row(0) == ("你好", "Hello", "zh", "en")


def test_frame_validates_as_its_family(input_file):
    df = parse(input_file("dev.jsonl", CITATIONS, "dev"), CITES)
    valid, bad = partition(df, MODELS["text"], source="src", task=None, stage="family")
    assert (valid.height, bad.height) == (3, 0)


@pytest.mark.parametrize(
    "text, line, message",
    [
        ('{"string": "a", "label": "b"}\r\n{"string": "a", "label": }\r\n', 2, "not valid JSON"),
        ('{"string": "a", "label": "b"}\n\n{"string": "a", "label": "b"\n', 3, "not valid JSON"),
        ('{"string": "a", "label": Infinity}\n', 1, "Infinity is not a JSON value"),
        ('["a", "b"]\n', 1, "expected a JSON object"),
        ('{"string": "a", "label": "b"}\n{"label": "b"}\n', 2, "no key 'string'"),
        ('{"string": {"t": "a"}, "label": "b"}\n', 1, "holds a JSON dict"),
        ('{"string": "a", "label": [["b"]]}\n', 1, "holds a JSON list"),
    ],
)
def test_malformed_line_is_a_source_error_naming_file_and_line(input_file, text, line, message):
    with pytest.raises(SourceError, match=message) as e:
        parse(input_file("bad.jsonl", text), TEXT)
    assert (e.value.file, e.value.line) == ("bad.jsonl", line)


def test_bytes_that_are_not_utf8_name_their_line(input_file, tmp_path):
    file = input_file("bad.jsonl", "")
    file.path.write_bytes(b'{"string": "a", "label": "b"}\r\n{"string": "\xff", "label": "b"}\r\n')
    with pytest.raises(SourceError, match="not UTF-8") as e:
        parse(file, TEXT)
    assert (e.value.file, e.value.line) == ("bad.jsonl", 2)


def test_columns_lacking_a_field_is_an_error(input_file):
    with pytest.raises(SourceError, match="jsonl_table options: columns lacks labels"):
        parse(input_file("t.jsonl", '{"string": "a"}\n'), {"family": "text", "columns": {"text": "string"}})


def test_records_come_in_batches(input_file, monkeypatch):
    monkeypatch.setattr(jsonl_table, "BATCH_RECORDS", 2)
    lines = "".join(f'{{"string": "s{i}", "label": "x"}}\n' for i in range(5))
    batches = list(jsonl_table.parse_batches([input_file("t.jsonl", lines)], TEXT, "src"))
    assert [b.height for b in batches] == [2, 2, 1]
    assert [t for b in batches for t in b["text"]] == ["s0", "s1", "s2", "s3", "s4"]
