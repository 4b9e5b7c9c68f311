"""Parsers, one module per source format, found by their registered NAME (versioned: a change in
output gets a new name). Each module has NAME, FAMILY (the family table it emits; csv_table's
comes from its options), OPTIONS (each option it accepts -> its type) and parse(files, options, source)."""

import importlib
import pkgutil
from types import ModuleType

from transforms.parsers._common import InputFile


def _discover() -> dict[str, ModuleType]:
    modules = (importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))
    return {m.NAME: m for m in modules if hasattr(m, "NAME")}


PARSERS: dict[str, ModuleType] = _discover()


def family_of(name: str, options: dict) -> str:
    """The family table a parser emits."""
    module = PARSERS[name]
    return getattr(module, "FAMILY", None) or options.get("family", "pairs")


__all__ = ["PARSERS", "InputFile", "family_of"]
