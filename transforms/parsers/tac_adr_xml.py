"""TAC 2017 ADR drug-label XML (SPL ADR 200db): one `<Label drug>` per file, its `<Text>` of `<Section id name>`s,
`<Mentions>` of `<Mention id section type start len str>`, `<Relations>` of `<Relation id type arg1 arg2>` and
`<Reactions>` of `<Reaction str>` holding `<Normalization meddra_pt_id meddra_llt_id ...>`.

One record per label, each section a passage (joined by single spaces). Mention offsets are relative to their
section; a discontinuous mention lists its fragments' starts and lengths comma-separated (`start="10,25"
len="6,4"`). A Reaction names a (caseless) AdverseReaction string of the label, normalised to MedDRA: every
AdverseReaction mention with that string gets its LLT codes as `llt_<code>` (BigBio's convention), or, with
`pt_fallback`, the PT code where a normalisation has no LLT (a MedDRA PT is also an LLT with the same code).
A mention's `str` may be absent (its text is then the section's at its offsets); a Relation's arg1 is the
AdverseReaction, arg2 the mention that qualifies it. A declared file is one label's XML, or a folder or archive
(the release's train_xml.tar.gz) of them.
"""

import re

import polars as pl
from lxml import etree

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, Tree, family_frame, fragment_texts, read_bytes

NAME = "tac_adr_xml_v1"
OPTIONS = {"db_name": str, "pt_fallback": bool}
FAMILY = "kb"
SPACE = re.compile(r"\s+")


def _xml(data: bytes, source: str, name: str):
    try:
        return etree.fromstring(data)
    except etree.XMLSyntaxError as e:
        raise SourceError(source, f"not well-formed XML: {e.msg}", name, e.lineno) from None


def _numbers(value: str | None, fail) -> list[int]:
    parts = (value or "").split(",")
    if not all(p.strip().isdigit() for p in parts):
        fail(f"expected integers separated by commas, got {value!r}")
    return [int(p) for p in parts]


def _codes(reaction, options: dict) -> list[str]:
    codes = []
    for norm in reaction.iter("Normalization"):
        code = norm.get("meddra_llt_id") or (norm.get("meddra_pt_id") if options.get("pt_fallback") else None)
        if code and f"llt_{code}" not in codes:
            codes.append(f"llt_{code}")
    return codes


def _texts(text: str, written: str | None, spans: list[list[int]]) -> list[str]:
    """The fragments' texts from the section where they match `str` up to case and whitespace (the track writes
    a discontinuous mention's pieces joined by a space, runs of whitespace collapsed), or where the mention has
    no `str` (the track's format allows it); else as `fragment_texts` gives them."""
    found = [text[a:b] for a, b in spans]
    if written is None or SPACE.sub("", "".join(found)).lower() == SPACE.sub("", written).lower():
        return found
    return fragment_texts(text, written, spans)


def _key(text: str) -> str:
    """A Reaction's string as the track writes it: lower case, whitespace collapsed."""
    return SPACE.sub(" ", text).strip().lower()


def _label(root, name: str, split: str | None, options: dict, source: str) -> dict:
    def fail(message, element=root):
        raise SourceError(source, message, name, element.sourceline)

    drug = root.get("drug") or fail(f"<{root.tag}> root element without a drug attribute (expected <Label drug>)")
    passages, starts, texts, pos = [], {}, {}, 0
    for section in root.iterfind(".//Text/Section"):
        sid, text = section.get("id"), section.text or ""
        if not sid or sid in starts:
            fail(f"section without an id, or with a repeated one ({sid!r})", section)
        passages.append({"id": f"{drug}-{sid}", "type": section.get("name") or "section", "text": [text],
                         "offsets": [[pos, pos + len(text)]]})
        starts[sid], texts[sid], pos = pos, text, pos + len(text) + 1
    db = options.get("db_name", "MedDRA v18.1")
    codes = {}
    for reaction in root.iterfind(".//Reactions/Reaction"):
        found = _codes(reaction, options)
        key = _key(reaction.get("str") or "")
        codes[key] = codes.get(key, []) + [c for c in found if c not in codes.get(key, [])]
    entities, known = [], set()
    for m in root.iterfind(".//Mentions/Mention"):
        mid, sid, kind = m.get("id"), m.get("section"), m.get("type")
        if not (mid and kind) or mid in known:
            fail("mention without an id or a type, or with a repeated id", m)
        if sid not in starts:
            fail(f"mention {mid} names section {sid!r}, which the label does not have", m)
        begins = _numbers(m.get("start"), lambda msg, m=m: fail(f"mention {mid}: start: {msg}", m))
        lengths = _numbers(m.get("len"), lambda msg, m=m: fail(f"mention {mid}: len: {msg}", m))
        spans = [[b, b + n] for b, n in zip(begins, lengths)]
        if len(begins) != len(lengths) or any(b + n > len(texts[sid]) for b, n in zip(begins, lengths)):
            fail(f"mention {mid}: start {m.get('start')!r} and len {m.get('len')!r} do not fit its section", m)
        written = m.get("str")
        key = _key(written if written is not None else " ".join(texts[sid][a:b] for a, b in spans))
        ids = codes.get(key, []) if kind == "AdverseReaction" else []
        entities.append({"id": mid, "type": kind, "text": _texts(texts[sid], written, spans),
                         "offsets": [[starts[sid] + a, starts[sid] + b] for a, b in spans],
                         "normalized": [{"db_name": db, "db_id": i} for i in ids]})
        known.add(mid)
    relations = []
    for r in root.iterfind(".//Relations/Relation"):
        if not (r.get("id") and r.get("type")) or r.get("arg1") not in known or r.get("arg2") not in known:
            fail(f"relation {r.get('id')} lacks an id or a type, or names a mention the label does not have", r)
        relations.append({"id": r.get("id"), "type": r.get("type"), "arg1_id": r.get("arg1"),
                          "arg2_id": r.get("arg2"), "normalized": []})
    return {"id": f"{name}:{drug}", "document_id": drug, "split": split, "source_file": name,
            "source_line": root.sourceline, "passages": passages, **empty_kb_lists(), "entities": entities,
            "relations": relations}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `db_name` (default `MedDRA v18.1`), `pt_fallback` (default false)."""
    rows = []
    for file in files:
        if file.path.is_file() and file.name.endswith(".xml"):
            rows.append(_label(_xml(read_bytes(file, source), source, file.name), file.name, file.split, options,
                               source))
            continue
        with Tree(file, source) as tree:
            members = [n for n in tree.names if n.endswith(".xml")]
            if not members:
                raise SourceError(source, "no .xml label files in the folder or archive", file.name)
            for member in members:
                name = tree.where(member)
                rows.append(_label(_xml(tree.read_bytes(member), source, name), name, file.split, options, source))
    return family_frame(rows, FAMILY)
