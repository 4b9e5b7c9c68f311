"""The registry's own schema: one YAML file per source corpus, validated on load."""

from pathlib import Path, PurePosixPath
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.errors import RegistryError
from schemas.instructions import CATEGORIES, SPLITS
from schemas.limits import YAML_NODES

Category = Literal[tuple(CATEGORIES)]
Split = Literal[tuple(SPLITS)]
SHA256 = Field(pattern=r"^[0-9a-f]{64}$")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManualDownload(_Spec):
    """A file behind a login or click-through (Google Drive, Kaggle, a registration form): a pipeline cannot
    fetch it, so the user downloads it and places it at `<manual dir>/<source_id>/<path>` (or in the mirror
    layout); the build then reads it from there like any other file."""

    page: str = Field(pattern=r"^https?://", description="where a person gets the file")
    steps: str = Field(min_length=10, description="what to do there, and which file of the download to keep")


class FileSpec(_Spec):
    """One declared file (or folder of files) of a corpus."""

    path: str = Field(min_length=1, description="path relative to <mirror root>/<source_id>/ (or <manual dir>/...)")
    url: str | None = Field(None, pattern=r"^(https?|s3)://",
                            description="origin, pinned to a commit or version; absent only for a manual download")
    manual: ManualDownload | None = Field(None, description="set when the file cannot be fetched by a pipeline")
    optional: bool = Field(
        False, description="the source is built without this file when it cannot be had (its splits are then "
                           "missing, and the build says so: the source shows as partial and --strict fails); for "
                           "the parts of a release that the mirror does not hold",
    )
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$",
        description="content digest; when not known yet, the first download records it in the lock file",
    )
    member: str | None = Field(None, description="path inside the archive at `url`, if it is one")
    kind: Literal["file", "directory"] = "file"
    include: list[str] | None = Field(
        None, min_length=1,
        description="for a folder: only its files whose path inside it matches one of these glob patterns "
                    "(e.g. '*.txt') make up the declared folder and its digest",
    )
    split: str | None = Field(None, description="the source's own split name for the records in this file")
    role: Literal["data", "split_ids"] = "data"

    @field_validator("path")
    @classmethod
    def _inside_the_source_folder(cls, path: str) -> str:
        # The fetcher reads <mirror root>/<source_id>/<path>: a path that leaves that folder would copy
        # any file of the machine (say /etc/passwd) into the cache and the warehouse.
        why = ("it has a backslash" if "\\" in path else "it has a NUL byte" if "\x00" in path
               else "it is absolute" if path.startswith("/") or path[1:2] == ":"
               else "it climbs out with '..'" if ".." in PurePosixPath(path).parts else None)
        if why:
            raise ValueError(f"{path!r}: {why}; a declared path is relative to <mirror root>/<source_id>/ "
                             "and stays inside it")
        return path

    @model_validator(mode="after")
    def _has_an_origin(self):
        if not self.url and not self.manual:
            raise ValueError(f"{self.path}: a declared file needs its origin `url`, or `manual` download steps")
        return self

    @model_validator(mode="after")
    def _include_is_for_folders(self):
        if self.include and self.kind != "directory":
            raise ValueError("`include` selects files of a folder: it needs `kind: directory`")
        return self

    @model_validator(mode="after")
    def _split_ids_have_a_split(self):
        if self.role == "split_ids" and not self.split:
            raise ValueError("a file with role 'split_ids' must name the split its ids belong to")
        return self


class NamedStep(_Spec):
    name: str = Field(pattern=r"^[a-z0-9_]+_v\d+$", description="registered name, versioned (e.g. pubtator_v1)")
    options: dict = Field(default_factory=dict)


class SeededSplit(_Spec):
    """A declared, seeded split for records the release leaves without one."""

    seed: int
    unit: Literal["record", "document"] = "record"
    group_pattern: str | None = Field(
        None, description="regex on document_id whose first group keys a unit (e.g. the abstract of a sentence)"
    )
    sizes: dict[str, int] = Field(description="target rows per split; the last split takes the remainder")

    @model_validator(mode="after")
    def _positive(self):
        if not self.sizes or any(n < 0 for n in self.sizes.values()):
            raise ValueError("sizes must name at least one split, each with a row count >= 0")
        return self


class TaskSpec(_Spec):
    """One dataset-task a corpus yields: a MedINST task (named as in its Table 11) or one of our own."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]*$", description="the MedINST task name, e.g. NCBI-disease-NED"
    )
    category: Category
    instruction: str = Field(min_length=20)
    renderer: NamedStep | None = Field(None, description="required when the source declares files")
    splits: dict[str, Split] = Field(default_factory=dict, description="source split name -> train/dev/test")
    in_medinst: bool = Field(True, description="false for a task of ours outside MedINST's table")
    medinst_sizes: dict[Split, int] | None = Field(None, description="MedINST's Table 11 rows per split")
    sizes_note: str | None = Field(
        None, description="how our rows per split relate to MedINST's Table 11 sizes, where they are not equal"
    )
    availability: str | None = Field(
        None, description="why this task cannot be built from the source's declared files (then it is skipped)"
    )


class SourceSpec(_Spec):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    homepage: str
    citation: str = Field(min_length=10)
    license: str = Field(min_length=1)
    files: list[FileSpec] = Field(default_factory=list)
    parser: NamedStep | None = Field(None, description="required when the source declares files")
    availability: str | None = Field(
        None, description="why the source cannot be built from declared files (required when there are none)"
    )
    untested: str | None = Field(
        None, description="set for a source never built from its real files here (not in the corpora mirror): "
                          "what its parser was tested on instead",
    )
    seeded_split: SeededSplit | None = None
    max_quarantined: int = Field(0, ge=0, description="rows that may fail validation before the build fails")
    tasks: list[TaskSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_task_names(self):
        names = [t.name for t in self.tasks]
        if len(names) != len(set(names)):
            raise ValueError(f"task names repeat: {sorted(n for n in set(names) if names.count(n) > 1)}")
        return self

    @model_validator(mode="after")
    def _buildable_or_explained(self):
        if not self.files:
            if not self.availability:
                raise ValueError("a source without files must say why in `availability`")
            return self
        if self.parser is None:
            raise ValueError("a source with files needs a `parser`")
        for i, task in enumerate(self.tasks):
            if not task.availability and (task.renderer is None or not task.splits):
                raise ValueError(
                    f"tasks.{i} ({task.name}) needs a `renderer` and `splits`, or an `availability` saying why not"
                )
        return self

    @property
    def buildable(self) -> bool:
        return bool(self.files)


def _explain(error: ValidationError) -> str:
    lines = []
    for e in error.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"{field}: {e['msg']}")
    return "; ".join(lines)


def load_yaml(path: Path):
    """A YAML file's data (plain types only, as yaml.safe_load), with its aliases' expansion capped.

    Aliases stay allowed (tmvar_v3 shares option values through them), but a few lines of nested aliases
    ("billion laughs") expand to billions of nodes as soon as the data is validated or hashed: the file's
    node tree, aliases expanded, is counted first (each shared node once) and refused past
    `limits.YAML_NODES`, as is an alias inside its own anchor. Errors name the file (and line).
    """
    loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}, path) > YAML_NODES.value:
            raise RegistryError(f"{path}: {YAML_NODES.refusal('its aliases expand it to')}")
        return None if node is None else loader.construct_document(node)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise RegistryError(f"{path}{where}: not valid YAML: {getattr(e, 'problem', e)}") from None
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int | None], path: Path) -> int:
    """Nodes under `node` (itself included) with every alias expanded; `sizes` memoises shared nodes."""
    if id(node) in sizes:
        if sizes[id(node)] is None:
            raise RegistryError(f"{path}, line {node.start_mark.line + 1}: not valid YAML for a registry: "
                                "an alias refers to the anchor it is inside of (a recursive structure)")
        return sizes[id(node)]
    sizes[id(node)] = None  # in progress
    children = node.value if isinstance(node, yaml.SequenceNode) else (
        [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else [])
    sizes[id(node)] = size = 1 + sum(_expanded_size(child, sizes, path) for child in children)
    return size


def load_source(path: Path) -> SourceSpec:
    """Read and validate one registry file; errors name the file, the field and why."""
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise RegistryError(f"{path}: expected a mapping of fields, got {type(raw).__name__}")
    try:
        spec = SourceSpec.model_validate(raw)
    except ValidationError as e:
        raise RegistryError(f"{path}: {_explain(e)}") from None
    if spec.id != path.stem:
        raise RegistryError(f"{path}: id: '{spec.id}' must equal the file name '{path.stem}'")
    return spec


def load_registry(folders: list[Path]) -> dict[str, tuple[SourceSpec, Path]]:
    """Every source declared in the given folders, with the file that declares it.

    A later folder may redeclare a source of an earlier one (say, to pin a patched file): the later wins.
    """
    registry: dict[str, tuple[SourceSpec, Path]] = {}
    for folder in folders:
        if not folder.is_dir():
            raise RegistryError(f"{folder}: registry folder does not exist")
        for path in sorted(folder.glob("*.yaml")):
            spec = load_source(path)
            registry[spec.id] = (spec, path)
    return registry
