"""Parsers by registered name. A name carries a version: a change in output gets a new one."""

from types import ModuleType

from transforms.parsers import conll_iob, csv_table, docx_tables, hoc_labels, mcq_jsonl, pubmedqa_json, pubtator
from transforms.parsers._common import InputFile

PARSERS: dict[str, ModuleType] = {
    "conll_iob_v1": conll_iob,
    "pubtator_v1": pubtator,
    "pubmedqa_json_v1": pubmedqa_json,
    "mcq_jsonl_v1": mcq_jsonl,
    "csv_table_v1": csv_table,
    "docx_tables_v1": docx_tables,
    "hoc_labels_v1": hoc_labels,
}


def family_of(name: str, options: dict) -> str:
    """The family table a parser emits (csv_table's depends on its options)."""
    module = PARSERS[name]
    return getattr(module, "FAMILY", None) or options.get("family", "pairs")


__all__ = ["PARSERS", "InputFile", "family_of"]
