"""How much a hostile input may make the pipeline hold: the limits, in one place.

Each is far above any real corpus and can be raised by its environment variable; an error that hits one
names it (`Limit.refusal`). A small file can stand for a huge one: a gzip file of 8 MB inflates to 8 GiB,
a YAML file of 1 KB expands through aliases to a billion nodes, and a file without line ends is one line.
Archives extracted into the raw cache have their own cap, `warehouse.fetch.MAX_ARCHIVE_BYTES`.
"""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    variable: str  # the environment variable that sets it
    default: int
    unit: str

    @property
    def value(self) -> int:
        """The limit now: the variable's value when it is set (a positive whole number), else the default."""
        raw = os.environ.get(self.variable, "").strip()
        if not raw:
            return self.default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value <= 0:
            raise ValueError(f"{self.variable}={raw!r}: expected a positive whole number of {self.unit}")
        return value

    def refusal(self, what: str) -> str:
        """An error message: `what` went past the limit, which one it is and how to raise it."""
        return (f"{what} more than {self.value} {self.unit}, the limit {self.variable} "
                f"(set {self.variable} higher if the input is genuine)")


# What a parser reads of one gzip file (as it decompresses) or holds of one archive member.
DECOMPRESSED = Limit("MEDINST_MAX_DECOMPRESSED_BYTES", 4 << 30, "bytes")
# One line of a line-based reader (JSON Lines, CSV, TSV, PubTator ...), and one CSV field. Real corpora's
# lines are at most a few MB (MeDAL's CSV lines a few KB); a JSON document read whole is not a line.
LINE = Limit("MEDINST_MAX_LINE_BYTES", 64 << 20, "bytes")
# Nodes of a registry or benchmark YAML file once its aliases are expanded: the largest shipped one has a
# few hundred (tmvar_v3 shares option values through 14 aliases).
YAML_NODES = Limit("MEDINST_MAX_YAML_NODES", 100_000, "nodes")
