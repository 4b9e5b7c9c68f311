"""Rows in, chat messages out: MedINST's prompt, and reading JSONL/Parquet files without Polars.

MedINST (`aialt/MedINST` `evaluation.py`) prompts a chat model with each few-shot demonstration as
a user turn and an assistant turn, then one user turn holding the instruction, a newline and the
input; there is no system prompt. Training uses the same prompt with the gold output as the
assistant's answer.
"""

import hashlib
import json
from pathlib import Path


def _turns(history) -> list[tuple[str, str]]:
    """History as (user, assistant) pairs: the warehouse's [{user, assistant}] or MedINST's [[user, assistant]]."""
    pairs = []
    for turn in history or []:
        if isinstance(turn, dict):
            pairs.append((turn["user"], turn["assistant"]))
        else:
            user, assistant = turn
            pairs.append((user, assistant))
    return pairs


def messages(row: dict) -> list[dict]:
    """The chat messages MedINST sends for a row (instruction, input, optional history)."""
    if row.get("messages"):
        return list(row["messages"])
    turns = []
    for user, assistant in _turns(row.get("history")):
        turns += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return turns + [{"role": "user", "content": row["instruction"] + "\n" + row["input"]}]


def read_rows(path: str | Path) -> list[dict]:
    """A JSON Lines, JSON (a list) or Parquet file as a list of dicts."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json" and text.lstrip().startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read_jsonl_tolerant(path: str | Path) -> list[dict]:
    """The complete lines of a JSON Lines file that may have been cut off mid-line (a killed writer)."""
    path = Path(path)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def open_for_append(path: str | Path):
    """Open a JSON Lines file for appending, first ending a line a killed writer left unfinished."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    needs_newline = False
    if path.exists() and path.stat().st_size > 0:
        with open(path, "rb") as f:
            f.seek(-1, 2)
            needs_newline = f.read(1) != b"\n"
    f = open(path, "a", encoding="utf-8")
    if needs_newline:
        f.write("\n")
    return f


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
