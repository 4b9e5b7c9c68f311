"""Token-level annotator votes in JSON, as the PICO-Annotation release (Zlabinger et al. 2020) ships them:
a sentences file `{"<id>": "space-separated tokens", ...}` beside one file per label,
`{"<id>": {"annotations": [[0/1 per token], ... one list per annotator], "wids": [annotator ids]}, ...}`.

Each sentence is a kb record. A token belongs to a label's span when more than half of the annotators
marked it (the majority vote the release's authors and BigBio apply); each maximal run of such tokens is
one mention, typed with the label the registry gives its file. The format is this release's own.
"""

import polars as pl

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, family_frame, read_json, read_text

NAME = "token_votes_json_v1"
OPTIONS = {"sentences": str, "labels": dict[str, str]}
FAMILY = "kb"


def _line_of(text: str, key: str) -> int | None:
    """The line where `"key"` first occurs in a JSON text (a JSON object keeps no line numbers)."""
    at = text.find(f'"{key}"')
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _load(file: InputFile, source: str) -> tuple[str, dict]:
    text = read_text(file, source)
    doc = read_json(file, source, text=text)
    if not isinstance(doc, dict):
        raise SourceError(source, f"expected a JSON object keyed by sentence id, got {type(doc).__name__}",
                          file.name, 1)
    return text, doc


def _runs(votes: list[list], n_tokens: int, fail) -> list[tuple[int, int]]:
    """[first, end) token runs that a majority of annotators marked."""
    if not isinstance(votes, list) or not votes:
        fail("expected `annotations`: a list of annotators' 0/1 lists")
    for vector in votes:
        if not isinstance(vector, list) or len(vector) != n_tokens or any(v not in (0, 1) for v in vector):
            fail(f"an annotator's votes are not {n_tokens} values 0 or 1 (one per token)")
    marked = [2 * sum(column) > len(votes) for column in zip(*votes)]
    runs, start = [], None
    for i, on in enumerate(marked + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((start, i))
            start = None
    return runs


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `sentences`, the declared sentences file; `labels`, {declared vote file: entity type}."""
    if not options.get("sentences") or not options.get("labels"):
        raise SourceError(source, "token_votes_json options need `sentences` and `labels`")
    by_name = {f.name: f for f in files}
    wanted = [options.get("sentences"), *options.get("labels", {})]
    for name in wanted:
        if name not in by_name:
            raise SourceError(source, f"the parser options name a file that is not declared: {name}")
    for name in by_name:
        if name not in wanted:
            raise SourceError(source, "a declared file the options give no role (`sentences` or `labels`)", name)
    sentence_file = by_name[options["sentences"]]
    text, sentences = _load(sentence_file, source)
    tokens: dict[str, list[str]] = {}
    for sid, sentence in sentences.items():
        if not isinstance(sentence, str) or not sentence.strip():
            raise SourceError(source, f"sentence {sid} is not a non-empty string", sentence_file.name,
                              _line_of(text, sid))
        tokens[sid] = sentence.split(" ")
    entities: dict[str, list[dict]] = {sid: [] for sid in sentences}
    for name, etype in options["labels"].items():
        votes_text, votes = _load(by_name[name], source)
        for sid, entry in votes.items():

            def fail(message, sid=sid, name=name, votes_text=votes_text):
                raise SourceError(source, f"sentence {sid}: {message}", name, _line_of(votes_text, sid))

            if sid not in tokens:
                fail(f"not in {sentence_file.name}")
            if not isinstance(entry, dict):
                fail("expected an object with `annotations`")
            words = tokens[sid]
            for first, end in _runs(entry.get("annotations"), len(words), fail):
                start = sum(len(w) + 1 for w in words[:first])
                mention = " ".join(words[first:end])
                entities[sid].append({"id": f"{sid}-{etype}{len(entities[sid])}", "type": etype, "text": [mention],
                                      "offsets": [[start, start + len(mention)]], "normalized": []})
        missing = sorted(set(tokens) - set(votes))
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise SourceError(source, f"no votes for sentence {missing[0]}{more}", name)
    rows = []
    for sid, sentence in sentences.items():
        rows.append({
            "id": f"{sentence_file.name}:{sid}",
            "document_id": sid,
            "split": sentence_file.split,
            "source_file": sentence_file.name,
            "source_line": _line_of(text, sid),
            "passages": [{"id": f"{sid}-s", "type": "sentence", "text": [sentence], "offsets": [[0, len(sentence)]]}],
            **empty_kb_lists(),
            "entities": entities[sid],
        })
    return family_frame(rows, FAMILY)
