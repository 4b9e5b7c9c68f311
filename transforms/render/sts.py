"""STS: two texts in; an integer similarity score out (half up), as MedINST's MSE scorer requires."""

import polars as pl

from transforms.render._common import rendered

NAME = "sts_v1"
OPTIONS = {"text_1_label": str, "text_2_label": str, "scale": list[float], "file_lines": dict[str, str]}
FAMILY = "pairs"
TOP = 5  # MedINST's STS scores run from 0 to 5: its MSE scorer treats any other output as unparsable


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `text_1_label`, `text_2_label` (default 'Sentence 1', 'Sentence 2'); `scale: [lo, hi]`, the
    source's own score range, mapped linearly onto MedINST's 0-5 before rounding (a score outside it is an
    error naming its file and line); `file_lines` (declared file -> a last input line), for a source whose
    files ask different questions of alike pairs (e.g. similarity in one, relatedness in the other)."""
    first, second = options.get("text_1_label", "Sentence 1"), options.get("text_2_label", "Sentence 2")
    inputs = pl.format(f"{first}: {{}}\n{second}: {{}}", "text_1", "text_2")
    if "file_lines" in options:
        inputs = pl.concat_str(inputs, pl.lit("\n"), _file_line(family, options["file_lines"]))
    value = pl.col("label").cast(pl.Float64)
    if "scale" in options:
        lo, hi = _scale(family, options["scale"])
        # Rounded to 9 places first: (x - lo) * 5 / (hi - lo) is not exact in binary floating point, and a score
        # that lands on a half (1.9 on a 1-10 scale: 0.5) must round up, not fall just below it.
        value = ((value - lo) * TOP / (hi - lo)).round(9)
    score = (value + 0.5).floor().cast(pl.Int64).cast(pl.Utf8)
    return rendered(family, inputs, score)


def _scale(family: pl.DataFrame, scale) -> tuple[float, float]:
    """The declared range; every score of the frame must lie in it."""
    if not (isinstance(scale, list) and len(scale) == 2 and all(isinstance(v, int | float) for v in scale)
            and scale[0] < scale[1]):
        raise ValueError(f"sts_v1: scale must be [lowest, highest] with lowest < highest, not {scale!r}")
    lo, hi = float(scale[0]), float(scale[1])
    outside = family.filter(~pl.col("label").cast(pl.Float64).is_between(lo, hi))
    if outside.height:
        label, file, line = outside.select("label", "source_file", "source_line").row(0)
        where = f"{file}, line {line}" if line else file
        raise ValueError(f"{where}: score {label!r} is outside the declared scale [{scale[0]}, {scale[1]}]")
    return lo, hi


def _file_line(family: pl.DataFrame, lines: dict) -> pl.Expr:
    """Each record's extra input line, by the declared file it came from."""
    for file in family["source_file"].unique().sort():
        if file not in lines:
            raise ValueError(f"{file}: sts_v1 file_lines has no line for this file ({', '.join(lines)})")
    return pl.col("source_file").replace_strict({k: str(v) for k, v in lines.items()}, return_dtype=pl.Utf8)
