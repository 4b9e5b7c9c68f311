"""The GENETAG release (BioCreative I task 1A): per split, `TOKENIZED_CORPUS` (`@@SENTENCE_ID token/TAG
token/TAG ...` a line) beside `Gold.format` (`@@SENTENCE_ID|first last|mention` a line, 0-based token
indices with the last inclusive).

Unlike BioCreative II (bc2gm_v1), the gold indexes tokens, not non-space characters: its own format.
Each sentence is a kb record, its text the tokens joined by single spaces (the tokenisation the gold
refers to); ids drop the `@@` line marker. Correct.Data (alternative boundaries the official scorer also
accepts) is not read, as bc2gm_v1 does not read ALTGENE.eval. A gold mention whose text is not its
tokens, or a line out of shape, is an error naming its line, unless `skip_lines` lists that line.
"""

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, files_by_split, read_text, sentence_record

NAME = "genetag_v1"
OPTIONS = {"type": str, "skip_lines": dict[str, list[int]]}
FAMILY = "kb"
ROLES = {"TOKENIZED_CORPUS": "sentences", "Gold.format": "mentions"}


def _role(file: InputFile, source: str) -> str:
    role = ROLES.get(file.name.rsplit("/", 1)[-1])
    if role is None:
        raise SourceError(source, f"expected a {' or a '.join(ROLES)} file", file.name)
    return role


def _sentence_id(field: str, fail) -> str:
    if not field.startswith("@@") or len(field) == 2:
        fail(f"expected a sentence id `@@ID`, got {field[:40]!r}")
    return field[2:]


def _sentences(file: InputFile, source: str) -> dict[str, tuple[int, list[str]]]:
    """Sentence id -> (line, tokens)."""
    out: dict[str, tuple[int, list[str]]] = {}
    for number, line in enumerate(read_text(file, source).splitlines(), start=1):
        if not line.strip():
            continue

        def fail(message, number=number):
            raise SourceError(source, message, file.name, number)

        field, _, rest = line.partition(" ")
        sid = _sentence_id(field, fail)
        tokens = []
        for item in rest.split(" "):
            word, slash, tag = item.rpartition("/")  # the token itself may hold a slash: `//TAG`
            if not (slash and word and tag):
                fail(f"expected `token/TAG`, got {item[:40]!r}")
            tokens.append(word)
        if sid in out:
            fail(f"sentence {sid} repeats (first on line {out[sid][0]})")
        out[sid] = (number, tokens)
    return out


def _mentions(file: InputFile, source: str, sentences: dict, etype: str, skip: set[int],
              sentences_name: str) -> dict[str, list[dict]]:
    """Mentions by sentence, token indices turned into character offsets of the space-joined tokens."""
    by_sentence: dict[str, list[dict]] = {}
    for number, line in enumerate(read_text(file, source).splitlines(), start=1):
        if number in skip or not line.strip():
            continue

        def fail(message, number=number):
            raise SourceError(source, message, file.name, number)

        parts = line.split("|", 2)
        bounds = parts[1].split() if len(parts) == 3 else []
        if len(bounds) != 2 or not all(b.isdigit() for b in bounds):
            fail(f"expected `@@SENTENCE_ID|first last|mention`, got {line[:60]!r}")
        sid, (first, last), mention = _sentence_id(parts[0], fail), map(int, bounds), parts[2]
        if sid not in sentences:
            fail(f"mention of sentence {sid}, which {sentences_name} lacks")
        tokens = sentences[sid][1]
        if not first <= last < len(tokens):
            fail(f"tokens {first} {last} outside a sentence of {len(tokens)} tokens")
        if " ".join(tokens[first:last + 1]) != mention:
            fail(f"mention {mention!r} is not its tokens {first}-{last}, {' '.join(tokens[first:last + 1])!r}")
        start = sum(len(t) + 1 for t in tokens[:first])
        mentions = by_sentence.setdefault(sid, [])
        mentions.append({"id": f"{sid}-e{len(mentions)}", "type": etype, "text": [mention],
                         "offsets": [[start, start + len(mention)]], "normalized": []})
    return by_sentence


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `type`, the entity type of every mention (default 'NEWGENE'); `skip_lines`, {declared
    Gold.format file: [line numbers]} of known defective gold lines not to read (say why in the registry).
    One TOKENIZED_CORPUS and one Gold.format per split."""
    etype, skip_lines = options.get("type", "NEWGENE"), options.get("skip_lines", {})
    names = {f.name for f in files}
    for name in skip_lines:
        if name not in names:
            raise SourceError(source, f"skip_lines names a file that is not declared: {name}")
    rows = []
    for split, pair in files_by_split(files, source, _role).items():
        if len(pair) != 2:
            missing = ({"sentences", "mentions"} - set(pair)).pop()
            raise SourceError(source, f"split {split!r} has no {missing} file", next(iter(pair.values())).name)
        sentences = _sentences(pair["sentences"], source)
        gold = pair["mentions"]
        name = pair["sentences"].name
        mentions = _mentions(gold, source, sentences, etype, set(skip_lines.get(gold.name, [])), name)
        for sid, (number, tokens) in sentences.items():
            text = " ".join(tokens)
            rows.append(sentence_record(name, sid, split, number, text, mentions.get(sid, [])))
    return family_frame(rows, FAMILY)
