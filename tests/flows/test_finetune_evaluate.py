"""Fine-tune and evaluate end to end on CPU: a warehouse built from the mirror, a tiny random Llama with a
tokenizer trained here, LoRA steps through the finetune flow, the merged model served by `transformers serve`,
and the evaluate flow against it; plus resumption against a stub OpenAI-compatible server."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# No Hugging Face Hub here: a stray lookup must fail at once instead of timing out.
for _name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ[_name] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from flows.benchmark import benchmark  # noqa: E402
from flows.build import build  # noqa: E402
from flows.evaluate import EvaluationIncomplete, evaluate  # noqa: E402
from flows.finetune import finetune  # noqa: E402
from flows.gpu.data import messages, sha256_file  # noqa: E402
from flows.local_server import local_server  # noqa: E402
from warehouse.catalog import query  # noqa: E402
from warehouse.layout import current_build  # noqa: E402

pytestmark = [
    pytest.mark.integration,
    # trl 1.16 still calls the name transformers 5.24 deprecated; nothing this project can change
    pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning"),
]

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["biosses", "mqp", "medqa", "pubmedqa", "ncbi_disease_iob", "bc5cdr_iob", "hoc"]
MIXTURE = "unseen_train_200"
TASKS = ["BIOSSES", "NCBI-disease", "MedQA"]  # one scorer each: mse, bio, em
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ '<|' + m['role'] + '|>\n' + m['content'] + eos_token + '\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)


def sql(home: Path, text: str) -> list[tuple]:
    return query(current_build(home), text)[1]


@pytest.fixture(scope="module")
def home(prefect_server, corpora, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("finetune") / "home"
    build(only=SOURCES, home=str(root), sources_root=str(corpora))  # not strict: hoc quarantines its U+FFFD rows
    benchmark(home=str(root), mixture_size=200)
    return root


@pytest.fixture(scope="module")
def tiny_model(home, tmp_path_factory) -> Path:
    """A 2-layer random Llama (hidden 64) and a byte-level BPE tokenizer trained on the mixture's text."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-llama")
    texts = [i + "\n" + x + "\n" + o for i, x, o in sql(home, f"""
        select i.instruction, i.input, i.output from mixtures m join instructions i using (uid)
        where m.mixture = '{MIXTURE}'""")]
    assert len(texts) == 200
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainer=trainers.BpeTrainer(
        vocab_size=800, special_tokens=["<unk>", "<s>", "</s>", "<pad>", "<|user|>", "<|assistant|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                        unk_token="<unk>")
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=8192,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def run(home, tiny_model) -> dict:
    return finetune(mixture=MIXTURE, base_model=str(tiny_model), max_steps=5, batch_size=8,
                    gradient_accumulation_steps=1, learning_rate=5e-3, max_length=512, merge=True,
                    options={"logging_steps": 1}, home=str(home))


@pytest.fixture(scope="module")
def served(run):
    """`transformers serve` on the merged model (flows.local_server), in its own process group, killed with it."""
    with local_server(run["merged"], Path(run["folder"]) / "serve.log") as base_url:
        yield base_url


def test_finetune_trains_merges_and_records_the_run(home, run):
    folder = Path(run["folder"])
    assert (folder / "adapter" / "adapter_model.safetensors").is_file()
    assert (folder / "adapter" / "adapter_config.json").is_file()
    assert (folder / "merged" / "config.json").is_file() and (folder / "merged" / "chat_template.jinja").is_file()
    assert run["steps"] == 5 and run["rows"] == 200
    assert run["data_sha256"] == sha256_file(folder / "train.parquet")
    record = json.loads((folder / "run.json").read_text())
    assert [e["step"] for e in record["loss_curve"]] == [1, 2, 3, 4, 5]
    assert record["loss_curve"][-1]["loss"] < record["loss_curve"][0]["loss"]
    assert record["config"]["lora_r"] == 16 and record["config"]["max_steps"] == 5
    assert record["bf16"] is False and record["gradient_checkpointing"] is False  # CPU
    rows = sql(home, "select run_id, mixture, base_model, data_sha256, rows, steps, len(loss_curve), seconds, "
                     "adapter_path, json_extract(config, '$.learning_rate')::double from runs")
    assert rows == [(run["run_id"], MIXTURE, run["config"]["base_model"], run["data_sha256"], 200, 5, 5,
                     rows[0][7], run["adapter"], 5e-3)]
    assert rows[0][7] > 0
    # The run folder is portable: its config points at the training file beside it.
    import yaml

    portable = yaml.safe_load((folder / "config.yaml").read_text())
    assert portable["data"] == "train.parquet" and portable["output_dir"] == "."


def test_evaluate_a_served_model(home, served):
    result = evaluate(model="tiny-lora", base_url=served, tasks=TASKS, limit=5, max_tokens=16, home=str(home))
    assert result["asked"] == 30 and result["reused"] == 0 and not result["unscored"]

    rows = sql(home, "select setting, task, metric, count(*) from scores where model = 'tiny-lora' group by all")
    assert all(n == 1 for *_, n in rows)
    own = {"BIOSSES": "mse", "NCBI-disease": "label_level_f1", "MedQA": "em"}
    expected = {(s, t, m) for s in ("zero-shot", "few-shot") for t in TASKS for m in ("rouge", "f1", own[t])}
    assert {r[:3] for r in rows} == expected
    assert sql(home, "select distinct n from scores where model = 'tiny-lora'") == [(5,)]
    assert sql(home, "select count(*), count(distinct (setting, uid)) from predictions where model = 'tiny-lora'") \
        == [(30, 30)]
    assert sql(home, "select count(*) from predictions p join benchmark b using (setting, task, uid) "
                     "where p.model = 'tiny-lora' and p.output = b.output") == [(30,)]
    mse = sql(home, "select value from scores where model = 'tiny-lora' and metric = 'mse'")
    assert all(0 <= v <= 25 for (v,) in mse)

    report = Path(result["report"])
    assert report.is_file() and Path(result["chart"]).read_bytes()[:4] == b"\x89PNG"
    text = report.read_text()
    assert "| NCBI-disease | NER | 2 | Label-F1 | 5/5 |" in text and "78.55" in text  # beside the paper's L3-MI32

    again = evaluate(model="tiny-lora", base_url=served, tasks=TASKS, limit=5, max_tokens=16, home=str(home))
    assert again["asked"] == 0 and again["reused"] == 30


def test_evaluate_in_process_with_the_adapter(home, run):
    result = evaluate(model=run["adapter"], name="tiny-adapter", backend="hf", settings=["zero-shot"],
                      tasks=["BIOSSES"], limit=3, max_tokens=8, home=str(home))
    assert result["asked"] == 3
    assert sql(home, "select count(*) from predictions where model = 'tiny-adapter'") == [(3,)]
    assert {m for (m,) in sql(home, "select metric from scores where model = 'tiny-adapter'")} == {"rouge", "f1", "mse"}


class StubServer:
    """A stub OpenAI-compatible Chat Completions server: answers "3" and counts requests; with `fail_after`,
    every request after that many gets a 500; the first `reject` requests get a 400 (an invalid request)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail_after: int | None = None
        self.reject = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append(body)
                if stub.fail_after is not None and len(stub.requests) > stub.fail_after:
                    self._send(500, {"error": {"message": "stub: down", "type": "server_error"}})
                    return
                if len(stub.requests) <= stub.reject:
                    self._send(400, {"error": {"message": "stub: prompt too long", "type": "invalid_request_error"}})
                    return
                self._send(200, {"id": "stub", "object": "chat.completion", "created": 0, "model": body["model"],
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": "3"}}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _send(self, status: int, payload: dict):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    server = StubServer()
    yield server
    server.close()


def test_evaluate_resumes_without_asking_again(home, stub):
    def run(limit):
        return evaluate(model="stub-model", base_url=stub.url, tasks=["BIOSSES", "MedQA"], limit=limit,
                        concurrency=1, retries=0, timeout=10, max_tokens=16, home=str(home))

    stub.fail_after = 4
    with pytest.raises(EvaluationIncomplete, match="8 of 12 row"):
        run(3)
    assert len(stub.requests) == 5  # 4 answers, then one failure stops the run
    stub.fail_after = None
    result = run(3)
    assert len(stub.requests) == 5 + 8 and result["asked"] == 8 and result["reused"] == 4
    result = run(5)  # a larger limit asks for the new rows only
    assert len(stub.requests) == 13 + 8 and result["asked"] == 8 and result["reused"] == 12
    run(5)
    assert len(stub.requests) == 21
    assert sql(home, "select count(*) from predictions where model = 'stub-model'") == [(20,)]
    # The predictions file holds task, output and prediction: `medinst score` reads it as it is.
    from flows.score import score_file

    assert {t: m["n"] for t, m in score_file(result["predictions"]).items()} == {"BIOSSES": 10, "MedQA": 10}

    # MedINST's prompt: demonstrations as user/assistant turns, then one user turn; no system prompt; greedy.
    assert all(r["temperature"] == 0 and r["max_tokens"] == 16 and r["model"] == "stub-model" for r in stub.requests)
    assert all(m["role"] != "system" for r in stub.requests for m in r["messages"])
    roles = {tuple(m["role"] for m in r["messages"]) for r in stub.requests}
    assert roles == {("user",), ("user", "assistant", "user", "assistant", "user")}
    (instruction, text), = sql(home, "select instruction, input from benchmark where task = 'BIOSSES' and "
                                     "setting = 'zero-shot' order by uid limit 1")
    assert {"role": "user", "content": instruction + "\n" + text} in [r["messages"][-1] for r in stub.requests]


def test_a_rejected_request_is_recorded_as_an_empty_answer(home, stub):
    stub.reject = 1
    result = evaluate(model="stub-rejecting", base_url=stub.url, settings=["zero-shot"], tasks=["BIOSSES"], limit=3,
                      concurrency=1, retries=0, home=str(home))
    assert result["asked"] == 3 and len(stub.requests) == 3
    predictions = sorted(p for (p,) in sql(home, "select prediction from predictions where model = 'stub-rejecting'"))
    assert predictions == ["", "3", "3"]
    lines = [json.loads(line) for line in Path(result["predictions"]).read_text().splitlines()]
    assert [a["finish_reason"] for a in lines].count("error") == 1 and "prompt too long" in lines[0]["error"]
    assert evaluate(model="stub-rejecting", base_url=stub.url, settings=["zero-shot"], tasks=["BIOSSES"], limit=3,
                    home=str(home))["asked"] == 0


GPU_ENTRY_POINTS = """
import sys
sys.modules.update(prefect=None, polars=None, duckdb=None)  # the GPU host has none of them
from flows.gpu import finetune, generate
assert finetune.main(["--config", sys.argv[1], "max_steps=2", "logging_steps=1"]) == 0
assert generate.main(["--model", sys.argv[2], "--prompts", sys.argv[3], "--out", sys.argv[4], "--key", "uid",
                      "--max-new-tokens", "4", "--batch-size", "2"]) == 0
"""


def test_gpu_entry_points_run_without_the_pipeline(home, tiny_model, tmp_path):
    rows = [{"uid": uid, "instruction": i, "input": x, "output": o,
             "history": [[h["user"], h["assistant"]] for h in history]}  # MedINST's own history layout
            for uid, i, x, o, history in sql(home, "select uid, instruction, input, output, history from "
                                                   "benchmark where setting = 'few-shot' and task = 'BIOSSES' "
                                                   "order by uid limit 4")]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "prompts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:3]))
    (tmp_path / "run.yaml").write_text(f"data: train.jsonl\noutput_dir: out\nbase_model: {tiny_model}\n"
                                       "batch_size: 2\ngradient_accumulation_steps: 1\nmax_length: 2048\n")
    out = tmp_path / "predictions.jsonl"
    out.write_text(json.dumps({"uid": rows[0]["uid"], "prediction": "kept"}) + "\n")  # answered before: skipped
    command = [sys.executable, "-c", GPU_ENTRY_POINTS, str(tmp_path / "run.yaml"), str(tmp_path / "out" / "adapter"),
               str(tmp_path / "prompts.jsonl"), str(out)]
    done = subprocess.run(command, cwd=REPO, env=os.environ.copy(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["steps"] == 2 and record["data"]["sha256"] == sha256_file(tmp_path / "train.jsonl")
    assert record["data"]["rows"] == 4 and record["merged"] is None
    answers = [json.loads(line) for line in out.read_text().splitlines()]
    assert [a["uid"] for a in answers] == [rows[0]["uid"], *sorted(a["uid"] for a in answers[1:])]
    assert len(answers) == 3 and answers[0]["prediction"] == "kept"
    assert all(a["finish_reason"] in ("stop", "length") and a["completion_tokens"] <= 4 for a in answers[1:])


def test_caps_per_category_are_sent_recorded_and_a_new_cap_asks_again(home, stub):
    def run(caps):
        return evaluate(model="stub-capped", base_url=stub.url, settings=["zero-shot"], tasks=["BIOSSES", "MedQA"],
                        limit=2, concurrency=1, retries=0, max_tokens=64, max_tokens_by_category=caps, home=str(home))

    result = run({"STS": 4})
    assert result["asked"] == 4 and result["max_tokens_by_category"] == {"STS": 4}
    sent = sorted(r["max_tokens"] for r in stub.requests)
    assert sent == [4, 4, 64, 64]  # BIOSSES is STS; MedQA (QA) keeps the default
    lines = [json.loads(line) for line in Path(result["predictions"]).read_text().splitlines()]
    assert sorted((a["task"], a["max_tokens"]) for a in lines) == [("BIOSSES", 4)] * 2 + [("MedQA", 64)] * 2
    assert result["throughput"]["answered"] == 4 and result["throughput"]["questions_per_s"] > 0
    assert "at most 64 new tokens (STS 4, others 64)" in Path(result["report"]).read_text()
    assert run({"STS": 4})["asked"] == 0
    assert run({"STS": 8})["asked"] == 2 and sorted(r["max_tokens"] for r in stub.requests[4:]) == [8, 8]


def test_a_seeded_limit_draws_its_own_rows(home):
    import hashlib

    from flows.evaluate import benchmark_rows

    build = current_build(home)
    uids = [u for (u,) in sql(home, "select uid from benchmark where setting = 'zero-shot' and task = 'MedQA'")]
    for seed in (1, 2):
        drawn = benchmark_rows(build, ["zero-shot"], ["MedQA"], 3, seed)["uid"].to_list()
        expected = sorted(uids, key=lambda u: (hashlib.sha256(f"{seed}{u}".encode()).hexdigest(), u))[:3]
        assert drawn == sorted(expected)
    assert benchmark_rows(build, ["zero-shot"], ["MedQA"], 3)["uid"].to_list() == sorted(uids)[:3]
    assert benchmark_rows(build, ["zero-shot"], ["MedQA"], 3, 1)["uid"].to_list() \
        != benchmark_rows(build, ["zero-shot"], ["MedQA"], 3, 2)["uid"].to_list()


def test_few_shot_prompts_lose_demonstrations_to_fit_the_context_window(home, stub, tiny_model):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model))

    def tokens(turns):
        return len(tokenizer.apply_chat_template(turns, tokenize=True, add_generation_prompt=True,
                                                 return_dict=True)["input_ids"])

    rows = sql(home, "select instruction, input, history from benchmark where setting = 'few-shot' and "
                     "task = 'MedQA' order by uid limit 3")
    full = [tokens(messages({"instruction": i, "input": x, "history": h})) for i, x, h in rows]
    last = [tokens(messages({"instruction": i, "input": x, "history": h[1:]})) for i, x, h in rows]
    bare = [tokens(messages({"instruction": i, "input": x, "history": []})) for i, x, _ in rows]
    assert all(f > one > b for f, one, b in zip(full, last, bare))
    # A window that fits every bare question with 8 tokens to spare, but no full few-shot prompt.
    window = max(bare) + 8
    assert window < min(full)
    result = evaluate(model="stub-fitted", base_url=stub.url, settings=["few-shot"], tasks=["MedQA"], limit=3,
                      concurrency=1, retries=0, max_tokens=8, context_window=window, tokenizer=str(tiny_model),
                      home=str(home))
    assert result["asked"] == 3 and result["demonstrations_dropped"] == 3 and result["too_long"] == 0
    lines = {a["uid"]: a for a in map(json.loads, Path(result["predictions"]).read_text().splitlines())}
    for request in stub.requests:
        assert tokens(request["messages"]) <= window - 8
        assert request["messages"][-1]["role"] == "user" and len(request["messages"]) % 2 == 1
    assert all(a["shots"] < 2 for a in lines.values())
    assert f"Context window {window} tokens: 3 few-shot prompt(s) lost demonstrations" \
        in Path(result["report"]).read_text()

    # A window too small even for the bare question: not sent, recorded as an empty answer, scored as wrong.
    asked = len(stub.requests)
    result = evaluate(model="stub-too-small", base_url=stub.url, settings=["zero-shot"], tasks=["MedQA"], limit=2,
                      concurrency=1, retries=0, max_tokens=8, context_window=16, tokenizer=str(tiny_model),
                      home=str(home))
    assert len(stub.requests) == asked and result["too_long"] == 2 and result["asked"] == 2
    answers = [json.loads(line) for line in Path(result["predictions"]).read_text().splitlines()]
    assert {(a["prediction"], a["finish_reason"]) for a in answers} == {("", "error")}
    assert all(a["error"].startswith("PromptTooLong: prompt of ") for a in answers)
    assert sql(home, "select value from scores where model = 'stub-too-small' and metric = 'em'") == [(0.0,)]
