"""The GPU-host steps: LoRA fine-tuning and in-process generation.

They run without Prefect, Polars or DuckDB (torch, transformers, peft, trl, datasets and pyyaml
only), so a GPU machine needs nothing of the pipeline but this folder and a training or prompt
file written by it:

    python -m flows.gpu.finetune --config run.yaml [key=value ...]
    python -m flows.gpu.generate --model DIR --prompts prompts.jsonl --out predictions.jsonl

The Prefect flows (flows.finetune, flows.evaluate) call the same functions in process. This
module imports nothing, so that importing the package stays cheap.
"""
