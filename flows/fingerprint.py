"""Content fingerprints: what a source's output depends on, hashed, so unchanged sources are not rebuilt."""

import ast
import hashlib
import importlib.util
import json
from functools import cache
from pathlib import Path

import schemas
from schemas.registry import SourceSpec
from transforms.parsers import PARSERS
from transforms.render import RENDERERS

_CORE = ["transforms.pipeline", "transforms.splits", "transforms.validate", "transforms.parsers._common",
         "transforms.render._common"]
_OURS = ("transforms", "schemas")  # the packages a parser or renderer may import (see DESIGN: imports point one way)


def _file(name: str) -> Path | None:
    """The source file of one of our modules, or None when `name` is not a module (a function imported by name)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None


@cache
def _imports(name: str) -> frozenset[str]:
    """Our modules that module `name` imports (by its import statements), with their packages."""
    path = _file(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) if node.level else node.module
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from package import module`
    ours = {m for m in found if m.split(".")[0] in _OURS and _file(m)}
    return frozenset(ours | {m.rsplit(".", i)[0] for m in ours for i in range(1, m.count(".") + 1)})


def _closure(roots: list[str]) -> list[str]:
    """The roots and every module of ours they import, transitively, sorted."""
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_imports(name))
    return sorted(seen)


def fingerprint(spec: SourceSpec, pipeline_version: str) -> str:
    """sha256 over the registry entry (which pins every file's sha256), the code that reads and renders
    it and every module of ours that code imports (a helper in another module too), the shared
    transforms, all schemas, and the pipeline version."""
    h = hashlib.sha256()
    h.update(json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode())
    h.update(pipeline_version.encode())
    steps = [PARSERS[spec.parser.name], *(RENDERERS[t.renderer.name] for t in spec.tasks if t.renderer)]
    every_schema = [f"schemas.{p.stem}" for p in Path(schemas.__file__).parent.glob("*.py") if p.stem != "__init__"]
    for name in _closure([m.__name__ for m in steps] + _CORE + every_schema):
        h.update(name.encode())
        h.update(_file(name).read_bytes())
    return h.hexdigest()
