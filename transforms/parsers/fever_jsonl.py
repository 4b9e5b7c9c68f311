"""FEVER claims (JSON Lines) with their evidence sentences looked up in FEVER's Wikipedia dump, into the te family.

A claim line is {id, verifiable, label, claim, evidence}; `evidence` lists evidence sets, each a list of
[annotation id, evidence id, page title, sentence number] (all but the first null for NOT ENOUGH INFO). The
dump (wiki-pages.zip) holds JSON Lines members, one page a line: {id: title, text, lines}, `lines` being the
page's sentences, one a line, each "<number>\\t<sentence>[\\t<link>...]". The premise is the claim's evidence
sentences (every set's, each once, in order), each after its page's title; the dump writes brackets and some
punctuation as PTB tokens (-LRB-, -COLON-), which are written back as characters.
"""

import json
import re
import unicodedata

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, Tree, family_frame, json_record, pick, text_lines

NAME = "fever_jsonl_v1"
FAMILY = "te"
OPTIONS = {"wiki": str, "no_evidence": str}

_TOKENS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}", "-COLON-": ":"}
_TOKEN = re.compile("|".join(map(re.escape, _TOKENS)))
_PAGE_ID = re.compile(rb'"id"\s*:\s*"((?:[^"\\]|\\.)*)"')  # a page's title, found without decoding the whole line


def _same(title: str) -> str:
    """A page title as compared: FEVER's own tools compare titles in Unicode NFD, as claims and dump may differ."""
    return unicodedata.normalize("NFD", title)


def _untokenized(text: str) -> str:
    return _TOKEN.sub(lambda m: _TOKENS[m.group()], text).strip()


def _plain(title: str) -> str:
    """A page title as text: Nikolaj_Coster-Waldau -> Nikolaj Coster-Waldau."""
    return _untokenized(title.replace("_", " "))


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `wiki` (the declared name of the Wikipedia dump, a zip or folder of JSON Lines pages; every other
    declared file is a claims file), `no_evidence` (the premise of a claim without evidence sentences, FEVER's
    NOT ENOUGH INFO; default empty, which the family check quarantines)."""
    if not options.get("wiki"):
        raise SourceError(source, "fever_jsonl options: `wiki` names the declared Wikipedia dump")
    wiki = pick(files, source, options["wiki"])
    claims = [(file, number, record) for file in files if file is not wiki for number, record in _claims(file, source)]
    wanted = {(_same(title), sid) for _, _, record in claims for title, sid in _sentences(record)}
    found = _lookup(wiki, {title for title, _ in wanted}, wanted, source)
    rows = []
    for file, number, record in claims:
        refs = list(dict.fromkeys(_sentences(record)))
        missing = [(title, sid) for title, sid in refs if (_same(title), sid) not in found]
        if missing:
            title, sid = missing[0]
            raise SourceError(source, f"evidence sentence {sid} of page {title!r} is not in the dump",
                              file.name, number)
        premise = " ".join(f"{_plain(title)}: {found[(_same(title), sid)]}" for title, sid in refs)
        rows.append({"id": f"{file.name}:{record['id']}", "document_id": str(record["id"]), "split": file.split,
                     "source_file": file.name, "source_line": number,
                     "premise": premise or options.get("no_evidence", ""), "hypothesis": record["claim"].strip(),
                     "label": record["label"]})
    return family_frame(rows, FAMILY)


def _claims(file: InputFile, source: str):
    for number, line in enumerate(text_lines(file, source), start=1):
        if not line.strip():
            continue
        record = json_record(line, file.name, number, source)
        if (not isinstance(record, dict) or isinstance(record.get("id"), bool)
                or not isinstance(record.get("id"), int | str)
                or not isinstance(record.get("claim"), str) or not isinstance(record.get("label"), str)):
            raise SourceError(source, "expected an object with id, claim and label", file.name, number)
        if not _well_formed(record.get("evidence")):
            raise SourceError(source, "evidence is not a list of sets of [annotation, evidence, page, sentence]",
                              file.name, number)
        yield number, record


def _well_formed(evidence) -> bool:
    if not isinstance(evidence, list):
        return False
    for group in evidence:
        if not isinstance(group, list):
            return False
        for item in group:
            if not isinstance(item, list) or len(item) != 4:
                return False
            page, sid = item[2], item[3]
            if not (page is None and sid is None or isinstance(page, str) and type(sid) is int):
                return False
    return True


def _sentences(record: dict) -> list[tuple[str, int]]:
    return [(item[2], item[3]) for group in record["evidence"] for item in group if item[2] is not None]


def _lookup(wiki: InputFile, titles: set[str], wanted: set[tuple[str, int]], source: str) -> dict[tuple[str, int], str]:
    """(page, sentence number) -> the sentence, for the wanted ones: only the pages they name are decoded."""
    found = {}
    with Tree(wiki, source) as tree:
        for member in tree.names:
            if not member.endswith(".jsonl"):
                continue
            name = tree.where(member)
            for number, line in enumerate(tree.read_bytes(member).split(b"\n"), start=1):
                match = _PAGE_ID.search(line)
                if not line.strip() or not match:
                    continue
                try:
                    if _same(json.loads(b'"' + match.group(1) + b'"')) not in titles:
                        continue
                    page = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError) as e:
                    raise SourceError(source, f"not a valid JSON page: {e}", name, number) from None
                if not (isinstance(page, dict) and isinstance(page.get("id"), str)
                        and isinstance(page.get("lines"), str)):
                    raise SourceError(source, "expected a page with id and lines", name, number)
                title = _same(page["id"])
                for sentence in page["lines"].split("\n"):
                    fields = sentence.split("\t")
                    if fields[0].isdigit() and (title, int(fields[0])) in wanted and len(fields) > 1:
                        found[(title, int(fields[0]))] = _untokenized(fields[1])
    return found
