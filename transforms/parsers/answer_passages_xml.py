"""Questions with gold answer passages as XML (the Biology How/Why Corpus) into the qa family, one record per passage.

Each <question> holds its <text> and <answer>s; an answer holds the passage (<justification>), the id of the
document it comes from (<docid>) and the numbers of its sentences there (<sentences>). The XML files sit in
a declared archive or folder; each is named with the kind of its questions (how, why), which their
question ids carry. A passage is a free-text answer: the record's type is summary.
"""

import polars as pl
from lxml import etree

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, Tree, family_frame

NAME = "answer_passages_xml_v1"
FAMILY = "qa"
OPTIONS = {"members": dict[str, str]}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `members` (XML member path -> the kind of its questions, e.g. how or why)."""
    if not options.get("members"):
        raise SourceError(source, "answer_passages_xml options: `members` names the XML files and their kind of "
                                  "question")
    rows = []
    for file in files:
        with Tree(file, source) as tree:
            for member, kind in options["members"].items():
                if member not in tree:
                    raise SourceError(source, f"the archive has no member {member!r}", file.name)
                rows += _records(tree, member, kind, file.split, source)
    return family_frame(rows, FAMILY)


def _records(tree: Tree, member: str, kind: str, split: str | None, source: str) -> list[dict]:
    name = tree.where(member)
    try:
        root = etree.fromstring(tree.read_bytes(member), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as e:
        raise SourceError(source, f"not well-formed XML: {e.msg}", name, e.lineno) from None

    def text_of(parent, tag: str, line: int) -> str:
        node = parent.find(tag)
        if node is None:
            raise SourceError(source, f"<{parent.tag}> has no <{tag}>", name, line)
        return " ".join("".join(node.itertext()).split())

    rows = []
    for q, question in enumerate(root.iter("question"), start=1):
        asked = text_of(question, "text", question.sourceline)
        for a, answer in enumerate(question.iter("answer"), start=1):
            line = answer.sourceline
            rows.append({
                "id": f"{name}:{q}:{a}", "document_id": text_of(answer, "docid", line), "split": split,
                "source_file": name, "source_line": line, "question_id": f"{kind}-{q}", "question": asked,
                "type": "summary", "choices": [], "context": "", "answer": [text_of(answer, "justification", line)],
            })
    return rows
