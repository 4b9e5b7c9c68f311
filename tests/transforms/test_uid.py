"""The uid contract: sha256 of source, document, task, split, input and output joined by U+001F, as hex.
Pinned on real rows so that a faster way of computing it cannot compute something else."""

import hashlib
from pathlib import Path

import yaml

from schemas.registry import SourceSpec
from transforms.pipeline import _task_rows, parse_family

REPO = Path(__file__).resolve().parents[2]
# MQP's first rows and its last, as the pipeline computed them before any change to how uids are hashed.
PINNED = {
    0: "6d7fa4630e4ab48449cda3c273a58ddde148b05a835d5e13c91ba90b052a3918",
    1: "b4cf4368c82a28877ae1931de9714460ecf41fbec700d18e55450fe4824b775b",
    2: "47ecf85d4c7f7c53d6be4dee59ff1f7c8fd702c0a99a36ca61de2cfb8a72a7ec",
    3047: "c6843b7c1c3ed986a061b8979f35692a67adef5278d50e426f32e4e960d1dc00",
}


def _mqp_rows(corpora: Path):
    spec = SourceSpec.model_validate(yaml.safe_load((REPO / "sources" / "mqp.yaml").read_text()))
    family = parse_family(spec, {f.path: corpora / "mqp" / f.path for f in spec.files})
    task = next(t for t in spec.tasks if not t.availability)
    return spec, task, _task_rows(family, spec, task, "test", lambda *args, **kwargs: None)


def test_uids_are_the_pinned_ones(corpora):
    _, _, rows = _mqp_rows(corpora)
    assert rows.height == 3048
    assert {i: rows["uid"][i] for i in PINNED} == PINNED


def test_every_uid_is_the_sha256_of_its_fields_joined(corpora):
    spec, task, rows = _mqp_rows(corpora)
    for row in rows.iter_rows(named=True):
        key = "\x1f".join([spec.id, row["doc_id"], task.name, row["split"], row["input"], row["output"]])
        assert row["uid"] == hashlib.sha256(key.encode("utf-8")).hexdigest()
