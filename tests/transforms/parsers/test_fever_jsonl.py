import json
import zipfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import InputFile, fever_jsonl
from transforms.validate import partition


def _page(title: str, sentences: list[str]) -> dict:
    return {"id": title, "text": " ".join(sentences),
            "lines": "\n".join(f"{i}\t{s}\tLink" for i, s in enumerate(sentences))}


def _lines(records) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


PAGES = [_page("Fox_-LRB-TV-RRB-", ["Fox -LRB- TV -RRB- is a network .", "It airs shows ."]),
         _page("Other", ["Other text ."])]
CLAIMS = [
    {"id": 7, "verifiable": "VERIFIABLE", "label": "SUPPORTS", "claim": " Fox airs shows. ",
     "evidence": [[[1, 2, "Fox_-LRB-TV-RRB-", 1], [1, 2, "Fox_-LRB-TV-RRB-", 0]], [[3, 4, "Fox_-LRB-TV-RRB-", 1]]]},
    {"id": 8, "verifiable": "NOT VERIFIABLE", "label": "NOT ENOUGH INFO", "claim": "Fox is old.",
     "evidence": [[[5, None, None, None]]]},
]
OPTIONS = {"wiki": "wiki-pages.zip", "no_evidence": "None found."}

FUZZ_SAMPLE = ("fever", OPTIONS, [("train.jsonl", "train", _lines(CLAIMS)),
                                  ("wiki-pages.zip", None, {"wiki-pages/wiki-001.jsonl": _lines(PAGES)})])


def _files(tmp_path, claims: bytes, pages: bytes) -> list[InputFile]:
    (tmp_path / "c").write_bytes(claims)
    with zipfile.ZipFile(tmp_path / "w", "w") as z:
        z.writestr("wiki-pages/wiki-001.jsonl", pages)
        z.writestr("wiki-pages/README.txt", "not a page")
    return [InputFile(tmp_path / "c", "train.jsonl", "train"), InputFile(tmp_path / "w", "wiki-pages.zip")]


def test_evidence_sentences_looked_up_in_the_dump(tmp_path):
    df = fever_jsonl.parse(_files(tmp_path, _lines(CLAIMS), _lines(PAGES)), OPTIONS, "src")
    assert df.rows() == [
        ("train.jsonl:7", "7", "train", "train.jsonl", 1,
         "Fox (TV): It airs shows . Fox (TV): Fox ( TV ) is a network .",
         "Fox airs shows.", "SUPPORTS"),
        ("train.jsonl:8", "8", "train", "train.jsonl", 2, "None found.", "Fox is old.", "NOT ENOUGH INFO"),
    ]
    valid, bad = partition(df, MODELS["te"], source="src", task=None, stage="family")
    assert (valid.height, bad.height) == (2, 0)


@pytest.mark.parametrize(
    "claims, file, line, message",
    [
        (_lines(CLAIMS[:1]) + b"{\n", "train.jsonl", 2, "not valid JSON"),
        (_lines([CLAIMS[1], {"id": 9, "label": "SUPPORTS", "claim": "c", "evidence": [[[1, 2, "Other", 5]]]}]),
         "train.jsonl", 2, "sentence 5 of page 'Other' is not in the dump"),
        (_lines([{"id": 9, "label": "SUPPORTS", "claim": "c", "evidence": [[[1, 2, "Other"]]]}]), "train.jsonl", 1,
         "evidence is not a list"),
        (_lines([{"id": 9, "claim": "c", "evidence": []}]), "train.jsonl", 1, "expected an object"),
    ],
)
def test_malformed_claims_name_file_and_line(tmp_path, claims, file, line, message):
    with pytest.raises(SourceError, match=message) as err:
        fever_jsonl.parse(_files(tmp_path, claims, _lines(PAGES)), OPTIONS, "src")
    assert (err.value.file, err.value.line) == (file, line)


def test_a_malformed_page_names_its_member_and_line(tmp_path):
    pages = _lines(PAGES[1:]) + b'{"id": "Fox_-LRB-TV-RRB-", "lines": \n'
    with pytest.raises(SourceError, match="not a valid JSON page") as err:
        fever_jsonl.parse(_files(tmp_path, _lines(CLAIMS), pages), OPTIONS, "src")
    assert (err.value.file, err.value.line) == ("wiki-pages.zip/wiki-pages/wiki-001.jsonl", 2)
    with pytest.raises(SourceError, match="not declared: wiki.zip"):
        fever_jsonl.parse(_files(tmp_path, _lines(CLAIMS), _lines(PAGES)), {"wiki": "wiki.zip"}, "src")


def test_titles_match_whatever_their_unicode_normal_form(tmp_path):
    nfd = "Beyonce\u0301"  # the dump may write a title decomposed, the claim composed
    claims = _lines([{"id": 1, "label": "SUPPORTS", "claim": "She sings.", "evidence": [[[1, 2, "Beyonc\u00e9", 0]]]}])
    pages = (json.dumps({"text": "x", "id": nfd, "lines": "0\tBeyonc\u00e9 sings ."}) + "\n").encode()
    df = fever_jsonl.parse(_files(tmp_path, claims, pages), OPTIONS, "src")
    assert df["premise"].to_list() == ["Beyonc\u00e9: Beyonc\u00e9 sings ."]
