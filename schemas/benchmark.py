"""The benchmark spec (MedINST32 as data) and the training-mixture settings, validated on load."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schemas.errors import RegistryError
from schemas.instructions import CATEGORIES
from schemas.registry import load_yaml

Scorer = Literal["cls", "em", "entity", "multicls", "bio", "mse", "rouge"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BenchmarkTask(_Spec):
    task: str
    category: Literal[tuple(CATEGORIES)]
    level: int = Field(ge=1, le=4)
    metric: str
    scorer: Scorer
    sample: int | None = Field(None, gt=0, description="test rows drawn (seeded); none: the whole test split")


class BenchmarkSpec(_Spec):
    name: str
    seed: int
    demonstrations: int = Field(2, ge=0)
    max_demonstration_chars: int = Field(2000, gt=0)
    tasks: list[BenchmarkTask] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        names = [t.task for t in self.tasks]
        if len(names) != len(set(names)):
            raise ValueError("a task is listed twice")
        return self


class MixtureSpec(_Spec):
    """How to draw a training mixture: `N` rows, by a sampling strategy, from a rule's tasks."""

    size: int = Field(100_000, gt=0)
    strategy: Literal["proportional", "temperature", "capped"] = "proportional"
    temperature: float = Field(2.0, gt=0, description="weights are task sizes ** (1 / T)")
    cap: int | None = Field(None, gt=0, description="the most rows one task may give (strategy capped)")
    unseen_rule: Literal["medinst", "strict"] = Field(
        "medinst", description="medinst: drop only the test tasks; strict: drop every task sharing a corpus with one"
    )
    seed: int = 2024

    @model_validator(mode="after")
    def _cap_for_capped(self):
        if self.strategy == "capped" and self.cap is None:
            raise ValueError("strategy 'capped' needs a cap")
        return self


def load_benchmark(path: Path) -> BenchmarkSpec:
    data = load_yaml(path)  # aliases' expansion capped, errors name the file
    try:
        return BenchmarkSpec.model_validate(data)
    except ValidationError as e:
        fields = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
        raise RegistryError(f"{path}: {fields}") from None
