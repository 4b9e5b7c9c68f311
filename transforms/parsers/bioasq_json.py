"""BioASQ Task B JSON: {"questions": [{id, body, type, snippets[{text, ...}], exact_answer, ideal_answer}]}.

Answers by type: yesno -> ["yes"|"no"]; factoid -> the candidate answers in the order given, and
list -> the items, each by the first of its synonyms (the form the experts wrote first; a target
string cannot carry alternatives); summary -> the ideal answers (one per expert).
"""

import json
import re

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_json, read_text

NAME = "bioasq_json_v1"
OPTIONS = {"per_snippet": bool, "type_in_split": bool, "held_out_split": str}
FAMILY = "qa"
TYPES = {"yesno", "factoid", "list", "summary"}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _first_synonyms(exact) -> list[str]:
    """[[name, synonym, ...], ...] (older batches: plain strings) -> [name, ...]. An item without text
    (4B has a factoid answered [[" "]]) is left out; a question left with none fails the family check."""
    names = []
    for item in _as_list(exact):
        synonyms = [s.strip() for s in _as_list(item) if isinstance(s, str) and s.strip()]
        if synonyms:
            names.append(synonyms[0])
    return names


def _answer(q: dict, fail) -> list[str]:
    kind = q["type"]
    if kind == "summary":
        ideal = [a.strip() for a in _as_list(q.get("ideal_answer")) if isinstance(a, str) and a.strip()]
        return ideal or fail("summary question without an ideal_answer")
    if "exact_answer" not in q:
        fail(f"{kind} question without an exact_answer")
    if kind == "yesno":
        answer = q["exact_answer"].strip().lower() if isinstance(q["exact_answer"], str) else None
        return [answer] if answer in ("yes", "no") else fail(f"yesno exact_answer {q['exact_answer']!r}")
    return _first_synonyms(q["exact_answer"])


def _line_of(text: str, qid: str) -> int | None:
    """The line of a question's id field: json keeps no positions, and ids are unique."""
    m = re.search(r'"id"\s*:\s*' + re.escape(json.dumps(qid)), text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `per_snippet` (default false): one record per snippet, each snippet its own context
    (BigBio's unit); otherwise one record per question, its distinct snippets joined as the context.
    `type_in_split` (default false): a record's split is `<file split>_<type>` (e.g. test_yesno), so
    that one task per question type can take its own (MedINST splits BioASQ by type).
    `held_out_split`: a split (of the declared files) whose questions are left out of every other file, by id
    or by body: a training set of year N holds the golden test batches of the years before it."""
    per_snippet, type_in_split = options.get("per_snippet", False), options.get("type_in_split", False)
    rows = []
    for file in files:
        text = read_text(file, source)
        data = read_json(file, source, text=text)
        if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
            raise SourceError(source, 'expected an object with a "questions" list', file.name, 1)
        for n, q in enumerate(data["questions"]):
            qid = q.get("id") if isinstance(q, dict) else None
            line = _line_of(text, qid) if isinstance(qid, str) else None

            def fail(message, qid=qid, line=line):
                raise SourceError(source, f"question {qid}: {message}", file.name, line)

            if not isinstance(qid, str) or not str(q.get("body") or "").strip() or q.get("type") not in TYPES:
                message = f"question #{n + 1} needs an id, a body and a type in {sorted(TYPES)}"
                raise SourceError(source, message, file.name, line)
            snippets = []
            for s in _as_list(q.get("snippets")):
                snippet = s.get("text", "").strip() if isinstance(s, dict) else fail("a snippet is not an object")
                if snippet and snippet not in snippets:
                    snippets.append(snippet)
            base = {
                "document_id": qid,
                "split": f"{file.split}_{q['type']}" if type_in_split else file.split,
                "source_file": file.name,
                "source_line": line,
                "question_id": qid,
                "question": q["body"].strip(),
                "type": q["type"],
                "choices": ["yes", "no"] if q["type"] == "yesno" else [],
                "answer": _answer(q, fail),
            }
            if per_snippet:
                rows.extend({**base, "id": f"{file.name}:{qid}_{i}", "context": s} for i, s in enumerate(snippets))
            else:
                rows.append({**base, "id": f"{file.name}:{qid}", "context": " ".join(snippets)})
    held = options.get("held_out_split")
    if held is not None:
        split_of = {f.name: f.split for f in files}
        test = [r for r in rows if split_of[r["source_file"]] == held]
        ids, bodies = {r["question_id"] for r in test}, {r["question"].casefold() for r in test}
        rows = [r for r in rows if split_of[r["source_file"]] == held
                or (r["question_id"] not in ids and r["question"].casefold() not in bodies)]
    return family_frame(rows, FAMILY)
