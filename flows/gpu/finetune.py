"""LoRA supervised fine-tuning on a MedINST mixture (transformers + peft + trl SFTTrainer).

    python -m flows.gpu.finetune --config run.yaml [key=value ...]

The config is a YAML (or JSON) mapping of `FinetuneConfig` fields; `key=value` arguments override
it (values are read as YAML: `max_steps=50`, `merge=true`, `target_modules=[q_proj,v_proj]`).
Relative `data` and `output_dir` paths are read relative to the config file, so a run folder
written by `medinst finetune --prepare-only` can be copied to a GPU host as it is.

The training file (JSON Lines, JSON or Parquet) holds instruction/input/output rows, with an
optional `history` of few-shot turns. Each becomes a conversational prompt-completion example:
the history turns and one user message `instruction + "\\n" + input` (MedINST's prompt), then the
output as the assistant's answer; the loss covers the answer only. The output folder receives

    adapter/    the LoRA adapter and the tokenizer (with its chat template)
    merged/     the base model with the adapter merged in (merge: true)
    run.json    the config, the data fingerprint (sha256 of the training file), the loss curve
                from the trainer's log, the wall time, the device and the library versions

On a GPU, bf16 (where supported) and gradient checkpointing are on by default; on a CPU both are
off. Intermediate checkpoints (save_steps > 0) go to output_dir/checkpoints, and a rerun resumes
from the last one.
"""

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from flows.gpu.data import messages, read_rows, sha256_file

DEFAULT_BASE_MODEL = "meta-llama/Meta-Llama-3-8B-Instruct"  # MedINST's LLaMA3-MI32 base


@dataclass
class FinetuneConfig:
    data: str
    output_dir: str
    base_model: str = DEFAULT_BASE_MODEL
    tokenizer: str | None = None  # default: the base model's
    chat_template: str | None = None  # a .jinja file or the template itself, for a base model without one
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"
    learning_rate: float = 2e-4
    epochs: float = 1.0
    max_steps: int = -1  # > 0: train this many optimiser steps, whatever `epochs` says
    batch_size: int = 4
    gradient_accumulation_steps: int = 4
    max_length: int = 2048
    warmup: float = 0.03  # below 1: a fraction of the steps; else a number of steps
    lr_scheduler: str = "cosine"
    weight_decay: float = 0.0
    logging_steps: int = 10
    save_steps: int = 0  # 0: no intermediate checkpoints
    seed: int = 42
    bf16: bool | None = None  # None: on a GPU that supports it
    gradient_checkpointing: bool | None = None  # None: on a GPU
    attn_implementation: str | None = None  # e.g. sdpa, flash_attention_2
    packing: bool = False
    limit: int | None = None  # train on the first N rows only
    merge: bool = False
    extra: dict = field(default_factory=dict)  # any other SFTConfig argument

    @classmethod
    def from_dict(cls, values: dict) -> "FinetuneConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown finetune setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**values)


def load_config(path: str | Path, overrides: dict | None = None) -> FinetuneConfig:
    """A config file plus overrides; relative data/output_dir paths are taken relative to the file."""
    import yaml

    path = Path(path)
    values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    values.update(overrides or {})
    for key in ("data", "output_dir"):
        if key in values and not Path(values[key]).expanduser().is_absolute():
            values[key] = str((path.parent / values[key]).resolve())
    return FinetuneConfig.from_dict(values)


def loss_curve(log_history: list[dict]) -> list[dict]:
    """The training-loss entries of a trainer's log history."""
    keys = ("step", "epoch", "loss", "learning_rate", "grad_norm")
    return [{k: e[k] for k in keys if k in e} for e in log_history if "loss" in e]


def _read_template(value: str) -> str:
    path = Path(value).expanduser()
    return path.read_text(encoding="utf-8") if "{" not in value and path.is_file() else value


def _checkpointing_args(sft_config_cls, enabled: bool) -> dict:
    """transformers 5.24 renamed gradient_checkpointing to activation_checkpointing; earlier 5.x lack the new name."""
    names = {f.name for f in dataclasses.fields(sft_config_cls)}
    return {"activation_checkpointing": enabled} if "activation_checkpointing" in names \
        else {"gradient_checkpointing": enabled}


def _last_checkpoint(folder: Path) -> str | None:
    steps = [p for p in folder.glob("checkpoint-*") if p.is_dir() and p.name.split("-")[-1].isdigit()]
    return str(max(steps, key=lambda p: int(p.name.split("-")[-1]))) if steps else None


def examples(rows: list[dict]) -> list[dict]:
    """Conversational prompt-completion examples (trl): the loss is on the completion."""
    return [{"prompt": messages(r), "completion": [{"role": "assistant", "content": r["output"]}]} for r in rows]


def run(config: FinetuneConfig, log=print) -> dict:
    """Train a LoRA adapter as configured; returns what run.json holds."""
    import torch
    import transformers
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    started = time.time()
    out = Path(config.output_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    rows = read_rows(config.data)
    fingerprint = sha256_file(config.data)
    if config.limit:
        rows = rows[: config.limit]
    if not rows:
        raise ValueError(f"{config.data}: no training rows")

    cuda = torch.cuda.is_available()
    bf16 = config.bf16 if config.bf16 is not None else bool(cuda and torch.cuda.is_bf16_supported())
    checkpointing = config.gradient_checkpointing if config.gradient_checkpointing is not None else cuda
    device = torch.cuda.get_device_name(0) if cuda else "cpu"
    log(f"fine-tuning {config.base_model} on {len(rows)} rows of {config.data} ({device}, bf16={bf16}, "
        f"gradient checkpointing={checkpointing})")

    tokenizer = AutoTokenizer.from_pretrained(config.tokenizer or config.base_model)
    if config.chat_template:
        tokenizer.chat_template = _read_template(config.chat_template)
    if not tokenizer.chat_template:
        raise ValueError(f"{config.tokenizer or config.base_model} has no chat template: set chat_template "
                         "(a .jinja file or the template text)")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    load = {"dtype": torch.bfloat16 if bf16 else torch.float32}
    if config.attn_implementation:
        load["attn_implementation"] = config.attn_implementation
    model = AutoModelForCausalLM.from_pretrained(config.base_model, **load)

    warmup = config.warmup if config.warmup < 1 else int(config.warmup)
    args = SFTConfig(
        output_dir=str(out / "checkpoints"),
        learning_rate=config.learning_rate,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps if config.max_steps and config.max_steps > 0 else -1,
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        max_length=config.max_length,
        warmup_steps=warmup,
        lr_scheduler_type=config.lr_scheduler,
        weight_decay=config.weight_decay,
        logging_steps=config.logging_steps,
        logging_first_step=True,
        save_strategy="steps" if config.save_steps > 0 else "no",
        save_steps=config.save_steps if config.save_steps > 0 else 500,
        seed=config.seed,
        data_seed=config.seed,
        bf16=bf16,
        fp16=False,
        use_cpu=not cuda,
        packing=config.packing,
        report_to="none",
        disable_tqdm=True,
        **_checkpointing_args(SFTConfig, checkpointing),
        **config.extra,
    )
    targets = config.target_modules
    if isinstance(targets, list | tuple) and list(targets) == ["all-linear"]:
        targets = "all-linear"  # peft's shorthand, as a command line's one-item list gives it
    peft_config = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                             target_modules=targets, bias="none", task_type="CAUSAL_LM")
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(examples(rows)),
                         processing_class=tokenizer, peft_config=peft_config)
    trainable, total = trainer.model.get_nb_trainable_parameters()
    resume = _last_checkpoint(out / "checkpoints") if config.save_steps > 0 else None
    if resume:
        log(f"resuming from {resume}")
    result = trainer.train(resume_from_checkpoint=resume)

    adapter = out / "adapter"
    trainer.save_model(str(adapter))
    tokenizer.save_pretrained(str(adapter))
    merged = None
    if config.merge:
        merged = out / "merged"
        model = trainer.model.merge_and_unload()
        model.config.use_cache = True
        model.save_pretrained(str(merged))
        tokenizer.save_pretrained(str(merged))

    import peft
    import trl

    record = {
        "config": dataclasses.asdict(config),
        "data": {"path": str(Path(config.data).resolve()), "sha256": fingerprint, "rows": len(rows)},
        "loss_curve": loss_curve(trainer.state.log_history),
        "train_loss": result.training_loss,
        "steps": trainer.state.global_step,
        "trainable_parameters": trainable,
        "parameters": total,
        "device": device,
        "bf16": bf16,
        "gradient_checkpointing": checkpointing,
        "adapter": str(adapter),
        "merged": str(merged) if merged else None,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "peft": peft.__version__, "trl": trl.__version__},
        "seconds": round(time.time() - started, 3),
    }
    (out / "run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    log(f"trained {record['steps']} step(s) in {record['seconds']:.1f} s, mean training loss "
        f"{record['train_loss']:.4f}; adapter in {adapter}" + (f", merged model in {merged}" if merged else ""))
    return record


def _overrides(pairs: list[str]) -> dict:
    import yaml

    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"expected key=value, got {pair!r}")
        values[key.strip().replace("-", "_")] = yaml.safe_load(value)
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.gpu.finetune", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="YAML or JSON file of FinetuneConfig fields")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="settings that override the file's")
    args = parser.parse_args(argv)
    try:
        record = run(load_config(args.config, _overrides(args.overrides)))
    except (ValueError, OSError) as e:
        print(f"finetune failed: {e}", file=sys.stderr)
        return 1
    summary = {k: record[k] for k in ("steps", "train_loss", "seconds", "adapter", "merged")}
    print(json.dumps({**summary, "data_sha256": record["data"]["sha256"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
