"""MEDIQA 2019 RQE XML: `<pair pid value="true|false"><chq>...</chq><faq>...</faq></pair>`.

A consumer health question (CHQ) entails a frequently asked question (FAQ) when every answer to the
FAQ also answers the CHQ, at least in part: the CHQ is the premise, the FAQ the hypothesis.
"""

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_xml

NAME = "mediqa_rqe_xml_v1"
OPTIONS: dict[str, type] = {}
FAMILY = "te"
LABELS = {"true", "false"}


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    rows = []
    for file in files:
        root = read_xml(file, source)
        pairs = root.findall("pair")
        if not pairs:
            raise SourceError(source, f"no <pair> element under <{root.tag}>", file.name, root.sourceline)
        seen: set[str] = set()
        for pair in pairs:
            pid, value = pair.get("pid"), (pair.get("value") or "").strip().lower()
            chq, faq = pair.findtext("chq"), pair.findtext("faq")
            if not pid or value not in LABELS or chq is None or faq is None:
                raise SourceError(
                    source, "a pair needs a pid, value true or false, a <chq> and a <faq>", file.name, pair.sourceline
                )
            if pid in seen:
                raise SourceError(source, f"pair id {pid} repeats", file.name, pair.sourceline)
            seen.add(pid)
            rid = f"{file.name}:{pid}"
            rows.append(
                {
                    "id": rid,
                    "document_id": rid,
                    "split": file.split,
                    "source_file": file.name,
                    "source_line": pair.sourceline,
                    "premise": chq.strip(),
                    "hypothesis": faq.strip(),
                    "label": value,
                }
            )
    return family_frame(rows, FAMILY)
