"""The rebuild benchmark at its `--small` size: a correctness check (its timings are not looked at)."""

import json

from benchmarks.run import SMALL_ROWS, run


def test_small_rebuild_yields_the_generated_rows_the_same_every_way(tmp_path):
    report = tmp_path / "BENCHMARKS.md"
    results = run(tmp_path / "work", SMALL_ROWS, report)

    generated = results["generated"]
    assert sum(s["rows"] for s in generated["sources"].values()) == generated["rows"]
    assert generated["rows"] >= SMALL_ROWS  # the small corpora are copied whole: at least one copy each
    # Every source built exactly the rows generated for it, in the cold build and as published.
    assert results["build"]["rows_by_source"] == {s: v["rows"] for s, v in generated["sources"].items()}
    assert results["checks"]["rows_as_generated"] is True
    # Our render stage, datasets .map (per example and batched) and the Python loop wrote the same rows,
    # and ours run alone are the rows the build published.
    assert [c["source"] for c in results["comparisons"]] == ["bench_medal", "bench_scielo", "bench_biomrc", "bench_pqaa"]
    for comp in results["comparisons"]:
        assert comp["medinst"]["rows"] == generated["sources"][comp["source"]]["rows"]
        assert comp["medinst"]["same_rows_as_build"] is True, comp["medinst"]["difference"]
        ways = {b["name"]: b for b in comp["baselines"]}
        assert set(ways) == {"datasets_map", "datasets_map_batched", "python_loop_jsonl", "polars_copy", "pyarrow_write"}
        for name in ("datasets_map", "datasets_map_batched", "python_loop_jsonl"):
            assert ways[name]["same_rows"] is True, (comp["source"], name, ways[name]["difference"])
            assert ways[name]["rows"] == comp["medinst"]["rows"]
    assert results["checks"]["same_rows_every_way"] is True

    # The warehouse answers the benchmark's queries: one count row per task, a sample of 1,000 rows.
    by_name = {q["query"]: q for q in results["queries"]}
    tasks = {t for s in generated["sources"].values() for t in s["tasks"]}
    assert by_name["count_by_task"]["rows_returned"] == len(tasks)
    assert by_name["sample_1000"]["rows_returned"] == 1000
    # Every stage was timed (no source has a seeded split, so none waits in shards), and the no-op
    # rebuild recomputed nothing.
    assert [s["stage"] for s in results["build"]["stages"]] == [
        "fetch", "parse", "render", "validate", "write", "publish"]
    assert "nothing changed" in (tmp_path / "work" / "noop.log").read_text()

    text = report.read_text()
    assert "## The rebuild, stage by stage" in text and "| bench_medal | medal | NED |" in text
    assert json.loads((tmp_path / "work" / "results.json").read_text())["checks"] == results["checks"]
