"""Text defects the sources carry, repaired in every rendered row by declared rules, each counted in
`build_stats` (step `clean`, reason = the rule, rows = rows it changed):

- `unicode_escapes`: a literal `\\uXXXX` left in the text by a conversion (HoC's `\\u03b3-H2AX` is `γ-H2AX`);
  surrogate halves are left as they are.
- `html_entities`: an HTML or XML character reference left escaped (`P&lt;0.05`, `BACKGROUND &#38; OBJECTIVE`),
  also when escaped again by each conversion (`&amp;amp;lt;`); only complete references ending in `;` that name a character.
- `nul_removed`: NUL characters, which are never text.
- `whitespace_trimmed`: whitespace at either end of the input or output (a document's final newline).

Input and output are repaired alike, so an extracted mention still reads as it does in the input. A defect
that cannot be repaired is quarantined by schemas.instructions instead: U+FFFD, the replacement character
that stands for a character the source had already lost (`10 �M`).
"""

import html
import re

import polars as pl

UNICODE_ESCAPE = r"\\u[0-9a-fA-F]{4}"
HTML_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
COLUMNS = ("input", "output")


def _unescape_unicode(text: str) -> str:
    def char(m: re.Match) -> str:
        code = int(m[0][2:], 16)
        return m[0] if 0xD800 <= code <= 0xDFFF else chr(code)  # a lone surrogate is not text

    return re.sub(UNICODE_ESCAPE, char, text)


def _unescape_html(text: str) -> str:
    def char(m: re.Match) -> str:
        got = html.unescape(m[0])
        # A reference to no character (a surrogate, NUL, out of range) unescapes to U+FFFD: leave it as written.
        return m[0] if "\ufffd" in got or "\x00" in got else got

    # A reference escaped again by each conversion it went through (`&amp;lt;`, Evidence Inference's
    # `&amp;amp;amp;lt;`) is unescaped as many times: the text meant `<`.
    for _ in range(8):
        unescaped = re.sub(HTML_ENTITY, char, text)
        if unescaped == text:
            break
        text = unescaped
    return text


def repair_text(text: str) -> str:
    """The same rules on one string, in plain Python (for code that renders rows one by one)."""
    return _unescape_html(_unescape_unicode(text)).replace("\x00", "").strip()


def _changed(before: pl.DataFrame, after: pl.DataFrame) -> int:
    """Rows whose input or output differ between two versions of the same rows."""
    return after.select(pl.any_horizontal(pl.col(c) != before[c] for c in COLUMNS).sum()).item()


def _by_function(rows: pl.DataFrame, pattern: str, fix) -> tuple[pl.DataFrame, int]:
    """Apply `fix` to the input and output of the rows where `pattern` occurs; (rows, how many changed)."""
    hit = pl.any_horizontal(pl.col(c).str.contains(pattern) for c in COLUMNS)
    if not rows.select(hit.any()).item():  # the common case: no Python call per row
        return rows, 0
    fixed = rows.with_columns(
        pl.when(hit).then(pl.col(c).map_elements(fix, return_dtype=pl.Utf8, skip_nulls=True)).otherwise(pl.col(c))
        for c in COLUMNS)
    return fixed, _changed(rows, fixed)


def repair(rows: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """The rendered rows (with `input` and `output`) repaired, and the rows each rule changed."""
    counts = {}
    rows, counts["unicode_escapes"] = _by_function(rows, UNICODE_ESCAPE, _unescape_unicode)
    rows, counts["html_entities"] = _by_function(rows, HTML_ENTITY, _unescape_html)
    for rule, expr in (("nul_removed", lambda c: pl.col(c).str.replace_all("\x00", "", literal=True)),
                       ("whitespace_trimmed", lambda c: pl.col(c).str.strip_chars())):
        if rule == "nul_removed" and not rows.select(
                pl.any_horizontal(pl.col(c).str.contains("\x00", literal=True) for c in COLUMNS).any()).item():
            counts[rule] = 0  # the common case: a search instead of a copy of every text
            continue
        fixed = rows.with_columns(expr(c) for c in COLUMNS)
        counts[rule], rows = _changed(rows, fixed), fixed
    return rows, counts
