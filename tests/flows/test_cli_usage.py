"""Routine mistakes at the command line: one clear line each, exit status 2, and no Prefect server started
for a command that is refused anyway."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import main
from flows.output import as_table
from warehouse.recovery import BuildLock

REPO = Path(__file__).resolve().parents[2]


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.rstrip("\n")


def test_a_misspelt_source_is_refused_with_the_closest_names(tmp_path, capsys):
    assert main(["build", "--only", "ncbi_diseas", "--home", str(tmp_path)]) == 2
    assert _one_line(capsys) == ("medinst build: unknown source or task 'ncbi_diseas' (did you mean ncbi_disease or "
                                 "ncbi_disease_iob or scai_disease?); `medinst sources` lists them")
    assert not (tmp_path / "warehouse").exists()


def test_commands_reading_a_build_say_what_is_wrong_with_the_home(tmp_path, capsys):
    assert main(["benchmark", "--home", str(tmp_path)]) == 2
    assert _one_line(capsys) == f"medinst benchmark: no published warehouse under {tmp_path}: run `medinst build` first"
    missing = tmp_path / "typo"
    assert main(["export", "--format", "jsonl", "--out", str(tmp_path / "out"), "--home", str(missing)]) == 2
    assert _one_line(capsys) == (f"medinst export: the home {missing} does not exist (check --home or MEDINST_HOME)")
    a_file = tmp_path / "home.txt"
    a_file.write_text("not a home")
    assert main(["sql", "select 1", "--home", str(a_file)]) == 2
    assert _one_line(capsys) == (f"medinst sql: the home {a_file} is a file, not a medinst home folder (check --home "
                                 "or MEDINST_HOME)")


def test_an_export_into_a_folder_in_use_names_the_flag(mirror_build, tmp_path, capsys):
    home, _ = mirror_build
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["export", "--format", "jsonl", "--out", str(tmp_path), "--home", str(home)]) == 2
    assert _one_line(capsys) == f"medinst export: --out {tmp_path} is not empty; pass --overwrite to replace what is there"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_sql_refuses_an_empty_query_and_several_statements(mirror_build, capsys):
    home, _ = mirror_build
    assert main(["sql", "", "--home", str(home)]) == 2
    assert _one_line(capsys) == "medinst sql: the query is empty"
    assert main(["sql", "select 1; select 2", "--home", str(home)]) == 2
    assert _one_line(capsys) == "medinst sql: one statement at a time: the query holds 2; run them one by one"


def test_sql_into_a_closed_pipe_ends_quietly(mirror_build):
    home, _ = mirror_build
    done = subprocess.run(f"{sys.executable} -m flows sql 'select uid from instructions' --format csv "
                          f"--home {home} | head -2", shell=True, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[0] == "uid" and len(done.stdout.splitlines()) == 2
    assert done.stderr == ""  # no BrokenPipeError traceback


def test_no_wait_refuses_at_once_without_starting_a_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    with BuildLock(tmp_path, timeout=0):
        done = subprocess.run([sys.executable, "-m", "flows", "build", "--no-wait", "--only", "mqp", "--home",
                               str(tmp_path)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith(f"medinst build: another build holds {tmp_path}/")
    assert done.stderr.rstrip().endswith("; the published warehouse is unchanged")
    assert "Prefect server" not in done.stderr  # refused before one was started


def test_serve_names_the_server_it_cannot_reach(monkeypatch, capsys):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert main(["serve"]) == 2
    line = _one_line(capsys)
    assert line.startswith("medinst serve: cannot reach the Prefect server at PREFECT_API_URL=http://127.0.0.1:9/api: ")
    assert line.endswith("(is `prefect server start` running there?)")


def test_version_and_examples_in_every_command_s_help(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("medinst ")
    for command in ("build", "sources", "benchmark", "export", "score", "finetune", "evaluate", "study", "sql",
                    "serve"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "example" in capsys.readouterr().out, command
    with pytest.raises(SystemExit):
        main(["sql", "--help"])
    assert "views: instructions, tasks, sources, build_stats, quarantine" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["score", "--help"])
    assert "prediction  the model's answer" in capsys.readouterr().out


def test_the_table_format_says_when_it_cut_a_cell():
    table = as_table(["text"], [("x" * 100,), ("short",)])
    assert table.splitlines()[-1] == "(2 rows; 1 cell cut at 80 characters (…): --format csv or json shows them whole)"
    assert as_table(["text"], [("short",)]).splitlines()[-1] == "(1 row)"


def test_an_s3_home_without_credentials_says_so_in_one_line(monkeypatch, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance metadata to wait for
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    assert main(["sql", "select 1", "--home", "s3://medinst/home"]) == 2
    line = _one_line(capsys)
    assert line.startswith("medinst sql: cannot reach the S3 home s3://medinst/home: ")
    assert "Unable to locate credentials" in line and "AWS_ACCESS_KEY_ID" in line
