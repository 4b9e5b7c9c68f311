"""Fuzz every parser with mutated samples of real corpora (truncated, flipped bytes, bad UTF-8, wrong
offsets, duplicated records, empty files): each input must give a family frame that validates (bad
rows quarantined) or a SourceError naming the declared file. Anything else is a parser bug."""

import collections
import csv
import gzip
import importlib.util
import io
import json
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from schemas.errors import SourceError
from schemas.families import MODELS, POLARS_SCHEMAS
from schemas.registry import load_source
from transforms.parsers import PARSERS, InputFile, family_of
from transforms.validate import partition

REPO = Path(__file__).resolve().parents[2]
CORPORA = REPO.parent / "shared" / "corpora"
FUZZED: collections.Counter = collections.Counter()  # inputs fuzzed per parser (printed at the end)

# Formats whose records sit on lines: their SourceErrors must say which line.
LINE_FORMATS = {"bc2gm_v1", "chemprot_tsv_v1", "conll_iob_v1", "csv_table_v1", "mcq_jsonl_v1", "parallel_text_v1",
                "pubtator_v1", "jsonl_table_v1", "dialogue_txt_v1", "phrase_concept_tsv_v1", "genetag_v1",
                "pair_table_v1"}


def _head(path: Path, n: int) -> bytes:
    return b"".join(path.read_bytes().splitlines(keepends=True)[:n])


def _first_field(line: bytes, sep: bytes) -> bytes:
    return line.split(sep, 1)[0].strip()


def _dir(root: Path, stems: int, suffixes: tuple[str, ...] | None = None, pattern: str = "*") -> dict[str, bytes]:
    """The first few files of a folder (all files sharing the first `stems` stems when `suffixes` is given)."""
    files = sorted(p for p in root.rglob(pattern) if p.is_file())
    if suffixes:
        keep = sorted({p.stem for p in files if p.suffix == suffixes[0]})[:stems]
        files = [p for p in files if p.stem in keep and p.suffix in suffixes]
    else:
        files = files[:stems]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def _small_xlsx(path: Path, sheet: str, rows: int) -> bytes:
    """The workbook rebuilt with only the named sheet's first rows."""
    book = openpyxl.load_workbook(path, read_only=True)
    small = openpyxl.Workbook()
    ws = small.active
    ws.title = sheet
    for i, row in enumerate(book[sheet].iter_rows(values_only=True)):
        if i >= rows:
            break
        ws.append(list(row))
    book.close()
    buf = io.BytesIO()
    small.save(buf)
    return buf.getvalue()


def _xml_head(path: Path, n: int, gz: bool = False) -> bytes:
    """The document with only its first `n` children of the root (whatever they are) kept... after the header ones."""
    data = path.read_bytes()
    root = etree.fromstring(gzip.decompress(data) if gz else data)
    kids = list(root)
    keep = [k for k in kids if k.tag != "document"][:5] + [k for k in kids if k.tag == "document"][:n]
    keep = keep if any(k.tag == "document" for k in kids) else kids[:n]
    for k in kids:
        if k not in keep:
            root.remove(k)
    out = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return gzip.compress(out) if gz else out


def _fixture_sample(parser: str):
    """The FUZZ_SAMPLE of the parser's own test module: for a format no corpus of the mirror has, a
    hand-written miniature after its documentation."""
    module_name = PARSERS[parser].__name__.rsplit(".", 1)[1]
    path = Path(__file__).parent / "parsers" / f"test_{module_name}.py"
    spec = importlib.util.spec_from_file_location(f"fuzz_sample_{module_name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FUZZ_SAMPLE


# Parsers whose sample comes from the mirror (by the source named here); every other parser's test
# module defines FUZZ_SAMPLE.
MIRROR_SAMPLES = {
    "bc2gm_v1": "bc2gm", "bioasq_json_v1": "bioasq", "brat_v1": "bionlp_st_2016_seedev",
    "chemprot_tsv_v1": "chemprot", "conll_iob_v1": "bc5cdr_iob", "csv_table_v1": "healthver",
    "ddi_xml_v1": "ddi_corpus", "docx_tables_v1": "biosses", "hoc_labels_v1": "hoc", "mcq_jsonl_v1": "medqa",
    "mediqa_rqe_xml_v1": "mediqa_rqe", "parallel_text_v1": "cochrane_pls",
    "ppi_xml_v1": "bioinfer", "biorelex_json_v1": "biorelex", "inline_xml_v1": "osiris",
    "jsonl_table_v1": "scicite",
    "mediqa_qa_xml_v1": "mediqa_qa", "evidence_inference_csv_v1": "evidence_inference",
    "dialogue_txt_v1": "meddialog", "phrase_concept_tsv_v1": "ask_a_patient",
    "gpml_v1": "genia_term_corpus", "genetag_v1": "genetag", "token_votes_json_v1": "pico_extraction",
    "pair_table_v1": "euadr",
    "pubannotation_json_v1": "bionlp_st_2016_ge", "pubmedqa_json_v1": "pubmedqa", "pubtator_v1": "ncbi_disease",
    "xlsx_table_v1": "meqsum",
}


def _sample(parser: str) -> tuple[str, dict, list[tuple[str, str | None, object]]]:
    """(source id, options, [(declared name, split, bytes or {relative path: bytes})]) for a parser."""
    if parser == "bioc_xml_v1":  # no registry source uses it; bc5cdr ships BioC beside its PubTator files
        gz = "CDR_DevelopmentSet.BioC.xml.gz"
        return "bc5cdr", {"concept_args": ["Chemical", "Disease"]}, [(gz, "dev", _xml_head(CORPORA / "bc5cdr" / gz, 3, True))]
    if parser not in MIRROR_SAMPLES:
        return _fixture_sample(parser)
    source = MIRROR_SAMPLES[parser]
    spec = load_source(REPO / "sources" / f"{source}.yaml")
    root = CORPORA / source
    files = [f for f in spec.files if f.role == "data" and not f.optional]  # the mirror's: optional ones are not in it
    out = []
    if parser == "bc2gm_v1":
        sent = _head(root / "test/test.in", 12)
        ids = {_first_field(line, b" ") for line in sent.splitlines()}
        gold = b"".join(line for line in (root / "test/GENE.eval").read_bytes().splitlines(keepends=True)
                        if _first_field(line, b"|") in ids)
        out = [("test/test.in", "test", sent), ("test/GENE.eval", "test", gold)]
    elif parser == "chemprot_tsv_v1":
        abstracts = _head(root / files[0].path, 3)
        pmids = {_first_field(line, b"\t") for line in abstracts.splitlines()}
        for f in files[:3]:
            data = abstracts if f is files[0] else b"".join(
                line for line in (root / f.path).read_bytes().splitlines(keepends=True)
                if _first_field(line, b"\t") in pmids)
            out.append((f.path, f.split, data))
    elif parser == "brat_v1":
        out = [("full_train", "full_train", _dir(root / "full_train", 3, (".txt", ".a1", ".a2")))]
    elif parser == "ddi_xml_v1":
        out = [("Train", "train", _dir(root / "Train", 3, pattern="*.xml"))]
    elif parser == "hoc_labels_v1":
        text = _dir(root / "text", 3)
        out = [("text", None, text), ("labels", None, {k: (root / "labels" / k).read_bytes() for k in text})]
    elif parser == "pubannotation_json_v1":
        out = [(f.path, f.split, _dir(root / f.path, 2)) for f in files]
    elif parser == "xlsx_table_v1":  # rebuilt small (its header and first rows): the real sheet is 216 kB
        out = [(f.path, f.split, _small_xlsx(root / f.path, spec.parser.options["sheet"], 12))
               for f in files]
    elif parser == "docx_tables_v1":
        out = [(f.path, f.split, (root / f.path).read_bytes()) for f in files]
    elif parser == "bioasq_json_v1":
        doc = json.loads((root / files[0].path).read_text("utf-8"))
        out = [(files[0].path, files[0].split, json.dumps({"questions": doc["questions"][:4]}, indent=1).encode())]
    elif parser == "pubmedqa_json_v1":
        doc = json.loads((root / files[0].path).read_text("utf-8"))
        out = [(files[0].path, "train", json.dumps(dict(list(doc.items())[:4]), indent=1).encode())]
    elif parser == "mediqa_rqe_xml_v1":
        out = [(files[0].path, files[0].split, _xml_head(root / files[0].path, 5))]
    elif parser in ("ppi_xml_v1", "inline_xml_v1"):  # the first few <document>s / <Article>s
        out = [(files[0].path, files[0].split, _xml_head(root / files[0].path, 3))]
    elif parser == "biorelex_json_v1":
        doc = json.loads((root / files[0].path).read_text("utf-8"))
        out = [(files[0].path, files[0].split, json.dumps(doc[:4], indent=1).encode())]
    elif parser == "mediqa_qa_xml_v1":  # the validation set's first questions: each has an answer rated correct
        f = next(f for f in files if f.split == "validation")
        out = [(f.path, f.split, _xml_head(root / f.path, 2))]
    elif parser == "evidence_inference_csv_v1":  # six annotation records (one spans lines) and their prompts
        lines = (root / files[1].path).read_bytes().splitlines(keepends=True)
        reader = csv.reader(line.decode() for line in lines)
        for _ in range(7):  # the header and six records
            next(reader)
        prompts = {line.split(b",")[1] for line in lines[1:reader.line_num] if line.count(b",") > 1}  # PromptID
        wanted = [line for i, line in enumerate((root / files[0].path).read_bytes().splitlines(keepends=True))
                  if i == 0 or _first_field(line, b",") in prompts]
        out = [(files[0].path, None, b"".join(wanted)), (files[1].path, None, b"".join(lines[:reader.line_num]))]
    elif parser == "parallel_text_v1":
        out = [(f.path, f.split, _head(root / f.path, 4)) for f in files if f.split == "val"]
    elif parser == "gpml_v1":  # the archive's XML member cut to 3 articles, as a folder: Tree reads folders
        member = spec.parser.options["member"]  # and archives alike, and so the mutations reach the XML
        with tarfile.open(root / files[0].path) as tar:
            xml = etree.fromstring(tar.extractfile(member).read())
        for article in xml.findall("article")[3:]:
            xml.remove(article)
        out = [(files[0].path, files[0].split, {member: etree.tostring(xml, xml_declaration=True, encoding="UTF-8")})]
    elif parser == "genetag_v1":  # test/'s first sentences and their gold lines
        sent = _head(root / "test/TOKENIZED_CORPUS", 12)
        ids = {_first_field(line, b" ") for line in sent.splitlines()}
        gold = b"".join(line for line in (root / "test/Gold.format").read_bytes().splitlines(keepends=True)
                        if _first_field(line, b"|") in ids)
        out = [("test/TOKENIZED_CORPUS", "test", sent), ("test/Gold.format", "test", gold)]
    elif parser == "token_votes_json_v1":  # the first 6 sentences, in every file
        docs = {f.path: json.loads((root / f.path).read_text("utf-8")) for f in files}
        keep = list(docs[spec.parser.options["sentences"]])[:6]
        out = [(f.path, f.split, json.dumps({k: docs[f.path][k] for k in keep}, indent=4).encode()) for f in files]
    elif parser == "pair_table_v1":  # each table's header and first rows
        out = [(f.path, f.split, _head(root / f.path, 6)) for f in files]
    else:  # one line-based file
        out = [(files[0].path, files[0].split, _head(root / files[0].path, 30))]
    options = dict(spec.parser.options)
    if spec.parser.name == "per_file_v1":  # a source of several formats: the options of this parser's group
        options = dict(next(g.get("options") or {} for g in options["parsers"] if g["name"] == parser))
    if parser == "genetag_v1":  # its skipped lines are lines of the whole files
        options.pop("skip_lines", None)
    if parser == "parallel_text_v1":  # the pair whose files the sample holds
        options["pairs"] = [pair for pair in options["pairs"] if pair["text_1"] in {name for name, _, _ in out}]
    return source, options, out


SAMPLES = {name: _sample(name) for name in sorted(PARSERS)}

MUTATIONS = ("truncate", "flip", "bad_utf8", "number", "duplicate", "empty", "delete_line", "none")


@st.composite
def _mutated(draw, data: bytes) -> bytes:
    """Apply one to three mutations to `data`."""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(MUTATIONS))
        n = len(data)
        if kind == "truncate":
            data = data[: draw(st.integers(0, n))]
        elif kind == "flip" and n:
            at = draw(st.integers(0, n - 1))
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif kind == "bad_utf8":
            at = draw(st.integers(0, n))
            data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82", b"\x80\x80"])) + data[at:]
        elif kind == "number":  # wrong offsets, counts and ids: rewrite one run of digits
            runs, i = [], 0
            while i < n:
                if data[i:i + 1].isdigit():
                    j = i
                    while j < n and data[j:j + 1].isdigit():
                        j += 1
                    runs.append((i, j))
                    i = j
                i += 1
            if runs:
                a, b = draw(st.sampled_from(runs[:200]))
                new = draw(st.sampled_from([b"0", b"-1", b"99999999", b"", b"1e3", str(int(data[a:b]) + 1).encode()]))
                data = data[:a] + new + data[b:]
        elif kind == "duplicate":  # a record (a block of lines) twice
            lines = data.splitlines(keepends=True)
            if lines:
                a = draw(st.integers(0, len(lines) - 1))
                b = draw(st.integers(a + 1, min(len(lines), a + 6)))
                data = b"".join(lines[:b] + lines[a:b] + lines[b:])
        elif kind == "empty":
            data = b""
        elif kind == "delete_line":
            lines = data.splitlines(keepends=True)
            if lines:
                del lines[draw(st.integers(0, len(lines) - 1))]
                data = b"".join(lines)
    return data


@st.composite
def _mutate_member(draw, name: str, data: bytes) -> bytes:
    """Mutate a file's bytes: inside its gzip or zip wrapper (a member's XML) unless the wrapper itself is drawn."""
    if name.endswith(".gz") and data[:2] == b"\x1f\x8b" and not draw(st.booleans()):
        try:
            return gzip.compress(draw(_mutated(gzip.decompress(data))))
        except (OSError, EOFError, zlib.error):
            pass  # already damaged by an earlier draw: mutate the raw bytes
    if name.endswith((".docx", ".xlsx")) and zipfile.is_zipfile(io.BytesIO(data)) and draw(st.integers(0, 3)):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                members = {i.filename: z.read(i) for i in z.infolist()}
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError):
            return draw(_mutated(data))  # already damaged by an earlier draw
        xml = sorted(k for k in members if k.endswith(".xml") and ("document" in k or "sheet" in k or "shared" in k))
        target = draw(st.sampled_from(xml))
        members[target] = draw(_mutated(members[target]))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for k, v in members.items():
                z.writestr(k, v)
        return buf.getvalue()
    return draw(_mutated(data))


@st.composite
def fuzzed_inputs(draw, parser: str):
    """The parser's sample with one file (or one file of a folder) mutated, sometimes two."""
    _, _, entries = SAMPLES[parser]
    entries = [(n, s, dict(c) if isinstance(c, dict) else c) for n, s, c in entries]
    for _ in range(draw(st.integers(1, 2))):
        i = draw(st.integers(0, len(entries) - 1))
        name, split, content = entries[i]
        if isinstance(content, dict):
            if not content:
                continue
            rel = draw(st.sampled_from(sorted(content)))
            if draw(st.integers(0, 9)) == 0:
                del content[rel]  # a folder missing one of its files
            else:
                content[rel] = draw(_mutate_member(rel, content[rel]))
        else:
            entries[i] = (name, split, draw(_mutate_member(name, content)))
    return entries


def _write(root: Path, entries) -> list[InputFile]:
    files = []
    for i, (name, split, content) in enumerate(entries):
        path = root / f"f{i:02d}"  # the raw cache names files by digest, not by their declared name
        if isinstance(content, dict):
            for rel, data in content.items():
                (path / rel).parent.mkdir(parents=True, exist_ok=True)
                (path / rel).write_bytes(data)
            path.mkdir(exist_ok=True)
        else:
            path.write_bytes(content)
        files.append(InputFile(path, name, split))
    return files


def check_outcome(parser: str, entries) -> None:
    """The input yields a frame that validates (bad rows quarantined with a reason) or a SourceError naming a declared file."""
    source, options, _ = SAMPLES[parser]
    FUZZED[parser] += 1
    with tempfile.TemporaryDirectory() as tmp:
        files = _write(Path(tmp), entries)
        try:
            frame = PARSERS[parser].parse(files, options, source)
        except SourceError as e:
            declared = [n for n, _, _ in entries]
            assert e.file is not None, f"SourceError names no file: {e}"
            assert any(e.file == n or e.file.startswith(n + "/") for n in declared), f"{e.file!r} not in {declared}"
            assert e.line is None or (isinstance(e.line, int) and e.line >= 1), e
            if parser in LINE_FORMATS:
                assert isinstance(e.line, int), f"no line in {e}"
            return
    family = family_of(parser, options)
    assert dict(frame.schema) == POLARS_SCHEMAS[family]
    valid, quarantine = partition(frame, MODELS[family], source=source, task=None, stage="family")
    assert valid.height + quarantine.height == frame.height
    assert quarantine["reason"].null_count() == 0


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_real_sample_parses_cleanly(parser):
    """The unmutated sample is good input: the fuzzing starts from something the parser accepts."""
    source, options, entries = SAMPLES[parser]
    with tempfile.TemporaryDirectory() as tmp:
        frame = PARSERS[parser].parse(_write(Path(tmp), entries), options, source)
    assert frame.height > 0


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_fuzzed_parser_fails_only_with_source_error(parser):
    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def run(data):
        check_outcome(parser, data.draw(fuzzed_inputs(parser)))

    run()


def test_report_fuzz_counts(capsys):
    """Not a check: prints how many inputs each parser was fuzzed with (visible with -s)."""
    with capsys.disabled():
        print("\ninputs fuzzed per parser:", dict(sorted(FUZZED.items())))
