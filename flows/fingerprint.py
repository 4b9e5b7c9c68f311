"""Content fingerprints: what a source's output depends on, hashed, so unchanged sources are not rebuilt."""

import hashlib
import json
from pathlib import Path
from types import ModuleType

import schemas
import transforms
from schemas.registry import SourceSpec
from transforms.parsers import PARSERS
from transforms.render import RENDERERS

_CORE = ["pipeline.py", "splits.py", "validate.py", "parsers/_common.py", "render/_common.py"]


def _code(module: ModuleType) -> bytes:
    return Path(module.__file__).read_bytes()


def fingerprint(spec: SourceSpec, pipeline_version: str) -> str:
    """sha256 over the registry entry (which pins every file's sha256), the code that reads and
    renders it, the shared transforms and schemas, and the pipeline version."""
    h = hashlib.sha256()
    h.update(json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode())
    h.update(pipeline_version.encode())
    h.update(_code(PARSERS[spec.parser.name]))
    for name in sorted({t.renderer.name for t in spec.tasks if t.renderer}):
        h.update(_code(RENDERERS[name]))
    transforms_dir = Path(transforms.__file__).parent
    for rel in _CORE:
        h.update((transforms_dir / rel).read_bytes())
    for path in sorted(Path(schemas.__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()
