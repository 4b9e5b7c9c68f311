"""Claims and the corpus of abstracts they cite, as JSON Lines in one archive (SciFact's release), into the te family.

The corpus file holds one abstract a line ({doc_id, title, abstract: [sentences], structured}); a claims file
one claim a line ({id, claim, evidence: {doc_id: [{sentences: [...], label}]}, cited_doc_ids: [...]}). Each
(claim, cited abstract) pair is a record: the abstract is the premise, the claim the hypothesis, and the label
that of the claim's evidence in that abstract (SUPPORT or CONTRADICT), or NOINFO for a cited abstract that
holds none. A claims file without evidence (SciFact's unlabelled test claims) has no records to give.
"""

from collections.abc import Iterator

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, Tree, family_frame, json_record

NAME = "claim_corpus_jsonl_v1"
FAMILY = "te"
OPTIONS = {"corpus": str, "claims": dict[str, str], "no_evidence_label": str}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `corpus` (the corpus member of the declared archive), `claims` (claims member -> split),
    `no_evidence_label` (the label of a cited abstract without evidence; default NOINFO)."""
    if not options.get("corpus") or not options.get("claims"):
        raise SourceError(source, "claim_corpus_jsonl options: `corpus` and `claims` name members of the archive")
    rows = []
    for file in files:
        with Tree(file, source) as tree:
            for member in (options["corpus"], *options["claims"]):
                if member not in tree:
                    raise SourceError(source, f"the archive has no member {member!r}", file.name)
            corpus = _corpus(tree, options["corpus"], source)
            for member, split in options["claims"].items():
                rows += _pairs(tree, member, split, corpus, options.get("no_evidence_label", "NOINFO"), source)
    return family_frame(rows, FAMILY)


def _objects(tree: Tree, member: str, source: str) -> Iterator[tuple[int, dict]]:
    name = tree.where(member)
    for number, line in enumerate(tree.read_text(member).split("\n"), start=1):
        if not line.strip():
            continue
        record = json_record(line, name, number, source)
        if not isinstance(record, dict):
            raise SourceError(source, f"expected a JSON object, got {type(record).__name__}", name, number)
        yield number, record


def _key(value) -> str | None:
    """An id as text (the release writes doc ids as numbers, and as strings where they are object keys)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return str(value).strip() or None


def _corpus(tree: Tree, member: str, source: str) -> dict[str, str]:
    """doc_id -> the abstract's sentences joined by spaces."""
    name, docs = tree.where(member), {}
    for number, record in _objects(tree, member, source):
        doc, sentences = _key(record.get("doc_id")), record.get("abstract")
        if doc is None or not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences):
            raise SourceError(source, "expected doc_id and abstract (a list of sentences)", name, number)
        docs[doc] = " ".join(s.strip() for s in sentences if s.strip())
    return docs


def _pairs(tree: Tree, member: str, split: str, corpus: dict[str, str], no_evidence: str, source: str) -> list[dict]:
    name, rows = tree.where(member), []
    for number, record in _objects(tree, member, source):
        claim, evidence, cited = record.get("claim"), record.get("evidence", {}), record.get("cited_doc_ids", [])
        claim_id = _key(record.get("id"))
        if (claim_id is None or not isinstance(claim, str) or not isinstance(evidence, dict)
                or not isinstance(cited, list)):
            raise SourceError(source, "expected id, claim, evidence (an object) and cited_doc_ids (a list)",
                              name, number)
        if not evidence and not cited:
            continue  # an unlabelled claim
        docs = [_key(d) for d in cited]
        for doc, sets in evidence.items():
            if not isinstance(sets, list) or not all(isinstance(s, dict) for s in sets):
                raise SourceError(source, f"the evidence of doc {doc} is not a list of objects", name, number)
            if doc not in docs:
                docs.append(doc)
        for doc in dict.fromkeys(docs):
            if doc is None or doc not in corpus:
                raise SourceError(source, f"claim {claim_id} cites doc {doc}, which the corpus lacks", name, number)
            labels = {s.get("label") for s in evidence.get(doc, [])}
            if len(labels) > 1 or not all(isinstance(label, str) and label for label in labels):
                raise SourceError(source, f"claim {claim_id}, doc {doc}: evidence labels {sorted(map(str, labels))}",
                                  name, number)
            rows.append({
                "id": f"{name}:{claim_id}:{doc}", "document_id": f"{claim_id}-{doc}", "split": split,
                "source_file": name, "source_line": number, "premise": corpus[doc], "hypothesis": claim.strip(),
                "label": labels.pop() if labels else no_evidence,
            })
    return rows
