"""Parser and renderer options are typed (each module's OPTIONS maps a name to its type): a value of the
wrong type is a registry error naming the YAML file, the field and what was expected, before anything
is fetched. Before, `header: "false"` (a string, so true) silently read MQP's first pair as a header."""

from pathlib import Path

import pytest
import yaml

from flows.build import build
from flows.registry import load_checked_registry
from flows.settings import BUILTIN_REGISTRY, Settings
from schemas.errors import RegistryError
from transforms.parsers import PARSERS
from transforms.render import RENDERERS


def registry_copy(tmp_path: Path, source: str, edit) -> Path:
    """A registry folder redeclaring one shipped source, changed by `edit(dict)`."""
    folder = tmp_path / "registry"
    folder.mkdir(exist_ok=True)
    data = yaml.safe_load((BUILTIN_REGISTRY / f"{source}.yaml").read_text())
    edit(data)
    (folder / f"{source}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def checked(tmp_path: Path, folder: Path):
    return load_checked_registry(Settings(home=tmp_path / "home", registry=[BUILTIN_REGISTRY, folder]))


@pytest.mark.integration
def test_a_string_for_a_boolean_fails_the_build_naming_file_and_field(prefect_server, corpora, tmp_path):
    registry = registry_copy(tmp_path, "mqp", lambda d: d["parser"]["options"].update(header="false"))
    with pytest.raises(RegistryError, match=r"mqp\.yaml: parser\.options\.header: expected a boolean, got 'false'$"):
        build(only=["mqp"], home=str(tmp_path / "home"), sources_root=str(corpora), registry=[str(registry)])
    assert not (tmp_path / "home" / "warehouse").exists()


def set_option(step: str, name: str, value):
    """An edit setting one option of the parser (`parser`) or of the first task's renderer (`renderer`)."""
    def edit(d):
        owner = d["parser"] if step == "parser" else d["tasks"][0]["renderer"]
        owner.setdefault("options", {})[name] = value
    return edit


# (source, parser or renderer, option, wrong value, the error after "<source>.yaml: ")
WRONG = [
    ("biosses", "parser", "score_columns", 1, "parser.options.score_columns: expected a list, got 1"),
    ("biosses", "parser", "header_rows", "1", "parser.options.header_rows: expected an integer, got '1'"),
    ("ncbi_disease", "parser", "id_columns", ["6"], "parser.options.id_columns.0: expected an integer, got '6'"),
    ("ncbi_disease", "parser", "default_db", 5,
     "parser.options.default_db: expected a string or a mapping, got 5"),
    ("ncbi_disease", "parser", "default_db", {"Disease": ["MESH"]},
     "parser.options.default_db.Disease: expected a string, got ['MESH']"),
    ("ncbi_disease", "parser", "line_fixes", [{"file": "a.txt", "line": "3", "find": "x"}],
     "parser.options.line_fixes.0.line: expected an integer, got '3'"),
    ("ncbi_disease", "parser", "line_fixes", [{"file": "a.txt", "line": 3}],
     "parser.options.line_fixes.0: lacks find"),
    ("ncbi_disease", "parser", "line_fixes", [{"file": "a.txt", "line": 3, "find": "x", "with": "y"}],
     "parser.options.line_fixes.0.with: unknown key; it takes file, find, line, replace"),
    ("mqp", "parser", "columns", {"text_1": 1.5, "text_2": 2, "label": 3},
     "parser.options.columns.text_1: expected a string or an integer, got 1.5"),
    ("mqp", "parser", "family", "pair", "parser.options.family: expected one of 'pairs', 'te', 'text', 't2t', got 'pair'"),
    ("ncbi_disease_iob", "renderer", "style", "BIO",
     "tasks.0.renderer.options.style: expected one of 'list', 'bio', got 'BIO'"),
    ("ncbi_disease_iob", "renderer", "types", "Disease", "tasks.0.renderer.options.types: expected a list, got 'Disease'"),
]


@pytest.mark.parametrize(("source", "step", "option", "value", "error"), WRONG)
def test_a_wrongly_typed_option_names_file_field_and_type(tmp_path, source, step, option, value, error):
    registry = registry_copy(tmp_path, source, set_option(step, option, value))
    with pytest.raises(RegistryError) as failed:
        checked(tmp_path, registry)
    assert str(failed.value) == f"{registry / f'{source}.yaml'}: {error}"


def test_every_shipped_option_has_its_declared_type(tmp_path):
    assert len(load_checked_registry(Settings(home=tmp_path, registry=[BUILTIN_REGISTRY]))) > 90


def test_every_parser_and_renderer_declares_the_type_of_each_option():
    for module in [*PARSERS.values(), *RENDERERS.values()]:
        assert isinstance(module.OPTIONS, dict), module.NAME
