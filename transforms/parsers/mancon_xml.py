"""ManConCorpus's XML (research claims, each a CLAIM element whose ASSERTION, YS or NO, answers the clinical
question in its QUESTION attribute) into the te family, as pairs of claims.

The release annotates claims, not pairs; pairs are made the way users of the corpus make them: two claims
answering the same question with opposite assertions contradict each other (YS before NO), two with the
same assertion entail each other (in corpus order), and claims of different questions are neutral, of
which a seeded sample of `neutral_pairs` is kept (all of them would swamp the others: tens of thousands).
The claim of a pair is its hypothesis, the other claim its premise (the evidence).
"""

import hashlib
from itertools import combinations

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_xml

NAME = "mancon_xml_v1"
FAMILY = "te"
OPTIONS = {"neutral_pairs": int, "seed": int}
ASSERTIONS = ("YS", "NO")


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `neutral_pairs` (how many pairs of claims of different questions to keep, drawn by a hash
    seeded with `seed`; default 0), `seed` (default 0). Labels: contradiction, entailment, neutral."""
    rows = []
    for file in files:
        claims = _claims(file, source)
        rows += _pairs(claims, file, options, source)
    return family_frame(rows, FAMILY)


def _claims(file: InputFile, source: str) -> list[tuple[int, int | None, str, str, str]]:
    """(number, line, question, assertion, text) of every CLAIM element, in corpus order."""
    root = read_xml(file, source)
    claims = []
    for number, claim in enumerate(root.iter("CLAIM"), start=1):
        line = claim.sourceline
        question = (claim.get("QUESTION") or "").strip()
        assertion = (claim.get("ASSERTION") or "").strip()
        text = " ".join("".join(claim.itertext()).split())
        if not question:
            raise SourceError(source, f"claim {number} has no QUESTION", file.name, line)
        if assertion not in ASSERTIONS:
            raise SourceError(source, f"claim {number}: ASSERTION {assertion!r} is not YS or NO", file.name, line)
        if not text:
            raise SourceError(source, f"claim {number} has no text", file.name, line)
        claims.append((number, line, question, assertion, text))
    if not claims:
        raise SourceError(source, "no CLAIM elements", file.name, root.sourceline)
    return claims


def _pairs(claims: list, file: InputFile, options: dict, source: str) -> list[dict]:
    seed, wanted = options.get("seed", 0), options.get("neutral_pairs", 0)
    if wanted < 0:
        raise SourceError(source, f"mancon_xml options: neutral_pairs {wanted} is negative")
    same, other = [], []
    for a, b in combinations(claims, 2):
        if a[2] != b[2]:
            other.append((a, b, "neutral"))
        elif a[3] == b[3]:
            same.append((a, b, "entailment"))
        else:  # the YS claim first
            same.append((a, b, "contradiction") if a[3] == "YS" else (b, a, "contradiction"))
    if wanted > len(other):
        raise SourceError(source, f"neutral_pairs {wanted} is more than the {len(other)} pairs of claims of "
                                  "different questions", file.name)

    def draw(pair) -> str:  # a stable pseudo-random order: the same sample on every machine and run
        return hashlib.sha256(f"{seed}:{pair[0][0]}:{pair[1][0]}".encode()).hexdigest()

    kept = sorted(same + sorted(other, key=draw)[:wanted], key=lambda p: (p[0][0], p[1][0]))
    return [
        {"id": f"{file.name}:{a[0]}-{b[0]}", "document_id": f"{file.name}:{a[0]}-{b[0]}", "split": file.split,
         "source_file": file.name, "source_line": a[1], "hypothesis": a[4], "premise": b[4], "label": label}
        for a, b, label in kept
    ]
