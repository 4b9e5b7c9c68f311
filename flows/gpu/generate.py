"""Greedy generation in process with transformers, for a local model or a LoRA adapter.

    python -m flows.gpu.generate --model DIR --prompts prompts.jsonl --out predictions.jsonl \\
        [--key id] [--batch-size 8] [--max-new-tokens 1024] [--base-model ID]

Each prompt row carries its key fields (default `id`) and either `messages` (chat turns) or
MedINST's instruction/input/history, which become MedINST's prompt (history turns, then one user
message instruction + "\\n" + input; no system prompt). The chat template is applied with a
generation prompt, batches are left-padded, decoding is greedy. Each answer is appended to the
output as soon as its batch is done: the prompt row's other fields (all but messages, instruction,
input and history; e.g. task and the gold output) plus prediction, finish_reason and
completion_tokens. Rows whose key is already in the output are skipped, so an interrupted run
resumes.

A model folder holding `adapter_config.json` is a LoRA adapter: its base (adapter_config's
`base_model_name_or_path`, or --base-model) is loaded and the adapter merged into it.
"""

import argparse
import copy
import json
import sys
import time
from pathlib import Path

from flows.gpu.data import messages, open_for_append, read_jsonl_tolerant, read_rows

PROMPT_FIELDS = frozenset({"messages", "instruction", "input", "history"})  # not copied to the answers


def _key(row: dict, key: tuple[str, ...]) -> tuple:
    return tuple(row[k] for k in key)


def load_model(model: str, base_model: str | None = None, dtype: str = "auto", device: str | None = None):
    """(model, tokenizer, device) for a model folder or id, or an adapter folder merged into its base."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if dtype == "auto":
        torch_dtype = torch.bfloat16 if device.startswith("cuda") and torch.cuda.is_bf16_supported() else torch.float32
    else:
        torch_dtype = getattr(torch, dtype)
    folder = Path(model).expanduser()
    if (folder / "adapter_config.json").is_file():
        from peft import PeftModel

        base = base_model or json.loads((folder / "adapter_config.json").read_text())["base_model_name_or_path"]
        has_tokenizer = (folder / "tokenizer_config.json").is_file()
        tokenizer = AutoTokenizer.from_pretrained(str(folder) if has_tokenizer else base)
        loaded = AutoModelForCausalLM.from_pretrained(base, dtype=torch_dtype)
        loaded = PeftModel.from_pretrained(loaded, str(folder)).merge_and_unload()
    else:
        tokenizer = AutoTokenizer.from_pretrained(model)
        loaded = AutoModelForCausalLM.from_pretrained(model, dtype=torch_dtype)
    loaded.to(device).eval()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return loaded, tokenizer, device


def generate(model: str, prompts: str | Path | list[dict], out: str | Path, *, key: tuple[str, ...] = ("id",),
             base_model: str | None = None, batch_size: int = 8, max_new_tokens: int = 1024, dtype: str = "auto",
             device: str | None = None, limit: int | None = None, log=print) -> dict:
    """Answer every prompt not yet in `out`; returns {asked, skipped, seconds, out}."""
    import torch

    started = time.time()
    key = tuple(key)
    rows = read_rows(prompts) if not isinstance(prompts, list) else prompts
    if limit is not None:
        rows = rows[:limit]
    done = {_key(r, key) for r in read_jsonl_tolerant(out) if all(k in r for k in key)}
    todo = [r for r in rows if _key(r, key) not in done]
    skipped = len(rows) - len(todo)
    if not todo:
        log(f"all {len(rows)} prompt(s) already answered in {out}")
        return {"asked": 0, "skipped": skipped, "seconds": round(time.time() - started, 3), "out": str(out)}

    loaded, tokenizer, device = load_model(model, base_model, dtype, device)
    texts = [tokenizer.apply_chat_template(messages(r), tokenize=False, add_generation_prompt=True) for r in todo]
    ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    # Longest first: a batch that does not fit in memory fails at once, not hours in.
    order = sorted(range(len(todo)), key=lambda i: -len(ids[i]))

    config = copy.deepcopy(loaded.generation_config)
    config.do_sample = False
    config.temperature = config.top_p = config.top_k = None
    config.max_new_tokens = max_new_tokens
    config.pad_token_id = tokenizer.pad_token_id
    eos = config.eos_token_id if config.eos_token_id is not None else tokenizer.eos_token_id
    eos = set(eos if isinstance(eos, list) else [eos])

    log(f"generating {len(todo)} answer(s) with {model} on {device} ({skipped} already answered)")
    with open_for_append(out) as f:
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            enc = tokenizer.pad({"input_ids": [ids[i] for i in batch]}, padding=True, return_tensors="pt")
            enc = {k: v.to(device) for k, v in enc.items()}
            with torch.inference_mode():
                output = loaded.generate(**enc, generation_config=config)
            new = output[:, enc["input_ids"].shape[1]:].tolist()
            for i, tokens in zip(batch, new):
                while tokens and tokens[-1] == tokenizer.pad_token_id and tokenizer.pad_token_id not in eos:
                    tokens.pop()
                stopped = any(t in eos for t in tokens)
                if stopped:
                    tokens = tokens[: next(j for j, t in enumerate(tokens) if t in eos)]
                answer = {k: v for k, v in todo[i].items() if k not in PROMPT_FIELDS}
                answer.update(prediction=tokenizer.decode(tokens, skip_special_tokens=True).strip(),
                              finish_reason="stop" if stopped else "length", completion_tokens=len(tokens))
                f.write(json.dumps(answer, ensure_ascii=False) + "\n")
            f.flush()
            log(f"{min(start + batch_size, len(order))}/{len(order)} answered")
    return {"asked": len(todo), "skipped": skipped, "seconds": round(time.time() - started, 3), "out": str(out)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.gpu.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model folder or id, or a LoRA adapter folder")
    parser.add_argument("--prompts", required=True, help="JSON Lines (or Parquet) of prompt rows")
    parser.add_argument("--out", required=True, help="predictions JSON Lines (appended to; answered rows skipped)")
    parser.add_argument("--key", nargs="+", default=["id"], help="fields that identify a row (default: id)")
    parser.add_argument("--base-model", help="base of an adapter (default: the adapter's own record)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=1024)
    parser.add_argument("--dtype", default="auto", help="auto (bf16 on a GPU that has it, else float32), float16...")
    parser.add_argument("--device", help="default: cuda if present, else cpu")
    parser.add_argument("--limit", type=int, help="only the first N prompts")
    args = parser.parse_args(argv)
    result = generate(args.model, args.prompts, args.out, key=tuple(args.key), base_model=args.base_model,
                      batch_size=args.batch_size, max_new_tokens=args.max_new_tokens, dtype=args.dtype,
                      device=args.device, limit=args.limit)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
