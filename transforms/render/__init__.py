"""Renderers by registered name, one per category (and family); versioned like parsers."""

from types import ModuleType

from transforms.render import ned, ner, qa, sts, txtclass

RENDERERS: dict[str, ModuleType] = {
    "ner_v1": ner,
    "ned_v1": ned,
    "qa_v1": qa,
    "sts_v1": sts,
    "txtclass_v1": txtclass,
}
