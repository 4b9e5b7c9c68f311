import io
import json
import tarfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import InputFile, claim_corpus_jsonl
from transforms.validate import partition

CORPUS = [
    {"doc_id": 4983, "title": "T1", "abstract": ["First sentence. ", "Second sentence."], "structured": False},
    {"doc_id": 7912, "title": "T2", "abstract": ["Unrelated."], "structured": False},
]
CLAIMS = [
    {"id": 14, "claim": " Claim one. ", "evidence": {"4983": [{"sentences": [1], "label": "CONTRADICT"}]},
     "cited_doc_ids": [4983, 7912]},
    {"id": 15, "claim": "Claim two.", "evidence": {}, "cited_doc_ids": [7912]},
    {"id": 16, "claim": "Unlabelled."},
]
OPTIONS = {"corpus": "data/corpus.jsonl", "claims": {"data/claims_train.jsonl": "train"}}


def _lines(records) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


FUZZ_SAMPLE = ("scifact", OPTIONS, [("data.tar.gz", None, {"data/corpus.jsonl": _lines(CORPUS),
                                                           "data/claims_train.jsonl": _lines(CLAIMS)})])


def _archive(tmp_path, corpus: bytes, claims: bytes) -> InputFile:
    path = tmp_path / "data.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("data/corpus.jsonl", corpus), ("data/claims_train.jsonl", claims)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return InputFile(path, "data.tar.gz")


def test_one_record_per_claim_and_cited_abstract(tmp_path):
    df = claim_corpus_jsonl.parse([_archive(tmp_path, _lines(CORPUS), _lines(CLAIMS))], OPTIONS, "src")
    name = "data.tar.gz/data/claims_train.jsonl"
    assert df.rows() == [
        (f"{name}:14:4983", "14-4983", "train", name, 1, "First sentence. Second sentence.", "Claim one.",
         "CONTRADICT"),
        (f"{name}:14:7912", "14-7912", "train", name, 1, "Unrelated.", "Claim one.", "NOINFO"),
        (f"{name}:15:7912", "15-7912", "train", name, 2, "Unrelated.", "Claim two.", "NOINFO"),
    ]
    valid, bad = partition(df, MODELS["te"], source="src", task=None, stage="family")
    assert (valid.height, bad.height) == (3, 0)


def test_the_no_evidence_label_is_an_option(tmp_path):
    df = claim_corpus_jsonl.parse([_archive(tmp_path, _lines(CORPUS), _lines(CLAIMS[1:2]))],
                                  OPTIONS | {"no_evidence_label": "NEI"}, "src")
    assert df["label"].to_list() == ["NEI"]


@pytest.mark.parametrize(
    "corpus, claims, member, line, message",
    [
        (CORPUS, [CLAIMS[0], {"id": 1, "claim": "c", "evidence": {}, "cited_doc_ids": [1]}], "claims_train", 2,
         "cites doc 1, which the corpus lacks"),
        (CORPUS, [{"id": 1, "claim": "c", "evidence": {"4983": [{"sentences": [0], "label": "SUPPORT"},
                                                                {"sentences": [1], "label": "CONTRADICT"}]},
                   "cited_doc_ids": [4983]}], "claims_train", 1, "evidence labels"),
        (CORPUS, [{"id": 1, "claim": 3}], "claims_train", 1, "expected id, claim"),
        ([CORPUS[0], {"doc_id": 2, "abstract": "not a list"}], CLAIMS, "corpus", 2, "abstract"),
    ],
)
def test_malformed_records_name_member_and_line(tmp_path, corpus, claims, member, line, message):
    with pytest.raises(SourceError, match=message) as err:
        claim_corpus_jsonl.parse([_archive(tmp_path, _lines(corpus), _lines(claims))], OPTIONS, "src")
    assert (err.value.file, err.value.line) == (f"data.tar.gz/data/{member}.jsonl", line)


def test_bad_json_and_missing_members(tmp_path):
    with pytest.raises(SourceError, match="not valid JSON") as err:
        claim_corpus_jsonl.parse([_archive(tmp_path, _lines(CORPUS), _lines(CLAIMS) + b"{\n")], OPTIONS, "src")
    assert (err.value.file, err.value.line) == ("data.tar.gz/data/claims_train.jsonl", 4)
    with pytest.raises(SourceError, match="no member 'data/claims_dev.jsonl'"):
        claim_corpus_jsonl.parse([_archive(tmp_path, _lines(CORPUS), _lines(CLAIMS))],
                                 OPTIONS | {"claims": {"data/claims_dev.jsonl": "dev"}}, "src")
