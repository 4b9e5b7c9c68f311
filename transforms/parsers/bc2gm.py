"""The BioCreative II gene mention release: `*.in` (`SENTENCE_ID text` a line) beside `GENE.eval`
(`SENTENCE_ID|start end|mention`, offsets counting non-whitespace characters, the end inclusive).

Each sentence is a kb record. ALTGENE.eval (alternative boundaries the official scorer also accepts)
is not read: it is scoring leniency, not a second set of gold mentions, and MedINST's scorer has no
notion of alternatives.
"""

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, files_by_split, read_text, sentence_record

NAME = "bc2gm_v1"
OPTIONS = {"type": str}
FAMILY = "kb"


def _role(file: InputFile, source: str) -> str:
    base = file.name.rsplit("/", 1)[-1]
    if base.endswith(".in"):
        return "sentences"
    if base == "GENE.eval":
        return "mentions"
    raise SourceError(source, "expected a `*.in` sentence file or a `GENE.eval` mention file", file.name)


def _sentences(file: InputFile, source: str) -> dict[str, tuple[int, str]]:
    out = {}
    for number, line in enumerate(read_text(file, source).splitlines(), start=1):
        sid, sep, text = line.partition(" ")
        if not sid or not sep or not text.strip():
            raise SourceError(source, f"expected `SENTENCE_ID text`, got {line[:60]!r}", file.name, number)
        if sid in out:
            raise SourceError(source, f"sentence {sid} repeats (first on line {out[sid][0]})", file.name, number)
        out[sid] = (number, text)
    return out


def _mentions(file: InputFile, source: str, sentences: dict, etype: str) -> dict[str, list[dict]]:
    """Mentions by sentence, with offsets converted from non-whitespace counts to character offsets."""
    by_sentence: dict[str, list[dict]] = {}
    nonspace: dict[str, list[int]] = {}
    for number, line in enumerate(read_text(file, source).splitlines(), start=1):
        parts = line.split("|", 2)
        bounds = parts[1].split() if len(parts) == 3 else []
        if len(bounds) != 2 or not all(b.isdigit() for b in bounds):
            raise SourceError(source, f"expected `SENTENCE_ID|start end|mention`, got {line[:60]!r}", file.name, number)
        sid, (start, end), mention = parts[0], map(int, bounds), parts[2]
        if sid not in sentences:
            raise SourceError(source, f"mention of sentence {sid}, which the sentence file lacks", file.name, number)
        text = sentences[sid][1]
        chars = nonspace.setdefault(sid, [i for i, c in enumerate(text) if not c.isspace()])
        if not start <= end < len(chars):
            raise SourceError(source, f"offsets {start} {end} outside a sentence of {len(chars)} non-space characters",
                              file.name, number)
        mentions = by_sentence.setdefault(sid, [])
        # The text is the release's own: where the offsets point elsewhere (one train mention does), the
        # record fails the "entity offsets reproduce the text" check and is quarantined, naming its line.
        mentions.append({"id": f"{sid}-e{len(mentions)}", "type": etype, "text": [mention],
                         "offsets": [[chars[start], chars[end] + 1]], "normalized": []})
    return by_sentence


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `type`, the entity type of every mention (default 'GENE'). One `*.in` and one
    `GENE.eval` per split."""
    etype = options.get("type", "GENE")
    by_split = files_by_split(files, source, _role)
    rows = []
    for split, pair in by_split.items():
        if len(pair) != 2:
            missing = ({"sentences", "mentions"} - set(pair)).pop()
            raise SourceError(source, f"split {split!r} has no {missing} file", next(iter(pair.values())).name)
        sentences = _sentences(pair["sentences"], source)
        mentions = _mentions(pair["mentions"], source, sentences, etype)
        name = pair["sentences"].name
        for sid, (number, text) in sentences.items():
            rows.append(sentence_record(name, sid, split, number, text, mentions.get(sid, [])))
    return family_frame(rows, FAMILY)
