"""The export flow: write the published build as MedINST JSON Lines, a Hugging Face dataset, or chat data."""

from typing import Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.interrupt import remember_run
from flows.settings import resolve
from warehouse import export as exports


@flow(name="export")
def export(format: Literal["jsonl", "hf", "chat"], out: str, exclude_license: list[str] | None = None,
           home: str | None = None, overwrite: bool = False) -> dict:
    """Export the published warehouse under MEDINST_HOME to `out`.

    `out` appears in one rename once the export is complete. Returns {format, out, build_id,
    counts: {task: {split: rows}}, categories, rows, files, excluded}.

    Args:
        format: jsonl (MedINST's own files), hf (a Hugging Face datasets folder) or chat (messages).
        out: Output folder or URL (s3://bucket/prefix); absent or empty unless overwrite.
        exclude_license: Leave out the subsets whose source licence contains any of these texts (e.g. NC).
        home: Data root: a folder or s3://bucket/prefix. Default: MEDINST_HOME, else ~/.medinst.
        overwrite: Replace what `out` holds.
    """
    remember_run()  # for Ctrl-C (flows.interrupt)
    log = get_run_logger()
    settings = resolve(home=home)
    log.info("exporting the warehouse under %s as %s to %s%s", settings.home, format, out,
             f" (excluding licences matching {exclude_license})" if exclude_license else "")

    def progress(index: int, total: int, subset: exports.Subset) -> None:
        splits = ", ".join(f"{split} {rows:,}" for split, rows in subset.splits.items())
        log.info("[%d/%d] %s (%s, %s): %s", index, total, subset.task, subset.category, subset.source, splits)

    result = exports.export(settings.home, format, out, exclude_license=exclude_license, overwrite=overwrite,
                            progress=progress)
    for e in result["excluded"]:
        log.info("excluded %s (%s): licence %r matches %r", e["task"], e["source"], e["license"], e["matched"])
    create_markdown_artifact(key="medinst-export-summary", markdown=exports.summary_markdown(result),
                             description=f"{format} export of build {result['build_id']}")
    log.info("exported build %s: %d subset(s), %s rows, %d file(s) in %s", result["build_id"], len(result["counts"]),
             f"{result['rows']:,}", len(result["files"]), result["out"])
    return result
