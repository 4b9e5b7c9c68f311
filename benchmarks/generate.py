"""Raw inputs at MedINST's scale and shape, for the build's performance benchmark.

MedINST's 7.6M training rows are dominated by corpora the mirror holds only in small form or not at
all: MeDAL (3M rows), SciELO translation (3M), BioMRC (0.7M) and PubMedQA-artificial (0.2M). This
module replicates mirror corpora of the same formats, *in their original file formats*, up to that
size and in those proportions, with the rest spread over small NER/RE/NED/TE/STS/TXTCLASS corpora:

- every copy gets fresh ids (abstract, question, PMID, document, pair ids), so that no two
  instruction rows coincide and the build's duplicate check keeps every one of them;
- the four big corpora also get their words reshuffled per copy (five runs of words, reordered and
  each rotated, with MeDAL's marked token followed), so that copies are as long as the originals but
  do not compress or dictionary-encode better than real text would;
- every generated file is declared as split `train`, so every row is a training row.

It writes `work/mirror/<id>/...` (a sources mirror: `--sources-root work/mirror`),
`work/registry/<id>.yaml` (an extra registry folder: `--registry work/registry`) and
`work/generated.json`, the manifest of the rows each source must yield. The corpora mirror is only read.

    python -m benchmarks.generate --work DIR [--rows N] [--seed S]
"""

import argparse
import csv
import functools
import io
import itertools
import json
import operator
import random
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from warehouse.fetch import sha256_file, sha256_tree

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
TEMPLATES = REPO / "sources"
# Bump when the generated files or the manifest change, so that a cached generation is redone.
GENERATOR_VERSION = 3
# The registry wants an http(s) origin; the build reads the mirror first, and this host never resolves.
ORIGIN = "https://example.invalid/medinst-benchmark"
TASK_PREFIX = "bench-"
RUNS = 5  # a text is reshuffled as this many runs of words
ORDERS = {k: list(itertools.permutations(range(k))) for k in range(1, RUNS + 1)}
FLUSH_BYTES = 8 << 20


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- text perturbation and fresh ids ---------------------------------------------------------------------------


def reshuffle(tokens: list[str], variant: int) -> tuple[str, ...]:
    """The tokens rearranged by `variant` (see `_arrangement`)."""
    return _arrangement(len(tokens), variant)[0](tokens) if len(tokens) > 1 else tuple(tokens)


def moved(n: int, variant: int, index: int) -> int:
    """Where `reshuffle` puts token number `index` of `n`."""
    return _arrangement(n, variant)[1].index(index) if n > 1 else index


@functools.lru_cache(maxsize=4096)  # the rows of one copy share a variant, and many share a length
def _arrangement(n: int, variant: int) -> tuple[Callable, tuple[int, ...]]:
    """Positions 0..n-1 cut into (up to) five runs, the runs put in one of their orders and each rotated,
    all chosen by `variant`; with a getter that takes a sequence's items in that order.

    A plain rotation gives only as many texts as there are words, too few for the thousands of copies
    of a text; this gives 120 x (n/5)^5 (n! for five words or fewer), and consecutive variants never
    give the same arrangement twice before that.
    """
    runs = min(n, RUNS)
    cuts = [n * i // runs for i in range(runs + 1)]
    orders = ORDERS[runs]
    rotations, rest = [], variant // len(orders)
    for i in range(runs):
        size = cuts[i + 1] - cuts[i]
        rotations.append(rest % size)
        rest //= size
    positions: list[int] = []
    for i in orders[variant % len(orders)]:
        pivot = cuts[i] + rotations[i]
        positions += range(pivot, cuts[i + 1])
        positions += range(cuts[i], pivot)
    return operator.itemgetter(*positions), tuple(positions)


def fresh_id(original: str, copy: int, width: int) -> str:
    """Copy `copy`'s id for `original`: the copy number before the id padded to the corpus's widest id,
    so that ids stay numeric where they were and never collide across copies."""
    return f"{copy + 1}{original.zfill(width)}"


def _words(text: str) -> list[str]:
    # Blank words are dropped: at either end of a reshuffled text the parser would strip them and
    # shift every token number after them.
    return [w for w in text.split(" ") if w.strip()]


def first_variant(seed: int) -> int:
    """The reshuffle variant of a generation's first copy; copy k gets this plus k."""
    return random.Random(seed).randrange(1 << 30)


class _Out:
    """A text file written in chunks of several MB: a few large writes, and never a whole file in memory."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "w", encoding="utf-8", newline="")
        self.parts: list[str] = []
        self.pending = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.pending += len(text)
        if self.pending >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        self.file.write("".join(self.parts))
        self.parts, self.pending = [], 0

    def close(self) -> None:
        self.flush()
        self.file.close()


def _declare(path: str, **extra) -> dict:
    """A generated file as the registry declares it (its url is added with the source id)."""
    return {"path": path, "split": "train", **extra}


def _copies(rows: int, per_copy: int) -> list[int]:
    """Records to take from the template in each copy: whole copies, then a partial last one."""
    whole, rest = divmod(rows, per_copy)
    return [per_copy] * whole + ([rest] if rest else [])


# --- the four big corpora: one record is one row, so any row count can be written exactly ---------------------


def write_medal(src: Path, dst: Path, spec: dict, rows: int, variant: int) -> dict:
    """MeDAL's CSV: each copy's texts reshuffled, LOCATION following the marked abbreviation, fresh ABSTRACT_ID."""
    with open(src / "sample.csv", newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    width = max(len(r["ABSTRACT_ID"]) for r in records)
    # The rows of one abstract share its text: each distinct text is reshuffled once a copy.
    text_number: dict[str, int] = {}
    texts: list[tuple[list[str], str]] = []  # CSV-escaped words (escaping commutes with order), quote
    template = []
    for r in records:
        tokens, location = r["TEXT"].split(" "), int(r["LOCATION"])
        if not tokens[location].strip():
            continue  # a blank marked token cannot be followed through a reshuffle
        if r["TEXT"] not in text_number:
            text_number[r["TEXT"]] = len(texts)
            quote = '"' if any(c in r["TEXT"] for c in ',"\r\n') else ""
            texts.append(([w.replace('"', '""') for w in _words(r["TEXT"])], quote))
        marked = sum(1 for t in tokens[:location] if t.strip())
        template.append((r["ABSTRACT_ID"], text_number[r["TEXT"]], marked, _csv_field(r["LABEL"])))
    out = _Out(dst / "sample.csv")
    out.write("ABSTRACT_ID,TEXT,LOCATION,LABEL\n")
    for copy, take in enumerate(_copies(rows, len(template))):
        shuffled = [quote + " ".join(reshuffle(words, variant + copy)) + quote for words, quote in texts]
        lines = [
            f"{fresh_id(abstract, copy, width)},{shuffled[text]},{moved(len(texts[text][0]), variant + copy, marked)},"
            f"{label}\n"
            for abstract, text, marked, label in template[:take]
        ]
        out.write("".join(lines))
    out.close()
    return {"files": [_declare("sample.csv")]}


def _csv_field(value: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([value])
    return buffer.getvalue()


def write_scielo(src: Path, dst: Path, spec: dict, rows: int, variant: int) -> dict:
    """One pair of line-aligned files, train.en and train.fr, from every English-French sentence pair of
    the WMT test sets (either direction), both sides of a line reshuffled by the same variant."""
    options = spec["parser"]["options"]
    markers = set(options.get("skip_markers", []))
    pairs = []
    for pair in options["pairs"]:
        sides = {}
        for key in ("text_1", "text_2"):
            name = pair[key]
            sides[Path(name).suffix] = (src / name).read_text(encoding="utf-8").rstrip("\n").split("\n")
        for en, fr in zip(sides[".en"], sides[".fr"]):
            # Marker lines are skipped by the parser, a blank side renders no row, and a side with U+FFFD (a
            # character the release had lost) is quarantined: write none of them.
            if en.strip() in markers and en.strip() == fr.strip() or not (_words(en) and _words(fr)) \
                    or "\ufffd" in en + fr:
                continue
            pairs.append((_words(en), _words(fr)))
    english, french = _Out(dst / "train.en"), _Out(dst / "train.fr")
    for copy, take in enumerate(_copies(rows, len(pairs))):
        en_lines, fr_lines = [], []
        for en, fr in pairs[:take]:
            en_lines.append(" ".join(reshuffle(en, variant + copy)))
            fr_lines.append(" ".join(reshuffle(fr, variant + copy)))
        english.write("\n".join(en_lines) + "\n")
        french.write("\n".join(fr_lines) + "\n")
    english.close()
    french.close()
    return {
        "files": [_declare("train.en"), _declare("train.fr")],
        "parser": {"name": spec["parser"]["name"], "options": {"pairs": [{"text_1": "train.en", "text_2": "train.fr"}]}},
        "max_quarantined": 0,  # the template's quarantined pairs are not written
    }


def _json_pieces(record: dict, slots: list[str]) -> list[str]:
    """The record as JSON, cut where the `slots` fields' values go: text, slot, text, slot, ..., text."""
    marked = {**record, **{slot: f"\x00{slot}\x00" for slot in slots}}
    return re.split(r'"\\u0000(\w+)\\u0000"', json.dumps(marked))


def _json_string(words: tuple[str, ...]) -> str:
    return '"' + " ".join(words) + '"'


def _escaped_words(text: str) -> list[str]:
    # JSON-escaped one by one: escaping commutes with reordering, and the space between words needs none.
    return [json.dumps(w)[1:-1] for w in _words(text)]


def write_biomrc(src: Path, dst: Path, spec: dict, rows: int, variant: int) -> dict:
    """MedQA's JSON Lines: each copy's questions reshuffled (options and answer kept), fresh realidx."""
    options = spec["parser"]["options"]
    id_field, question = options.get("id", "id"), options.get("question", "question")
    records = [json.loads(line) for line in (src / "test.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    width = max(len(str(r[id_field])) for r in records)
    template = [
        (_json_pieces(r, [id_field, question]), str(r[id_field]), isinstance(r[id_field], int), _escaped_words(r[question]))
        for r in records
    ]
    out = _Out(dst / "train.jsonl")
    for copy, take in enumerate(_copies(rows, len(template))):
        lines = []
        for pieces, rid, numeric, words in template[:take]:
            new_id = fresh_id(rid, copy, width)
            values = {id_field: new_id if numeric else json.dumps(new_id),
                      question: _json_string(reshuffle(words, variant + copy))}
            lines.append("".join(values[p] if i % 2 else p for i, p in enumerate(pieces)) + "\n")
        out.write("".join(lines))
    out.close()
    return {"files": [_declare("train.jsonl")]}


def write_pqaa(src: Path, dst: Path, spec: dict, rows: int, variant: int) -> dict:
    """PubMedQA's JSON, one object keyed by PMID as ori_pqaa.json is: fresh PMIDs, each context reshuffled."""
    records = json.loads((src / "ori_pqal.json").read_text(encoding="utf-8"))
    width = max(len(pmid) for pmid in records)
    template = [(pmid, _json_pieces(r, ["CONTEXTS"]), [_escaped_words(c) for c in r["CONTEXTS"]])
                for pmid, r in records.items()]
    out = _Out(dst / "ori_pqaa.json")
    out.write("{")
    separator = ""
    for copy, take in enumerate(_copies(rows, len(template))):
        parts = []
        for pmid, (head, _, tail), contexts in template[:take]:
            shuffled = ", ".join(_json_string(reshuffle(words, variant + copy)) for words in contexts)
            parts.append(f'{separator}"{fresh_id(pmid, copy, width)}": {head}[{shuffled}]{tail}')
            separator = ", "
        out.write("".join(parts))
    out.write("}\n")
    out.close()
    # Every generated record is a training row: not the authors' 200,000/11,269 split of the real file.
    return {"files": [_declare("ori_pqaa.json")], "parser": {"name": spec["parser"]["name"], "options": {}}}


# --- the small corpora: whole copies with fresh document ids, text untouched (offsets stay valid) -------------


def _id_lines(text: str) -> list[tuple[str | None, str]]:
    """Each line as (its leading document id, the rest); blank and id-less lines as (None, line)."""
    out = []
    for line in text.split("\n"):
        head = re.match(r"\d+", line)
        out.append((head.group(), line[head.end():]) if head else (None, line))
    return out


def _relabel(lines: list[tuple[str | None, str]], copy: int, width: int) -> str:
    return "\n".join(f"{fresh_id(doc, copy, width)}{rest}" if doc else rest for doc, rest in lines)


def _data_files(spec: dict) -> list[dict]:
    return [f for f in spec["files"] if f.get("role", "data") == "data" and not f.get("optional")]  # the mirror's


def write_pubtator(src: Path, dst: Path, spec: dict, copies: int, variant: int) -> dict:
    """PubTator files (NCBI-disease, BC5CDR), each repeated with fresh PMIDs; titles and offsets unchanged."""
    files = []
    for declared in _data_files(spec):
        lines = _id_lines((src / declared["path"]).read_text(encoding="utf-8").strip("\n"))
        width = max(len(doc) for doc, _ in lines if doc)
        out = _Out(dst / declared["path"])
        for copy in range(copies):
            out.write(_relabel(lines, copy, width) + "\n\n")  # a blank line ends a copy's last document
        out.close()
        files.append(_declare(declared["path"]))
    return {"files": files}


def write_chemprot(src: Path, dst: Path, spec: dict, copies: int, variant: int) -> dict:
    """ChemProt's TSVs: the parser takes one abstracts, entities and gold-standard file per split, so every
    split's file of a role goes, copy after copy, into one train file of that role."""
    by_role: dict[str, list[str]] = {}
    for declared in _data_files(spec):
        role = next(r for r in ("abstracts", "entities", "gold_standard") if f"_{r}" in Path(declared["path"]).name)
        by_role.setdefault(role, []).append(declared["path"])
    texts = {role: [_id_lines((src / p).read_text(encoding="utf-8").strip("\n")) for p in paths]
             for role, paths in by_role.items()}
    width = max(len(doc) for lines in texts["abstracts"] for doc, _ in lines if doc)
    files = []
    for role, parts in texts.items():
        path = f"chemprot_bench/chemprot_bench_{role}.tsv"
        out = _Out(dst / path)
        for copy in range(copies):
            for lines in parts:
                out.write(_relabel(lines, copy, width) + "\n")
        out.close()
        files.append(_declare(path))
    return {"files": files}


def write_mediqa_rqe(src: Path, dst: Path, spec: dict, copies: int, variant: int) -> dict:
    """MEDIQA-RQE's XML files: the <pair> elements repeated inside the root, with fresh pids."""
    files = []
    for declared in _data_files(spec):
        text = (src / declared["path"]).read_text(encoding="utf-8")
        start, end = text.index("<pair "), text.rindex("</pair>") + len("</pair>")
        pieces = re.split(r'(?<=<pair pid=")([^"]*)(?=")', text[start:end])  # text, pid, text, ...
        width = max(len(pid) for pid in pieces[1::2])
        out = _Out(dst / declared["path"])
        out.write(text[:start])
        for copy in range(copies):
            out.write("".join(fresh_id(p, copy, width) if i % 2 else p for i, p in enumerate(pieces)) + "\n")
        out.write(text[end:].lstrip("\n"))
        out.close()
        files.append(_declare(declared["path"]))
    # Each copy carries the template's own invalid pairs (MEDIQA's empty <faq>): allow them per copy.
    return {"files": files, "max_quarantined": spec.get("max_quarantined", 0) * copies}


def write_lines(src: Path, dst: Path, spec: dict, copies: int, variant: int) -> dict:
    """A CSV without an id column (MQP): its records are numbered by line, so plain repetition gives fresh ids."""
    files = []
    for declared in _data_files(spec):
        text = (src / declared["path"]).read_text(encoding="utf-8")
        text += "" if text.endswith("\n") else "\n"
        out = _Out(dst / declared["path"])
        for _ in range(copies):
            out.write(text)
        out.close()
        files.append(_declare(declared["path"]))
    return {"files": files}


def write_hoc(src: Path, dst: Path, spec: dict, copies: int, variant: int) -> dict:
    """HoC's folders of PMID.txt files (sentences beside their labels): every file again under a fresh PMID."""
    folders = [f["path"] for f in _data_files(spec)]
    documents = sorted(p.stem for p in (src / folders[0]).glob("*.txt"))
    width = max(len(d) for d in documents)
    for folder in folders:
        (dst / folder).mkdir(parents=True, exist_ok=True)
        for doc in documents:
            content = (src / folder / f"{doc}.txt").read_bytes()
            for copy in range(copies):
                (dst / folder / f"{fresh_id(doc, copy, width)}.txt").write_bytes(content)
    # Each copy carries the template's sentences with U+FFFD, which are quarantined: allow them per copy.
    return {"files": [_declare(folder, kind="directory") for folder in folders],
            "max_quarantined": spec.get("max_quarantined", 0) * copies}


# --- what is generated -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    source_id: str
    template: str  # the mirror corpus, and its sources/<template>.yaml, that is replicated
    share: float  # of total_rows
    write: Callable[..., dict]  # (template dir, out dir, template spec, rows or copies, variant) -> spec changes
    per_copy: int | None = None  # training rows one copy yields; None: one row a record, written to the row
    tasks: tuple[str, ...] | None = None  # template tasks kept (None: all of them)
    task_changes: dict | None = None  # fields set on the kept tasks


PQAA_TASK = {"renderer": {"name": "qa_v1"}}
SMALL = 0.7 / 7.6 / 6  # the rest of MedINST's rows, over six small corpora
# per_copy: the rows one whole copy yields, every split of the template counted as train, measured by
# building the template; tests/benchmarks/test_generate.py checks them against the pipeline.
CORPORA = [
    Corpus("bench_medal", "medal", 3.0 / 7.6, write_medal),
    Corpus("bench_scielo", "wmt_biomed_fr_en", 3.0 / 7.6, write_scielo, tasks=("WMT-Biomed-Medline-en2fr",)),
    Corpus("bench_biomrc", "medqa", 0.7 / 7.6, write_biomrc),
    Corpus("bench_pqaa", "pubmedqa", 0.2 / 7.6, write_pqaa, tasks=("PubMedQA-artificial",), task_changes=PQAA_TASK),
    Corpus("bench_ncbi_disease", "ncbi_disease", SMALL, write_pubtator, per_copy=792),
    Corpus("bench_bc5cdr", "bc5cdr", SMALL, write_pubtator, per_copy=3000),
    Corpus("bench_chemprot", "chemprot", SMALL, write_chemprot, per_copy=3957),
    Corpus("bench_mediqa_rqe", "mediqa_rqe", SMALL, write_mediqa_rqe, per_copy=9119),
    Corpus("bench_mqp", "mqp", SMALL, write_lines, per_copy=3048),
    Corpus("bench_hoc", "hoc", SMALL, write_hoc, per_copy=17399),  # 17,464 sentences, 65 quarantined
]


def _registry_entry(corpus: Corpus, template: dict, changes: dict) -> dict:
    """The template's YAML as a benchmark source: generated files, every task on split train."""
    tasks = []
    for task in template["tasks"]:
        if corpus.tasks is not None and task["name"] not in corpus.tasks:
            continue
        task = {k: v for k, v in task.items() if k not in ("medinst_sizes", "availability", "in_medinst")}
        task.update(corpus.task_changes or {})
        task.update(name=TASK_PREFIX + task["name"], in_medinst=False, splits={"train": "train"})
        tasks.append(task)
    spec = {k: v for k, v in template.items() if k not in ("seeded_split", "availability", "files", "tasks")}
    spec.update(id=corpus.source_id, name=f"Benchmark copies of {template['name']}")
    spec.update(changes)
    spec["files"] = [{"path": f["path"], "url": f"{ORIGIN}/{corpus.source_id}/{f['path']}", **f} for f in spec["files"]]
    spec["tasks"] = tasks
    return spec


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (citations) as literal blocks, as the shipped registry writes them."""


_Dumper.add_representer(
    str, lambda dumper, s: dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None)
)


def _digest(path: Path) -> str:
    """The sha256 a build checks: of the file, or of a folder's tree (warehouse.fetch)."""
    return sha256_tree(path) if path.is_dir() else sha256_file(path)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _generate_one(corpus: Corpus, work: Path, corpora: Path, total_rows: int, seed: int) -> dict:
    template = yaml.safe_load((TEMPLATES / f"{corpus.template}.yaml").read_text(encoding="utf-8"))
    target = round(total_rows * corpus.share)
    if corpus.per_copy is None:
        count, rows = max(target, 1), max(target, 1)
    else:
        count = max(1, round(target / corpus.per_copy))  # whole copies: at least one, so every format is there
        rows = count * corpus.per_copy
    _log(f"{corpus.source_id}: writing {rows:,} rows from {corpus.template}")
    started = time.perf_counter()
    dst = work / "mirror" / corpus.source_id
    changes = corpus.write(corpora / corpus.template, dst, template, count, first_variant(seed))
    # Pinned like a shipped source: a build then fingerprints the same files the same way from the first
    # build on (an undeclared digest is recorded at the first fetch, which changes the fingerprint once).
    changes["files"] = [{**f, "sha256": _digest(dst / f["path"])} for f in changes["files"]]
    spec = _registry_entry(corpus, template, changes)
    path = work / "registry" / f"{corpus.source_id}.yaml"
    path.write_text(yaml.dump(spec, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    size = _size(dst)
    _log(f"{corpus.source_id}: {rows:,} rows, {size / 1e6:,.1f} MB in {time.perf_counter() - started:.1f} s")
    return {
        "rows": rows,
        "category": "+".join(dict.fromkeys(t["category"] for t in spec["tasks"])),
        "parser": spec["parser"]["name"],
        "bytes": size,
        "template": corpus.template,
        "tasks": [t["name"] for t in spec["tasks"]],
        "quarantined": spec.get("max_quarantined", 0),
    }


def generate(work: Path, total_rows: int = 7_600_000, corpora: Path = DEFAULT_CORPORA, seed: int = 0) -> dict:
    """Write the benchmark's mirror, registry and manifest under `work` (unless already there for these
    arguments) and return the manifest: {total_rows, seed, version, rows, sources: {id: {rows, category,
    parser, bytes, template, tasks, quarantined}}}; `rows` are the training rows each source must yield."""
    work = Path(work)
    manifest_path = work / "generated.json"
    if manifest_path.exists():
        cached = json.loads(manifest_path.read_text(encoding="utf-8"))
        if (cached.get("total_rows"), cached.get("seed"), cached.get("version")) == (total_rows, seed, GENERATOR_VERSION):
            return cached
    manifest_path.unlink(missing_ok=True)
    for folder in ("mirror", "registry"):
        shutil.rmtree(work / folder, ignore_errors=True)
    (work / "registry").mkdir(parents=True)
    sources = {c.source_id: _generate_one(c, work, Path(corpora), total_rows, seed) for c in CORPORA}
    manifest = {"total_rows": total_rows, "seed": seed, "version": GENERATOR_VERSION,
                "rows": sum(s["rows"] for s in sources.values()), "sources": sources}
    # Written last, through a rename: a manifest on disk means a complete generation.
    partial = manifest_path.with_suffix(".json.partial")
    partial.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    partial.replace(manifest_path)
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="output folder (mirror/, registry/, generated.json)")
    parser.add_argument("--rows", type=int, default=7_600_000, help="training rows in all (default 7,600,000)")
    parser.add_argument("--seed", type=int, default=0, help="picks how copies reshuffle their words (default 0)")
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA, help="the corpora mirror replicated")
    args = parser.parse_args(argv)
    manifest = generate(args.work, args.rows, args.corpora, args.seed)
    header = f"{'source':<20} {'template':<18} {'category':<9} {'rows':>10} {'MB':>9}"
    print(header)
    print("-" * len(header))
    for source_id, s in manifest["sources"].items():
        print(f"{source_id:<20} {s['template']:<18} {s['category']:<9} {s['rows']:>10,} {s['bytes'] / 1e6:>9,.1f}")
    total = sum(s["bytes"] for s in manifest["sources"].values())
    print(f"{'total':<49} {manifest['rows']:>10,} {total / 1e6:>9,.1f}")
    print(f"registry: {args.work / 'registry'}  mirror: {args.work / 'mirror'}")


if __name__ == "__main__":
    main()
