"""Checks an option's value against the type its parser or renderer declares (`OPTIONS = {name: type}`).

The types are plain annotations: str, int, float (an int is a number too), bool, Any, Literal[...],
list[X], dict[K, V], X | Y, and TypedDicts for mappings with fixed keys. Strict, as YAML gives them:
`"false"` is no boolean and `1` no string.
"""

from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

_WORDS = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", type(None): "null"}


def _words(kind) -> str:
    """What a value of `kind` is, for an error message."""
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, UnionType):
        return " or ".join(_words(a) for a in args)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is list:
        return "a list"
    if origin is dict or is_typeddict(kind):
        return "a mapping"
    return _WORDS.get(kind, getattr(kind, "__name__", str(kind)))


def mismatch(value, kind, path: str) -> str | None:
    """Where and why `value` is not of type `kind`, as `<path>: expected ..., got ...`; None if it is."""
    origin, args = get_origin(kind), get_args(kind)
    wrong = f"{path}: expected {_words(kind)}, got {value!r}"
    if kind is Any:
        return None
    if origin in (Union, UnionType):
        errors = [mismatch(value, a, path) for a in args]
        if None in errors:
            return None
        inner = [e for e in errors if not e.startswith(f"{path}: expected")]  # right shape, wrong content
        return inner[0] if inner else wrong
    if origin is Literal:
        return None if any(value == a and type(value) is type(a) for a in args) else wrong
    if origin is list:
        if not isinstance(value, list):
            return wrong
        return next((e for i, item in enumerate(value) if (e := mismatch(item, args[0], f"{path}.{i}"))), None)
    if origin is dict:
        if not isinstance(value, dict):
            return wrong
        for key, item in value.items():
            if mismatch(key, args[0], path):
                return f"{path}: expected keys of {_words(args[0])}, got {key!r}"
            if e := mismatch(item, args[1], f"{path}.{key}"):
                return e
        return None
    if is_typeddict(kind):
        if not isinstance(value, dict):
            return wrong
        fields = get_type_hints(kind)
        for key, item in value.items():
            if key not in fields:
                return f"{path}.{key}: unknown key; it takes {', '.join(sorted(fields))}"
            if e := mismatch(item, fields[key], f"{path}.{key}"):
                return e
        missing = sorted(kind.__required_keys__ - set(value))
        return f"{path}: lacks {', '.join(missing)}" if missing else None
    if kind is float:
        return None if isinstance(value, int | float) and not isinstance(value, bool) else wrong
    return None if type(value) is kind or (isinstance(value, kind) and not isinstance(value, bool)) else wrong
