"""Evidence Inference CSVs: a prompts table (PromptID, PMCID, Outcome, Intervention, Comparator) and an
annotations table (one row per annotator's answer to a prompt, with the evidence text it cites).

A per-corpus format (the two tables only make sense joined). Each prompt with an annotation row whose
label the verifier accepted (`Valid Label` True) is one multiple-choice QA record, like BigBio's
evidence_inference: the question is written from the prompt through `question_template`, the context is
the evidence text of the prompt's first accepted row and the answer is that row's label. The record's
document is the article (PMCID), which the release's split lists name.
"""

import csv
import io
from collections.abc import Iterator

import polars as pl

from schemas.errors import SourceError
from schemas.limits import LINE
from transforms.parsers._common import InputFile, family_frame, pick, read_text

NAME = "evidence_inference_csv_v1"
OPTIONS = {"prompts": str, "annotations": str | list[str], "question_template": str, "choices": list[str],
           "label_map": dict[str, str], "skip_prompts": list[int | str]}
FAMILY = "qa"
PROMPT_COLUMNS = ("PromptID", "PMCID", "Outcome", "Intervention", "Comparator")
ANNOTATION_COLUMNS = ("PromptID", "PMCID", "Valid Label", "Label", "Annotations")


def _rows(file: InputFile, source: str, needed: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """(line a record starts on, record by column name) for each non-blank record of a CSV with a header."""
    csv.field_size_limit(LINE.value)  # as csv_table: fields up to the line limit, not the module's 128 KiB
    reader = csv.reader(io.StringIO(read_text(file, source), newline=""))
    try:
        header = next(reader, None)
        missing = [c for c in needed if c not in (header or [])]
        if missing:
            raise SourceError(source, f"the header lacks {', '.join(missing)}", file.name, 1)
        ended = reader.line_num
        for record in reader:
            line, ended = ended + 1, reader.line_num
            if not any(field.strip() for field in record):
                continue
            if len(record) != len(header):
                raise SourceError(source, f"row has {len(record)} fields, the header {len(header)}", file.name, line)
            yield line, dict(zip(header, record))
    except csv.Error as e:
        raise SourceError(source, f"not valid CSV: {e}", file.name, reader.line_num) from None


def _prompts(file: InputFile, source: str) -> dict[str, dict]:
    prompts = {}
    for line, row in _rows(file, source, PROMPT_COLUMNS):
        pid = row["PromptID"].strip()
        if not pid or pid in prompts:
            raise SourceError(source, f"prompt id {pid!r} is empty or repeats", file.name, line)
        prompts[pid] = {k: row[k].strip() for k in PROMPT_COLUMNS}
    return prompts


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `prompts` and `annotations` (the declared files), `question_template` (str.format with
    {outcome}, {intervention}, {comparator}), `choices` (the answer options, in order), `label_map`
    (a label as spelled in the file -> its choice), `skip_prompts` (prompt ids the authors flag as wrong).
    `annotations` may list several declared files: the first of them that was given is read (the full
    release's annotations_merged.csv, else the 2.0 annotations alone), never two that repeat each other's rows."""
    wanted = options["annotations"] if isinstance(options["annotations"], list) else [options["annotations"]]
    given = {f.name for f in files}
    prompts_file = pick(files, source, options["prompts"])
    annotations = pick(files, source, next((n for n in wanted if n in given), wanted[0]))
    template, choices = options["question_template"], list(options["choices"])
    label_map, skip = options.get("label_map", {}), {str(p) for p in options.get("skip_prompts", [])}
    prompts = _prompts(prompts_file, source)
    rows, done = [], set()
    for line, row in _rows(annotations, source, ANNOTATION_COLUMNS):
        pid = row["PromptID"].strip()
        prompt = prompts.get(pid)
        if prompt is None:
            raise SourceError(source, f"prompt {pid!r} is not in {prompts_file.name}", annotations.name, line)
        if row["PMCID"].strip() != prompt["PMCID"]:
            raise SourceError(source, f"PMCID {row['PMCID']!r} is not prompt {pid}'s ({prompt['PMCID']})",
                              annotations.name, line)
        label = label_map.get(row["Label"].strip(), row["Label"].strip())
        if label not in choices:
            raise SourceError(source, f"label {row['Label']!r} is not one of the choices", annotations.name, line)
        if pid in done or pid in skip or row["Valid Label"].strip().lower() != "true":
            continue
        done.add(pid)
        try:
            question = template.format(outcome=prompt["Outcome"], intervention=prompt["Intervention"],
                                       comparator=prompt["Comparator"])
        except (KeyError, IndexError, ValueError) as e:
            raise SourceError(source, f"question_template cannot be filled: {e!r}", annotations.name, line) from None
        rows.append({
            "id": f"{annotations.name}:{pid}", "document_id": prompt["PMCID"], "split": annotations.split,
            "source_file": annotations.name, "source_line": line, "question_id": pid, "question": question,
            "type": "multiple_choice", "choices": choices, "context": row["Annotations"].strip(), "answer": [label],
        })
    return family_frame(rows, FAMILY)
