"""Helpers shared by the parser, renderer and split tests."""

import pytest

from transforms.parsers._common import InputFile, family_frame


@pytest.fixture
def input_file(tmp_path):
    """Write `text` to tmp_path/name and return it as a declared input file."""

    def make(name: str, text: str, split: str | None = "train") -> InputFile:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return InputFile(path, name, split)

    return make


@pytest.fixture
def kb_frame():
    """A kb frame, one record per (passages, mentions): passages is a string or a list of strings
    (joined by single spaces, BigBio's convention); a mention is (start, end, type[, [(db, id), ...]])."""

    def make(*docs):
        rows = []
        for i, (passages, mentions) in enumerate(docs):
            passages = [passages] if isinstance(passages, str) else passages
            text = " ".join(passages)
            rid = f"doc{i}"
            layers, pos = [], 0
            for j, p in enumerate(passages):
                layers.append({"id": f"{rid}-p{j}", "type": "text", "text": [p], "offsets": [[pos, pos + len(p)]]})
                pos += len(p) + 1
            entities = [
                {
                    "id": f"{rid}-e{j}",
                    "type": m[2],
                    "text": [text[m[0] : m[1]]],
                    "offsets": [[m[0], m[1]]],
                    "normalized": [{"db_name": db, "db_id": ident} for db, ident in (m[3] if len(m) > 3 else [])],
                }
                for j, m in enumerate(mentions)
            ]
            rows.append(
                {
                    "id": rid,
                    "document_id": f"d{i}",
                    "split": "train",
                    "source_file": "f.txt",
                    "source_line": i + 1,
                    "passages": layers,
                    "entities": entities,
                    "events": [],
                    "coreferences": [],
                    "relations": [],
                }
            )
        return family_frame(rows, "kb")

    return make
