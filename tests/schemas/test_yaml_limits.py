"""Issue 16, case 10 (YAML): a registry file whose aliases expand to billions of nodes ("billion laughs") is
refused with the file and the limit named, instead of the build being killed for memory."""

import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from schemas.benchmark import load_benchmark
from schemas.errors import RegistryError
from schemas.registry import load_registry, load_source

REPO = Path(__file__).resolve().parents[2]
REFUSAL = ("its aliases expand it to more than 100000 nodes, the limit MEDINST_MAX_YAML_NODES "
           "(set MEDINST_MAX_YAML_NODES higher if the input is genuine)")


def _laughs(indent: str, levels: int = 9) -> str:
    """Nested aliases, each list 9 of the one before: 10 lines that expand to 9**10 (3.5 billion) strings."""
    lines = ['lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "".join(f"{indent}{line}\n" for line in lines)


def _bomb_registry(folder: Path, levels: int = 9) -> Path:
    """mqp's registry file with the laughs as csv_table `constants` (an option whose values go unchecked
    until the source's fingerprint hashes them)."""
    folder.mkdir(exist_ok=True)
    text = (REPO / "sources" / "mqp.yaml").read_text()
    text = text.replace("    family: pairs\n", "    family: pairs\n    constants:\n" + _laughs(" " * 6, levels))
    (folder / "mqp.yaml").write_text(text)
    return folder / "mqp.yaml"


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a runaway fails here, not on the machine


def test_build_refuses_a_registry_alias_bomb(corpora, tmp_path):
    """The real command line, in a process held to 4 GiB: before the fix it filled them and hung."""
    path = _bomb_registry(tmp_path / "registry")
    done = subprocess.run(
        [sys.executable, "-m", "flows", "build", "--registry", str(path.parent), "--only", "mqp",
         "--home", str(tmp_path / "home"), "--sources-root", str(corpora)],
        cwd=REPO, capture_output=True, text=True, timeout=300, preexec_fn=_limit_memory,
    )
    assert done.returncode == 1
    assert f"medinst build failed: {path}: {REFUSAL}\n" in done.stderr
    assert not (tmp_path / "home" / "warehouse" / "CURRENT").exists()


def test_load_source_counts_expanded_nodes(tmp_path):
    path = _bomb_registry(tmp_path / "registry")
    with pytest.raises(RegistryError) as err:
        load_source(path)
    assert str(err.value) == f"{path}: {REFUSAL}"
    # Under the limit, aliases expand as before (lol3: 9**4 strings).
    small = _bomb_registry(tmp_path / "small", levels=3)
    assert load_source(small).parser.options["constants"]["lol3"][8][8][8] == ["lol"] * 9


def test_the_limit_is_raised_by_its_variable(tmp_path, monkeypatch):
    path = _bomb_registry(tmp_path / "registry", levels=4)  # lol4: 9**5 strings; some 75 thousand nodes in all
    monkeypatch.setenv("MEDINST_MAX_YAML_NODES", "50000")
    with pytest.raises(RegistryError, match="more than 50000 nodes, the limit MEDINST_MAX_YAML_NODES"):
        load_source(path)
    monkeypatch.setenv("MEDINST_MAX_YAML_NODES", "100000")
    assert len(load_source(path).parser.options["constants"]["lol4"]) == 9


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path):
    path = tmp_path / "mqp.yaml"
    path.write_text((REPO / "sources" / "mqp.yaml").read_text().replace(
        "    family: pairs\n", "    family: pairs\n    constants: &loop {again: *loop}\n"))
    with pytest.raises(RegistryError) as err:
        load_source(path)
    assert str(err.value) == (f"{path}, line 22: not valid YAML for a registry: an alias refers to the anchor "
                              "it is inside of (a recursive structure)")


def test_shipped_registry_and_benchmarks_read_as_before():
    """tmvar_v3 shares option values through 14 aliases; every shipped file reads as yaml.safe_load reads it."""
    registry = load_registry([REPO / "sources"])
    tmvar, path = registry["tmvar_v3"]
    assert tmvar.model_dump(mode="json") == load_source(path).model_dump(mode="json")
    raw = yaml.safe_load(path.read_text())
    assert tmvar.parser.options == raw["parser"]["options"]
    for spec in sorted((REPO / "sources" / "benchmarks").glob("medinst32.yaml")):
        assert load_benchmark(spec).model_dump() is not None


def test_benchmark_spec_alias_bomb_is_refused(tmp_path):
    spec = tmp_path / "bench.yaml"
    spec.write_text(_laughs(""))
    with pytest.raises(RegistryError) as err:
        load_benchmark(spec)
    assert str(err.value) == f"{spec}: {REFUSAL}"
