"""Renderers, one module per category (and family), found by their registered NAME (versioned).
Each module has NAME, FAMILY (the family table it reads), OPTIONS (option -> type) and render(family, options)."""

import importlib
import pkgutil
from types import ModuleType


def _discover() -> dict[str, ModuleType]:
    modules = (importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))
    return {m.NAME: m for m in modules if hasattr(m, "NAME")}


RENDERERS: dict[str, ModuleType] = _discover()
