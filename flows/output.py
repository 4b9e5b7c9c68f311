"""Printing query results: an aligned text table, CSV (header line, then rows), or JSON."""

import csv
import io
import json

MAX_CELL = 80


def _cell(value) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def as_table(columns: list[str], rows: list[tuple]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    # Numbers are right-aligned, as in a spreadsheet.
    numeric = [bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths)))

    lines = [line(columns), "  ".join("-" * w for w in widths)] + [line(r) for r in cells]
    cut = sum(len("" if v is None else str(v).replace("\n", "\\n")) > MAX_CELL for row in rows for v in row)
    note = f"; {cut} cell{'s' if cut != 1 else ''} cut at {MAX_CELL} characters (…): --format csv or json shows " \
        "them whole" if cut else ""
    return "\n".join(line.rstrip() for line in lines) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''}{note})"


def as_csv(columns: list[str], rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


def as_json(columns: list[str], rows: list[tuple]) -> str:
    return json.dumps([dict(zip(columns, r)) for r in rows], default=str, ensure_ascii=False, indent=1)


FORMATS = {"table": as_table, "csv": as_csv, "json": as_json}
