"""TE: the claim (hypothesis) and the evidence (premise) in, each after a fixed label; the mapped label out."""

import polars as pl

from transforms.render._common import LABEL_MAP, rendered

NAME = "te_v1"
OPTIONS = {"label_map": LABEL_MAP, "hypothesis_label": str, "premise_label": str, "premise_first": bool}
FAMILY = "te"


def _key(value) -> str:
    # YAML reads `true:` and `1:` as a boolean and an integer: compare them as the text a file holds.
    return str(value).lower() if isinstance(value, bool) else str(value)


def map_labels(family: pl.DataFrame, label_map: dict | None, renderer: str) -> list[str]:
    """Each record's label through `label_map`; a label the map lacks is an error naming its file and line."""
    if not label_map:
        raise ValueError(f"{renderer} needs a `label_map` naming every label of the source")
    mapping = {_key(k): str(v) for k, v in label_map.items()}
    out = []
    for label, file, line in family.select("label", "source_file", "source_line").iter_rows():
        if label not in mapping:
            where = f"{file}, line {line}" if line else file
            raise ValueError(f"{where}: label {label!r} is not in the {renderer} label_map ({', '.join(mapping)})")
        out.append(mapping[label])
    return out


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `label_map` (source label -> output word, required, every label must be in it),
    `hypothesis_label` (default 'Claim'), `premise_label` (default 'Evidence'), `premise_first`
    (default false: the claim comes first)."""
    hyp = f"{options.get('hypothesis_label', 'Claim')}: {{}}"
    prem = f"{options.get('premise_label', 'Evidence')}: {{}}"
    if options.get("premise_first", False):
        inputs = pl.format(f"{prem}\n{hyp}", "premise", "hypothesis")
    else:
        inputs = pl.format(f"{hyp}\n{prem}", "hypothesis", "premise")
    return rendered(family, inputs, map_labels(family, options.get("label_map"), NAME))
