from pathlib import Path

import pytest

from schemas.errors import RegistryError
from schemas.registry import load_registry, load_source

REPO = Path(__file__).resolve().parents[2]
VALID = """\
id: demo
name: Demo corpus
homepage: https://example.org/demo
license: CC-BY-4.0
citation: "@misc{{demo, title={{Demo}}}}"
files:
  - path: train.tsv
    url: https://example.org/demo/v1/train.tsv
    sha256: {sha}
    split: train
parser:
  name: conll_iob_v1
tasks:
  - name: Demo-NER
    category: NER
    instruction: Label every disease mention in BIO format, word by word.
    renderer: {{name: ner_v1, options: {{style: bio}}}}
    splits: {{train: train}}
"""


def write(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_valid_file_loads_with_its_fields(tmp_path):
    spec = load_source(write(tmp_path, VALID.format(sha="a" * 64)))
    assert spec.id == "demo"
    assert spec.files[0].split == "train"
    assert spec.tasks[0].renderer.options == {"style": "bio"}
    assert spec.tasks[0].splits == {"train": "train"}


def test_bad_yaml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, VALID.format(sha="a" * 64).replace("name: Demo corpus", "name: [Demo"))
    with pytest.raises(RegistryError, match=r"demo\.yaml, line \d+: not valid YAML"):
        load_source(path)


def test_bad_field_names_the_file_field_and_why(tmp_path):
    path = write(tmp_path, VALID.format(sha="not-a-sha"))
    with pytest.raises(RegistryError, match=r"demo\.yaml: files\.0\.sha256: String should match pattern"):
        load_source(path)


def test_unknown_category_is_named(tmp_path):
    path = write(tmp_path, VALID.format(sha="a" * 64).replace("category: NER", "category: NERR"))
    with pytest.raises(RegistryError, match=r"tasks\.0\.category: Input should be 'NER', 'RE'"):
        load_source(path)


def test_unknown_field_is_refused(tmp_path):
    path = write(tmp_path, VALID.format(sha="a" * 64) + "licence_typo: x\n")
    with pytest.raises(RegistryError, match=r"licence_typo: Extra inputs are not permitted"):
        load_source(path)


def test_id_must_match_the_file_name(tmp_path):
    path = write(tmp_path, VALID.format(sha="a" * 64), name="other.yaml")
    with pytest.raises(RegistryError, match="id: 'demo' must equal the file name 'other'"):
        load_source(path)


def test_a_later_folder_overrides_an_earlier_one(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    write(first, VALID.format(sha="a" * 64))
    write(second, VALID.format(sha="b" * 64))
    spec, path = load_registry([first, second])["demo"]
    assert spec.files[0].sha256 == "b" * 64 and path == second / "demo.yaml"


def test_the_shipped_registry_validates():
    registry = load_registry([REPO / "sources"])
    assert {"ncbi_disease", "ncbi_disease_iob", "pubmedqa", "biosses", "hoc", "mqp", "medqa"} <= set(registry)
    tasks = {t.name: t.category for spec, _ in registry.values() for t in spec.tasks}
    assert tasks["NCBI-disease"] == "NER" and tasks["PubMedQA-labeled"] == "QA" and tasks["MQP"] == "STS"


@pytest.mark.parametrize("path, why", [
    ("../../../../etc/passwd", "it climbs out with '..'"),
    ("data/../../other_source/train.tsv", "it climbs out with '..'"),
    ("/etc/passwd", "it is absolute"),
    ("C:/Windows/win.ini", "it is absolute"),
    ("..\\\\..\\\\etc\\\\passwd", "it has a backslash"),
])
def test_a_declared_path_must_stay_inside_the_source_folder(tmp_path, path, why):
    """Issue 16, case 7: `path: ../../../../etc/passwd` once copied /etc/passwd into the raw cache."""
    path_yaml = VALID.format(sha="a" * 64).replace("path: train.tsv", f'path: "{path}"')
    with pytest.raises(RegistryError, match=rf"demo\.yaml: files\.0\.path: Value error, .*{why}; a declared path "
                                            r"is relative to <mirror root>/<source_id>/ and stays inside it"):
        load_source(write(tmp_path, path_yaml))
