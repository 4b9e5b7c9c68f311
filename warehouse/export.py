"""Exports of a published build, for training and for the Hugging Face Hub (no Prefect here).

Three formats, all read from one published build (its DuckDB catalog for the metadata, Polars over
its Parquet partitions for the rows, so that each subset keeps the build's row order):

    jsonl  MedINST's Hugging Face layout: <out>/<task>/<split>.json, JSON Lines rows
           {"instruction", "input", "output", "history"} (history: [user, assistant] pairs)
    hf     <out>/data/<task>/<split>-00000-of-00001.parquet (dev named validation), <out>/README.md (a
           dataset card whose YAML `configs:` make every task a config of `datasets.load_dataset(out,
           task)`, and `all` every task at once) and
           <out>/rows_per_category.png, the chart the card shows
    chat   <out>/<split>.jsonl, {"messages": [...], "task", "category", "source", "license", "uid"}: the
           history pairs as earlier
           user/assistant turns, then instruction + "\\n" + input as the user's turn and the output as
           the assistant's (MedINST prompts with no system message)

An export is written into a temporary folder beside `out` and renamed into place once complete; an
existing non-empty `out` is refused unless `overwrite`. `out` may be a URL (s3://bucket/prefix, any
fsspec URL): the export is written in a local temporary folder (under MEDINST_WORKDIR, default
~/.cache/medinst) and then uploaded, the dataset card last; an object store has no rename, so
readers may see a partial export while it uploads. Builds of a remote home are read from the store
(see `warehouse.storage`).
"""

import json
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from warehouse import storage
from warehouse.catalog import connect_read_only
from warehouse.layout import current_build

FORMATS = ("jsonl", "hf", "chat")
SPLIT_ORDER = ("train", "dev", "test")
CHART = "rows_per_category.png"

HF_SCHEMA = pa.schema([
    ("instruction", pa.string()), ("input", pa.string()), ("output", pa.string()),
    ("history", pa.list_(pa.list_(pa.string()))), ("task", pa.string()), ("category", pa.string()),
    ("source", pa.string()), ("license", pa.string()), ("uid", pa.string()),
])

# The card's `task_categories` (the Hub's vocabulary) for each MedINST category; every subset is
# also text generation, since each row is an instruction with its expected answer.
HF_TASK_CATEGORIES = {
    "NER": "token-classification", "NED": "token-classification", "QA": "question-answering",
    "SUM": "summarization", "TRANSL": "translation", "STS": "sentence-similarity",
    "TXTCLASS": "text-classification", "TE": "text-classification", "TEXTPAIRCLASS": "text-classification",
}

# Free-text licences of the registry, mapped to the Hub's licence identifiers where unambiguous.
HF_LICENSES = [
    (r"^gpl-?3", "gpl-3.0"), (r"^mit\b", "mit"), (r"^apache license 2\.0|^apache-2\.0", "apache-2.0"),
    (r"^isc\b", "isc"), (r"^cc0\b", "cc0-1.0"), (r"open database license|\bodbl\b", "odbl"),
    (r"^cc[ -]by[ -]nc[ -]sa[ -](\d\.\d)", "cc-by-nc-sa-{}"), (r"^cc[ -]by[ -]nc[ -](\d\.\d)", "cc-by-nc-{}"),
    (r"^cc[ -]by[ -]sa[ -](\d\.\d)", "cc-by-sa-{}"), (r"^cc[ -]by[ -](\d\.\d)", "cc-by-{}"), (r"^unknown\b", "unknown"),
]

MEDINST_CITATION = """@inproceedings{han2024medinst,
  title     = {MedINST: Meta Dataset of Biomedical Instructions},
  author    = {Han, Wenhan and Fang, Meng and Zhang, Zihan and Yin, Yu and Song, Zirui and Chen, Ling and
               Pechenizkiy, Mykola and Chen, Qingyu},
  booktitle = {Findings of the Association for Computational Linguistics: EMNLP 2024},
  year      = {2024}
}"""


class ExportError(Exception):
    """An export that cannot be written: no published build, a bad format, an occupied `out`, ..."""


@dataclass
class Subset:
    """One MedINST task of the build: its rows per split and where its Parquet lies."""

    task: str
    category: str
    source: str
    license: str
    splits: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.splits.values())


@dataclass
class BuildInfo:
    build: Path
    subsets: list[Subset]  # kept, sorted by task
    excluded: list[dict]  # {task, category, source, license, rows, matched}
    sources: list[dict]  # the `sources` view's rows for the kept subsets' sources
    pipeline_version: str | None


# --- reading the build -------------------------------------------------------------------------

def _fetch(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _normalise(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text.casefold())


def license_match(license: str | None, patterns: list[str]) -> str | None:
    """The first pattern that the licence contains (ignoring case, spaces, hyphens and underscores), or None."""
    text = _normalise(license or "")
    return next((p for p in patterns if _normalise(p) in text), None)


def split_order(split: str) -> tuple[int, str]:
    return (SPLIT_ORDER.index(split) if split in SPLIT_ORDER else len(SPLIT_ORDER), split)


def read_build(build: Path, exclude_license: list[str] | None = None) -> BuildInfo:
    """The build's subsets (tasks with rows) and sources; those whose licence matches a pattern are excluded."""
    patterns = list(exclude_license or [])
    if any(not _normalise(p) for p in patterns):
        raise ExportError(f"exclude_license: empty pattern in {patterns} would exclude every subset")
    con = connect_read_only(build)
    try:
        counts = _fetch(con, "select task, category, source, split, count(*) as n from instructions group by all")
        licences = {r["source"]: r["license"] for r in _fetch(con, "select source, license from sources")}
        sources = _fetch(con, "select source, name, homepage, license, citation, fingerprint, files from sources "
                              "where status in ('built', 'partial') order by source")
        versions = _fetch(con, "select distinct pipeline_version from instructions order by 1")
    finally:
        con.close()

    subsets: dict[str, Subset] = {}
    for r in counts:
        sub = subsets.setdefault(r["task"], Subset(r["task"], r["category"], r["source"], licences.get(r["source"], "")))
        if sub.source != r["source"]:
            raise ExportError(f"task {r['task']} comes from two sources ({sub.source}, {r['source']})")
        sub.splits[r["split"]] = r["n"]
    kept, excluded = [], []
    for sub in sorted(subsets.values(), key=lambda s: s.task):
        sub.splits = dict(sorted(sub.splits.items(), key=lambda kv: split_order(kv[0])))
        matched = license_match(sub.license, patterns)
        if matched is None:
            kept.append(sub)
        else:
            excluded.append({"task": sub.task, "category": sub.category, "source": sub.source,
                             "license": sub.license, "rows": sub.rows, "matched": matched})
    used = {s.source for s in kept}
    return BuildInfo(build=build, subsets=kept, excluded=excluded,
                     sources=[s for s in sources if s["source"] in used],
                     pipeline_version=", ".join(v["pipeline_version"] for v in versions if v["pipeline_version"])
                     or None)


def read_rows(build: Path, subset: Subset, split: str) -> pl.DataFrame:
    """One subset's rows of one split, in the build's order, with its partition values as columns."""
    parts = ("instructions", f"category={subset.category}", f"task={subset.task}", f"split={split}")
    remote = storage.remote_build(build)
    if remote:
        folder = storage.join(remote, *parts)
        urls = storage.list_files(folder, ".parquet")
        files = [pl.read_parquet(blob) for blob in storage.read_bytes(urls)]
    else:
        folder = build.joinpath(*parts)
        files = sorted(folder.glob("*.parquet"))
    if not files:
        raise ExportError(f"{subset.task}/{split}: no Parquet under {folder}")
    frame = (pl.concat(files) if remote else pl.read_parquet(files)).with_columns(
        task=pl.lit(subset.task), category=pl.lit(subset.category), split=pl.lit(split),
        history=pl.col("history").list.eval(
            pl.concat_list(pl.element().struct.field("user"), pl.element().struct.field("assistant"))
        ),
    )
    if frame.height != subset.splits[split]:
        raise ExportError(f"{subset.task}/{split}: {frame.height} rows in its Parquet, {subset.splits[split]} "
                          "in the catalog")
    return frame


# --- row formats -------------------------------------------------------------------------------

def user_turn(instruction: str, input: str) -> str:
    """The user's message: instruction and input on separate lines (just the instruction when there is no input)."""
    return "\n".join(part for part in (instruction, input) if part)


def chat_messages(instruction: str, input: str, output: str, history: list | None) -> list[dict]:
    """History pairs as earlier user/assistant turns, then the sample itself; no system message."""
    messages = []
    for user, assistant in history or []:
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return messages + [{"role": "user", "content": user_turn(instruction, input)},
                       {"role": "assistant", "content": output}]


def _json_line(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


class _Writer:
    def __init__(self, root: Path):
        self.root = root
        self.files: list[str] = []

    def write(self, subset: Subset, split: str, frame: pl.DataFrame) -> None:
        raise NotImplementedError

    def close(self, info: BuildInfo, options: dict) -> None:
        pass


class _JsonlWriter(_Writer):
    def write(self, subset, split, frame):
        path = self.root / subset.task / f"{split}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for row in frame.select("instruction", "input", "output", "history").iter_rows(named=True):
                f.write(_json_line(row))
        self.files.append(path.relative_to(self.root).as_posix())


class _HfWriter(_Writer):
    def write(self, subset, split, frame):
        path = self.root / hf_data_file(subset.task, split)
        path.parent.mkdir(parents=True, exist_ok=True)
        table = frame.select(HF_SCHEMA.names).to_arrow().cast(HF_SCHEMA)
        pq.write_table(table, path)
        self.files.append(path.relative_to(self.root).as_posix())

    def close(self, info, options):
        write_chart(info, self.root / CHART)
        (self.root / "README.md").write_text(dataset_card(info, options), encoding="utf-8")
        self.files += [CHART, "README.md"]


class _ChatWriter(_Writer):
    def __init__(self, root):
        super().__init__(root)
        self.handles = {}

    def write(self, subset, split, frame):
        if split not in self.handles:
            self.handles[split] = open(self.root / f"{split}.jsonl", "w", encoding="utf-8", newline="\n")
            self.files.append(f"{split}.jsonl")
        f = self.handles[split]
        for row in frame.select("instruction", "input", "output", "history", "task", "category", "source", "license",
                                "uid").iter_rows(named=True):
            messages = chat_messages(row["instruction"], row["input"], row["output"], row["history"])
            f.write(_json_line({"messages": messages, "task": row["task"], "category": row["category"],
                                "source": row["source"], "license": row["license"], "uid": row["uid"]}))

    def close(self, info, options):
        for f in self.handles.values():
            f.close()
        self.files.sort(key=lambda name: split_order(name.removesuffix(".jsonl")))


WRITERS = {"jsonl": _JsonlWriter, "hf": _HfWriter, "chat": _ChatWriter}


# The warehouse's `dev` is `validation` for `datasets` users (its standard split name); jsonl keeps MedINST's `dev`.
HF_SPLITS = {"train": "train", "dev": "validation", "test": "test"}
ALL_CONFIG = "all"  # every subset at once, beside one config per subset


def hf_data_file(task: str, split: str) -> str:
    return f"data/{task}/{HF_SPLITS.get(split, split)}-00000-of-00001.parquet"


# --- the dataset card --------------------------------------------------------------------------

def hf_license_id(license: str | None) -> str:
    text = (license or "").strip().casefold()
    for pattern, hub_id in HF_LICENSES:
        m = re.search(pattern, text)
        if m:
            return hub_id.format(*m.groups())
    return "other"


def _languages(subsets: list[Subset]) -> list[str]:
    """English, plus both sides of each translation task named like `...-en2fr`."""
    languages = {"en"}
    for s in subsets:
        m = re.search(r"(?<![a-z])([a-z]{2})2([a-z]{2})$", s.task.casefold())
        if s.category == "TRANSL" and m:
            languages.update(m.groups())
    return sorted(languages, key=lambda x: (x != "en", x))


def _size_category(rows: int) -> str:
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")]
    return next((label for bound, label in bounds if rows < bound), "100M<n<1B")


def card_metadata(info: BuildInfo) -> dict:
    subsets = info.subsets
    licences = sorted({hf_license_id(s.license) for s in subsets})
    categories = ["text-generation"] + sorted({HF_TASK_CATEGORIES[s.category] for s in subsets
                                               if s.category in HF_TASK_CATEGORIES})
    meta = {
        "pretty_name": "MedINST (rebuilt from the original corpora)",
        "license": licences[0] if len(licences) == 1 else licences,
    }
    if "other" in licences:
        meta["license_name"] = "medinst-per-subset"
        meta["license_details"] = "Each subset keeps the licence of its source corpus: see the licence table below."
    meta |= {
        "language": _languages(subsets),
        "task_categories": categories,
        "tags": ["biomedical", "medical", "instruction-tuning", "medinst"],
        "size_categories": [_size_category(sum(s.rows for s in subsets))],
        "configs": [
            {"config_name": s.task,
             "data_files": [{"split": HF_SPLITS.get(split, split), "path": hf_data_file(s.task, split)}
                            for split in s.splits]}
            for s in subsets
        ] + [{"config_name": ALL_CONFIG, "data_files": [
            {"split": HF_SPLITS.get(split, split), "path": [hf_data_file(s.task, split) for s in subsets
                                                            if split in s.splits]}
            for split in SPLIT_ORDER if any(split in s.splits for s in subsets)]}],
    }
    return meta


def _table(columns: list[str], rows: list[list], right: set[int] = frozenset()) -> str:
    def cell(v) -> str:
        text = f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else ("" if v is None else str(v))
        return text.replace("|", "\\|").replace("\n", " ")

    align = ["---:" if i in right else "---" for i in range(len(columns))]
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _splits_of(subsets: list[Subset]) -> list[str]:
    return sorted({split for s in subsets for split in s.splits}, key=split_order)


def category_rows(subsets: list[Subset]) -> dict[str, dict[str, int]]:
    per = defaultdict(lambda: defaultdict(int))
    for s in subsets:
        for split, n in s.splits.items():
            per[s.category][split] += n
    return {c: dict(per[c]) for c in sorted(per, key=lambda c: -sum(per[c].values()))}


def statistics_markdown(info: BuildInfo) -> str:
    """Rows per category, then per subset and split (the part of the card a summary shows)."""
    splits = _splits_of(info.subsets)
    by_category = category_rows(info.subsets)
    n_tasks = defaultdict(int)
    for s in info.subsets:
        n_tasks[s.category] += 1
    cat_rows = [[c, n_tasks[c], *(per.get(sp, 0) for sp in splits), sum(per.values())] for c, per in by_category.items()]
    total = [sum(s.splits.get(sp, 0) for s in info.subsets) for sp in splits]
    cat_rows.append(["**total**", len(info.subsets), *total, sum(total)])
    task_rows = [[s.task, s.category, s.source, *(s.splits.get(sp, 0) for sp in splits), s.rows] for s in info.subsets]
    numeric = set(range(1, len(splits) + 3))
    return "\n\n".join([
        "### Rows per category",
        _table(["category", "subsets", *splits, "total"], cat_rows, numeric),
        "### Rows per subset and split",
        _table(["subset (config)", "category", "source", *splits, "total"], task_rows,
               set(range(3, len(splits) + 4))),
    ])


def excluded_markdown(info: BuildInfo, patterns: list[str]) -> str:
    if not patterns:
        return "No licence filter was applied: every subset of the build is included."
    shown = ", ".join(f"`{p}`" for p in patterns)
    if not info.excluded:
        return f"Licence filter {shown}: no subset's licence matched, every subset of the build is included."
    rows = [[e["task"], e["source"], e["license"], f"`{e['matched']}`", e["rows"]] for e in info.excluded]
    return (f"Subsets whose source licence contains {shown} (ignoring case, spaces and hyphens) were left out:\n\n"
            + _table(["subset", "source", "licence", "matched", "rows"], rows, {4}))


def _citation_key(citation: str | None) -> str:
    m = re.search(r"@\w+\s*\{\s*([^,\s]+)\s*,", citation or "")
    return f"`{m.group(1)}`" if m else ""


def dataset_card(info: BuildInfo, options: dict) -> str:
    """README.md for the `hf` export: YAML front matter (configs, licence, ...) and the card body."""
    front = yaml.safe_dump(card_metadata(info), sort_keys=False, allow_unicode=True, width=1000)
    sources = {s["source"]: s for s in info.sources}
    first = info.subsets[0].task
    licence_rows = [[s.task, s.category, s.source, s.license, _citation_key(sources.get(s.source, {}).get("citation"))]
                    for s in info.subsets]
    bibtex = "\n\n".join(f"**{s['source']}** ({s['name']})\n\n```bibtex\n{(s['citation'] or '').strip()}\n```"
                         for s in info.sources if s.get("citation"))
    fingerprints = [[s["source"], f"`{s['fingerprint']}`" if s["fingerprint"] else "", len(s["files"] or [])]
                    for s in info.sources]
    body = f"""# MedINST, rebuilt from the original corpora

Biomedical instruction data in the layout of MedINST, the meta-dataset of biomedical instructions
(Han et al., Findings of EMNLP 2024), rebuilt from the original corpora by the `medinst` pipeline.
Each row is one sample of one dataset-task: an `instruction` (the task's prompt, the same for every
row of a subset), the sample's `input` and the expected `output`. `history` holds earlier
`[user, assistant]` turns (empty unless a task declares them). Each MedINST dataset-task is a config
(subset) here, with the splits the source provides (`train`, `validation`, `test`: MedINST's `dev`
is `validation`), and the config `all` holds every subset at once.

This export holds **{len(info.subsets)} subsets** in **{len(category_rows(info.subsets))} categories**,
**{sum(s.rows for s in info.subsets):,} rows**, from build `{info.build.name}`.

```python
from datasets import load_dataset

ds = load_dataset("path/to/this/folder/or/repo", "{first}")
```

Columns: `instruction`, `input`, `output`, `history` (list of `[user, assistant]` pairs), `task`
(the subset), `category` (MedINST's category), `source` (the corpus), `license` (the corpus's
licence) and `uid` (sha256 of source, document id, task, split, input and output: stable across
rebuilds).

## Statistics

![Rows per category]({CHART})

{statistics_markdown(info)}

## Licences and citations

Every subset keeps the licence of its source corpus: check it before you use or redistribute a
subset, and cite the corpus.

{_table(["subset", "category", "source", "licence", "citation"], licence_rows)}

{bibtex}

Please cite MedINST as well:

```bibtex
{MEDINST_CITATION}
```

## Excluded subsets

{excluded_markdown(info, options.get("exclude_license") or [])}

## Build

Build `{info.build.name}`, pipeline version `{info.pipeline_version or 'unknown'}`. Each source's
fingerprint covers its registry entry (which pins every file's sha256), its parser's and renderers'
code and the pipeline version: the same fingerprint means the same rows.

{_table(["source", "fingerprint", "files"], fingerprints, {2})}
"""
    return f"---\n{front}---\n\n{body}"


def write_chart(info: BuildInfo, path: Path) -> None:
    """A horizontal bar chart of rows per category (matplotlib's Agg canvas, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    per = {c: sum(v.values()) for c, v in category_rows(info.subsets).items()}
    names, values = list(per)[::-1], list(per.values())[::-1]
    fig = Figure(figsize=(8, 1.4 + 0.42 * len(names)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    bars = ax.barh(names, values, color="#3b6ea5")
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3, fontsize=9)
    ax.set_xlabel("rows")
    ax.set_title(f"Rows per category ({sum(values):,} rows, build {info.build.name})", fontsize=10)
    ax.set_xlim(0, max(values) * 1.18)
    ax.spines[["top", "right"]].set_visible(False)
    fig.savefig(path, format="png", dpi=120, metadata={"Software": None})


# --- writing an export atomically --------------------------------------------------------------

def _occupied(out: Path) -> bool:
    return out.exists() and (not out.is_dir() or any(out.iterdir()))


def _check_target(out: Path, build: Path, overwrite: bool) -> None:
    if out == build or out in build.parents or build in out.parents:
        raise ExportError(f"{out}: an export may not replace or sit inside the warehouse build {build}")
    if _occupied(out) and not overwrite:
        raise ExportError(f"{out} exists and is not empty: pass --overwrite (the flow's overwrite=True) to replace it")


def _move_into_place(tmp: Path, out: Path, overwrite: bool) -> None:
    old = None
    if out.exists():
        if not _occupied(out):
            out.rmdir()
        elif overwrite:
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
            out.rename(old / out.name)
        else:  # written to while we were exporting
            raise ExportError(f"{out} exists and is not empty: pass --overwrite (the flow's overwrite=True) to replace it")
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


Progress = Callable[[int, int, Subset], None]


def export_build(build: Path, format: str, out: str | Path, exclude_license: list[str] | None = None,
                 overwrite: bool = False, progress: Progress | None = None) -> dict:
    """Write one export of a build; returns what was written.

    `progress(index, total, subset)` is called after each subset is written.
    Returns {format, out, build_id, counts: {task: {split: rows}}, categories: {category: {split: rows}},
    rows, files, excluded}.
    """
    if format not in FORMATS:
        raise ExportError(f"unknown format {format!r}: one of {', '.join(FORMATS)}")
    if storage.is_remote(out):
        return _export_to_remote(Path(build), format, str(out), exclude_license, overwrite, progress)
    out = Path(out).expanduser().resolve()
    build = Path(build).resolve()
    _check_target(out, build, overwrite)
    patterns = list(exclude_license or [])
    info = read_build(build, patterns)
    if not info.subsets:
        why = f" (every one matched exclude_license={patterns})" if info.excluded else ""
        raise ExportError(f"build {build.name} has no subset to export{why}")

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        writer = WRITERS[format](tmp)
        for i, subset in enumerate(info.subsets, start=1):
            for split in subset.splits:
                writer.write(subset, split, read_rows(build, subset, split))
            if progress:
                progress(i, len(info.subsets), subset)
        writer.close(info, {"exclude_license": patterns})
        tmp.chmod(0o755)  # mkdtemp's folder is private; an export is meant to be shared
        _move_into_place(tmp, out, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {
        "format": format, "out": str(out), "build_id": build.name,
        "counts": {s.task: dict(s.splits) for s in info.subsets}, "categories": category_rows(info.subsets),
        "rows": sum(s.rows for s in info.subsets), "files": writer.files, "excluded": info.excluded,
    }


def _export_to_remote(build: Path, format: str, url: str, exclude_license: list[str] | None, overwrite: bool,
                      progress: Progress | None) -> dict:
    """Export to a local temporary folder, then upload it to `url` (the dataset card last)."""
    url = storage.normalise(url)
    build_url = storage.remote_build(build.resolve())
    if build_url and (url == build_url or url.startswith(build_url + "/") or build_url.startswith(url + "/")):
        raise ExportError(f"{url}: an export may not replace or sit inside the warehouse build {build_url}")
    if storage.list_files(url) and not overwrite:
        raise ExportError(f"{url} exists and is not empty: pass --overwrite (the flow's overwrite=True) to replace it")
    root = storage.workdir_root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".export-") as tmp:
        result = export_build(build, format, Path(tmp) / "export", exclude_license, progress=progress)
        if overwrite:
            storage.remove_tree(url)
        storage.upload_tree(Path(result["out"]), url, last=("README.md",))
    return {**result, "out": url}


def export(home: str | Path, format: str, out: str | Path, exclude_license: list[str] | None = None,
           overwrite: bool = False, progress: Progress | None = None) -> dict:
    """Export the build published under MEDINST_HOME `home` (see `export_build`)."""
    build = current_build(storage.home_path(home) if storage.is_remote(home) else Path(home))
    if build is None:
        raise ExportError(f"no published warehouse under {home}: run `medinst build` first")
    return export_build(build, format, out, exclude_license, overwrite, progress)


def summary_markdown(result: dict) -> str:
    """A short Markdown summary of an export's result: rows per category, subset and split; what was left out."""
    counts = result["counts"]
    splits = sorted({sp for per in counts.values() for sp in per}, key=split_order)
    numeric = set(range(1, len(splits) + 2))

    def table(first: str, per_key: dict[str, dict[str, int]]) -> str:
        rows = [[key, *(per.get(sp, 0) for sp in splits), sum(per.values())] for key, per in per_key.items()]
        rows.append(["**total**", *(sum(per.get(sp, 0) for per in per_key.values()) for sp in splits),
                     result["rows"]])
        return _table([first, *splits, "total"], rows, numeric)

    text = (f"# MedINST export ({result['format']})\n\nBuild `{result['build_id']}` written to `{result['out']}`: "
            f"{len(counts)} subset(s), {result['rows']:,} rows in {len(result['files'])} file(s).\n\n"
            f"## Rows per category\n\n{table('category', result['categories'])}\n\n"
            f"## Rows per subset\n\n{table('subset', counts)}")
    if result["excluded"]:
        excluded = [[e["task"], e["source"], e["license"], f"`{e['matched']}`", e["rows"]] for e in result["excluded"]]
        text += "\n\n## Excluded by licence\n\n" + _table(["subset", "source", "licence", "matched", "rows"],
                                                           excluded, {4})
    return text
