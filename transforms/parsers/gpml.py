"""GENIA's GPML XML (the GENIA term corpus): `<article>`s of `<title>` and `<abstract>` `<sentence>`s in
which terms are nested `<cons lex=".." sem="G#class">` elements; the MEDLINE id is in
`<articleinfo><bibliomisc>MEDLINE:<id>`.

One record per article: the title sentences (joined by spaces) are one passage, the abstract's another.
Every `cons` with a `sem` is a mention, nested ones included, typed with its ontology class (`G#` and
other prefixes dropped). A coordinated term (`sem="(AND G#cell_type G#cell_type)"`, text "B and T
cells") is one mention of its whole span, typed with the class its conjuncts share; its elliptic pieces
(`cons` without `sem`, e.g. "B" for "B cells") are not terms and are not read. Conjuncts of different
classes name no single type: that is an error (the 3.02 release has none). An article's repeat (3.02
annotates MEDLINE:97218353 twice, differently) is a record of its own, its id suffixed `#2`.
"""

import polars as pl
from lxml import etree

from schemas.errors import SourceError
from schemas.families import empty_kb_lists
from transforms.parsers._common import InputFile, Tree, family_frame, read_bytes

NAME = "gpml_v1"
OPTIONS = {"member": str}
FAMILY = "kb"
# The release's DOCTYPE names gpml.dtd: nothing outside the document is loaded or resolved.
_XML = dict(resolve_entities=False, no_network=True, load_dtd=False)


def _classes(sem: str) -> set[str]:
    """The ontology classes in a `sem` value: `G#cell_type`, or a coordination `(AND G#x (OR G#y G#z))`."""
    tokens = sem.replace("(", " ").replace(")", " ").split()
    if not sem.lstrip().startswith("("):
        return {t.split("#", 1)[-1] for t in tokens}
    return {t.split("#", 1)[1] for t in tokens if "#" in t}  # the rest are operators: AND, OR, BUT_NOT, ...


class _Article:
    """Text and mentions of one article, read sentence by sentence."""

    def __init__(self, pmid: str, fail):
        self.pmid, self.fail = pmid, fail
        self.parts: list[str] = []
        self.pos = 0
        self.terms: list[tuple] = []  # (element, sem, class, start, end)

    def _add(self, text: str | None) -> None:
        if text:
            self.parts.append(text)
            self.pos += len(text)

    def _walk(self, element) -> None:
        self._add(element.text)
        for child in element:
            if child.tag == "cons":
                self._term(child)
            elif isinstance(child.tag, str):
                self._walk(child)
            self._add(child.tail)

    def _term(self, cons) -> None:
        start, sem = self.pos, cons.get("sem")
        self._walk(cons)
        if sem is None:
            return
        classes = _classes(sem)
        if len(classes) != 1:
            self.fail(f"term sem={sem!r} names {'no class' if not classes else 'several classes'}", cons)
        self.terms.append((cons, sem, classes.pop(), start, self.pos))

    def entities(self) -> list[dict]:
        """The terms read so far, with their texts (taken once the text is whole)."""
        text, out = "".join(self.parts), []
        for cons, sem, kind, start, end in self.terms:
            if not text[start:end].strip():
                self.fail(f"term sem={sem!r} has no text", cons)
            out.append({"id": f"{self.pmid}-T{len(out)}", "type": kind, "text": [text[start:end]],
                        "offsets": [[start, end]], "normalized": []})
        return out

    def passage(self, element, kind: str) -> dict | None:
        """A title or abstract: its sentences joined by single spaces, after the passage before it and a
        space (None when it has no sentence)."""
        sentences = list(element.iter("sentence"))
        if not sentences:
            return None
        if self.parts:
            self._add(" ")
        start = self.pos
        for i, sentence in enumerate(sentences):
            if i:
                self._add(" ")
            self._walk(sentence)
        text = "".join(self.parts)[start:]
        return {"id": f"{self.pmid}-{kind}", "type": kind, "text": [text], "offsets": [[start, self.pos]]}


def _root(file: InputFile, options: dict, source: str):
    """The GPML document's root and the name its records are provenanced with."""
    member = options.get("member")
    if member is None:
        data, where = read_bytes(file, source), file.name
    else:
        with Tree(file, source) as tree:
            if member not in tree:
                raise SourceError(source, f"the archive has no member {member}", file.name)
            data, where = tree.read_bytes(member), tree.where(member)
    try:
        return etree.fromstring(data, etree.XMLParser(**_XML)), where
    except etree.XMLSyntaxError as e:
        raise SourceError(source, f"not well-formed XML: {e.msg}", where, e.lineno) from None


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `member`, the path of the GPML file inside a declared archive or folder (else each
    declared file is a GPML file itself)."""
    rows = []
    for file in files:
        root, where = _root(file, options, source)

        def fail(message, element, where=where):
            raise SourceError(source, message, where, element.sourceline)

        articles = list(root.iter("article"))
        if not articles:
            raise SourceError(source, "no <article> elements: not a GPML document", where, root.sourceline)
        seen: dict[str, int] = {}
        for article in articles:
            misc = (article.findtext("articleinfo/bibliomisc") or "").strip()
            pmid = misc.removeprefix("MEDLINE:").strip()
            if not pmid:
                fail("article without a MEDLINE id in articleinfo/bibliomisc", article)
            seen[pmid] = seen.get(pmid, 0) + 1
            doc = _Article(pmid, fail)
            parts = [(kind, article.find(kind)) for kind in ("title", "abstract")]
            passages = [p for kind, part in parts if part is not None and (p := doc.passage(part, kind))]
            if not "".join(doc.parts).strip():
                fail(f"article {pmid} has no text", article)
            rows.append({
                "id": f"{where}:{pmid}" + (f"#{seen[pmid]}" if seen[pmid] > 1 else ""),
                "document_id": pmid,
                "split": file.split,
                "source_file": where,
                "source_line": article.sourceline,
                "passages": passages,
                **empty_kb_lists(),
                "entities": doc.entities(),
            })
    return family_frame(rows, FAMILY)
