"""The registry as the build uses it: names, options and their types checked against the code that implements them."""

import difflib

from flows.option_types import mismatch
from flows.settings import Settings
from schemas.errors import RegistryError
from schemas.registry import SourceSpec, load_registry
from transforms.parsers import PARSERS, family_of
from transforms.render import RENDERERS


def _check_step(where, field: str, step, known: dict, kind: str):
    module = known.get(step.name)
    if module is None:
        raise RegistryError(f"{where}: {field}.name: unknown {kind} '{step.name}'; known: {sorted(known)}")
    unknown = sorted(set(step.options) - set(module.OPTIONS))
    if unknown:
        raise RegistryError(
            f"{where}: {field}.options.{unknown[0]}: unknown option of {step.name}; it takes {sorted(module.OPTIONS)}"
        )
    for name, value in step.options.items():  # each module declares OPTIONS = {name: type}
        if problem := mismatch(value, module.OPTIONS[name], f"{field}.options.{name}"):
            raise RegistryError(f"{where}: {problem}")
    return module


def _check_source(spec: SourceSpec, where) -> None:
    if not spec.buildable:
        return
    _check_step(where, "parser", spec.parser, PARSERS, "parser")
    family = family_of(spec.parser.name, spec.parser.options)
    for i, task in enumerate(spec.tasks):
        if task.availability:
            continue
        renderer = _check_step(where, f"tasks.{i}.renderer", task.renderer, RENDERERS, "renderer")
        if renderer.FAMILY != family:
            raise RegistryError(
                f"{where}: tasks.{i}.renderer.name: {task.renderer.name} renders {renderer.FAMILY} tables, "
                f"but parser {spec.parser.name} emits {family}"
            )


def load_checked_registry(settings: Settings) -> dict[str, SourceSpec]:
    """Every declared source, checked; a task name may be declared by one source only."""
    registry = load_registry(settings.registry)
    owner: dict[str, str] = {}
    for spec, where in registry.values():
        _check_source(spec, where)
        for i, task in enumerate(spec.tasks):
            if task.name in owner:
                raise RegistryError(f"{where}: tasks.{i}.name: '{task.name}' is already declared by {owner[task.name]}")
            owner[task.name] = spec.id
    return {source_id: spec for source_id, (spec, _) in registry.items()}


class UnknownSource(ValueError):
    """A name given to --only that is neither a declared source nor one of their tasks."""


def sources_named(names: list[str], specs: dict[str, SourceSpec]) -> list[str]:
    """The sources that `names` (source ids or task names, as `--only` takes them) designate, in order.

    An unknown name raises UnknownSource with the closest declared names, not the whole registry."""
    by_task = {t.name.lower(): spec.id for spec in specs.values() for t in spec.tasks}
    chosen, unknown = [], []
    for name in names:
        source = name if name in specs else by_task.get(name.lower())
        if source is None:
            unknown.append(name)
        elif source not in chosen:
            chosen.append(source)
    if unknown:
        known = sorted(specs) + sorted(t.name for spec in specs.values() for t in spec.tasks)
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
            hints.append(f"'{name}'" + (f" (did you mean {' or '.join(close)}?)" if close else ""))
        raise UnknownSource(f"unknown source or task {', '.join(hints)}; `medinst sources` lists them")
    return chosen
