"""The finetune flow: LoRA SFT of a causal LM on one of the current build's training mixtures.

The mixture's rows (the `mixtures` view joined with `instructions`) are written to
MEDINST_HOME/runs/<run id>/train.parquet beside a config.yaml for `python -m flows.gpu.finetune`;
the same function trains in process (on a GPU when there is one), and the run is recorded as a
row of the derived view `runs`: run id, build, mixture, base model, config (JSON), data
fingerprint (sha256 of train.parquet), loss curve, seconds, adapter and merged-model paths.

With prepare_only the flow stops after writing the run folder: copy it to a GPU host and run
`python -m flows.gpu.finetune --config <run folder>/config.yaml` there (it needs neither Prefect,
Polars nor DuckDB).
"""

import dataclasses
import hashlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import yaml
from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows.gpu.finetune import DEFAULT_BASE_MODEL, FinetuneConfig
from flows.interrupt import remember_run
from flows.settings import resolve
from transforms.sampling import seeded_order
from warehouse.catalog import query, write_catalog, write_derived
from warehouse.layout import current_build

RUNS_SCHEMA = {
    "run_id": pl.Utf8, "build_id": pl.Utf8, "mixture": pl.Utf8, "base_model": pl.Utf8, "config": pl.Utf8,
    "data_sha256": pl.Utf8, "rows": pl.Int64, "steps": pl.Int64, "train_loss": pl.Float64,
    "loss_curve": pl.List(pl.Struct({"step": pl.Int64, "epoch": pl.Float64, "loss": pl.Float64})),
    "seconds": pl.Float64, "adapter_path": pl.Utf8, "merged_path": pl.Utf8, "created_at": pl.Utf8,
}
TRAIN_COLUMNS = ["uid", "task", "category", "instruction", "input", "output", "history"]


class FinetuneFailed(Exception):
    """No published build, no benchmark views, or an unknown mixture."""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_view(build: Path, view: str, schema: dict) -> pl.DataFrame:
    """A derived view of a build as a Polars frame (empty, with `schema`, when the view does not exist yet)."""
    try:
        columns, rows = query(build, f"select * from {view}")
    except duckdb.CatalogException:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame([dict(zip(columns, r)) for r in rows], schema=schema, orient="row") if rows \
        else pl.DataFrame(schema=schema)


def mixture_rows(build: Path, mixture: str) -> pl.DataFrame:
    """The rows of one training mixture, with their instruction, input, output and history."""
    try:
        names = [m for (m,) in query(build, "select distinct mixture from mixtures order by 1")[1]]
    except duckdb.CatalogException:
        raise FinetuneFailed(f"build {build.name} has no training mixtures: run `medinst benchmark` first") from None
    if mixture not in names:
        raise FinetuneFailed(f"no mixture {mixture!r} in build {build.name}; mixtures: {', '.join(names)}")
    columns, rows = query(build, f"""
        select m.uid, m.task, i.category, i.instruction, i.input, i.output, i.history
        from mixtures m join instructions i on i.uid = m.uid and i.task = m.task
        where m.mixture = {_literal(mixture)} order by m.task, m.uid""")
    return pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None).select(TRAIN_COLUMNS)


def _run_id(mixture: str, values: dict) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{stamp}-{mixture}-{digest}"


@flow(name="finetune")
def finetune(
    mixture: str = "unseen_train_100k",
    base_model: str | None = None,
    config: str | None = None,
    lora_r: int | None = None,
    lora_alpha: int | None = None,
    target_modules: str | list[str] | None = None,
    learning_rate: float | None = None,
    epochs: float | None = None,
    max_steps: int | None = None,
    batch_size: int | None = None,
    gradient_accumulation_steps: int | None = None,
    max_length: int | None = None,
    seed: int | None = None,
    merge: bool | None = None,
    limit: int | None = None,
    sample: int | None = None,
    options: dict | None = None,
    prepare_only: bool = False,
    run_id: str | None = None,
    home: str | None = None,
) -> dict:
    """Fine-tune `base_model` (default MedINST's LLaMA-3-8B-Instruct) with LoRA on `mixture` of the current build.

    Settings come from FinetuneConfig's defaults, then the YAML `config` file, then `options` (any
    other FinetuneConfig field: lora_dropout, warmup, logging_steps, save_steps, bf16, ...), then
    the arguments given here. `sample`: train on N rows of the mixture drawn by sha256(seed || uid)
    (the seed of the run, default 42), so that a short run still sees every task of the mixture in
    its share (`limit` takes the first N rows, which are ordered by task). Returns {run_id, folder,
    config, data_sha256, rows} and, unless prepare_only, what run.json records (loss curve, steps,
    train loss, adapter, merged, seconds).
    """
    remember_run()  # for Ctrl-C (flows.interrupt)
    log = get_run_logger()
    settings = resolve(home=home)
    build = current_build(settings.home)
    if build is None:
        where = getattr(settings, "location", settings.home)
        raise FinetuneFailed(f"no published warehouse under {where}: run `medinst build` first")
    rows = mixture_rows(build, mixture)

    values = yaml.safe_load(Path(config).read_text(encoding="utf-8")) if config else {}
    values.update(options or {})
    given = {"base_model": base_model, "lora_r": lora_r, "lora_alpha": lora_alpha, "target_modules": target_modules,
             "learning_rate": learning_rate, "epochs": epochs, "max_steps": max_steps, "batch_size": batch_size,
             "gradient_accumulation_steps": gradient_accumulation_steps, "max_length": max_length, "seed": seed,
             "merge": merge, "limit": limit}
    values.update({k: v for k, v in given.items() if v is not None})
    values.setdefault("base_model", DEFAULT_BASE_MODEL)
    if sample:
        rows = seeded_order(rows, int(values.get("seed", FinetuneConfig.seed))).head(sample).sort("task", "uid")
    run_id = run_id or _run_id(mixture, {**values, "build": build.name, "sample": sample})
    folder = settings.home / "runs" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "train.parquet"
    rows.write_parquet(data, compression="zstd")
    # Relative paths: the folder can be copied to a GPU host and trained there as it is.
    portable = {**values, "data": "train.parquet", "output_dir": "."}
    (folder / "config.yaml").write_text(yaml.safe_dump(portable, sort_keys=False), encoding="utf-8")
    cfg = FinetuneConfig.from_dict({**values, "data": str(data), "output_dir": str(folder)})
    log.info("run %s: mixture %s of build %s, %d rows, base %s, in %s", run_id, mixture, build.name, rows.height,
             cfg.base_model, folder)

    from flows.gpu.data import sha256_file

    result = {"run_id": run_id, "folder": str(folder), "config": dataclasses.asdict(cfg),
              "data_sha256": sha256_file(data), "rows": rows.height}
    if prepare_only:
        log.info("prepared %s; on a GPU host: python -m flows.gpu.finetune --config %s", folder, folder / "config.yaml")
        return result

    from flows.gpu.finetune import run

    started = time.time()
    record = run(cfg, log=log.info)
    seconds = round(time.time() - started, 3)
    curve = [{"step": e["step"], "epoch": e.get("epoch"), "loss": e["loss"]} for e in record["loss_curve"]]
    row = pl.DataFrame([{
        "run_id": run_id, "build_id": build.name, "mixture": mixture, "base_model": cfg.base_model,
        "config": json.dumps(record["config"], sort_keys=True), "data_sha256": record["data"]["sha256"],
        "rows": record["data"]["rows"], "steps": record["steps"], "train_loss": record["train_loss"],
        "loss_curve": curve, "seconds": seconds, "adapter_path": record["adapter"], "merged_path": record["merged"],
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }], schema=RUNS_SCHEMA)
    runs = read_view(build, "runs", RUNS_SCHEMA).filter(pl.col("run_id") != run_id)
    write_derived(build, "runs", pl.concat([runs, row]))
    write_catalog(build)
    create_table_artifact(key="medinst-finetune-loss", table=curve or [{"step": 0, "epoch": 0.0, "loss": None}],
                          description=f"Training loss of run {run_id} ({cfg.base_model} on {mixture})")
    log.info("run %s: %d step(s), loss %.4f, %.1f s; recorded in the `runs` view", run_id, record["steps"],
             record["train_loss"], seconds)
    return {**result, **{k: record[k] for k in ("loss_curve", "steps", "train_loss", "adapter", "merged")},
            "seconds": seconds}
