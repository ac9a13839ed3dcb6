"""``armstrace report --output DIR``: the offline HTML report, its CSVs and the PDF letters.

Thin: read the dataset, ``services.reporting.build_report``, then
``adapters.reports.html.write_report``. ``armstrace demo`` ends by calling
``write_store_report`` into its own folder.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from armstrace.adapters.db.store import SqlStore
from armstrace.bootstrap import open_store
from armstrace.entrypoints.cli.analytics_cmd import load_traced
from armstrace.entrypoints.cli.common import DbOption, fail, out, user_errors
from armstrace.services.analytics_data import load_dataset

__all__ = ["report_command", "write_store_report"]


def write_store_report(store: SqlStore, folder: Path, lang: str = "en",
                       issued: date | None = None) -> Path:
    """Build and write the report for ``store`` into ``folder``; returns the index.html path."""
    from armstrace.adapters.reports.html import write_report
    from armstrace.services.reporting import build_report

    report = build_report(load_dataset(store), lang=lang, store=store)
    written = write_report(report, folder, issued=issued)
    out.print(f"Report: {len(report.sections)} sections, {len(written.csvs):,} CSV files, "
              f"{len(written.letters):,} PDF letters ({len(report.bundles):,} states).")
    return written.index


def report_command(
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Folder to write index.html, vega-bundle.js, csv/ and letters/ "
        "into (created if missing). Opens offline: no network needed.")],
    db: DbOption = None,
    lang: Annotated[str, typer.Option(help="Page language: en or es (letters are always both).")]
    = "en",
    dated: Annotated[str | None, typer.Option(
        "--dated", help="Date printed on the letters (YYYY-MM-DD). Default: today.")] = None,
) -> None:
    """Write the self-contained offline HTML report: rates with intervals, time to crime, trends,
    map, flow, reconciliation, coverage-aware statistics, annual tables, splits, and the letters."""
    if lang not in ("en", "es"):
        fail(f"--lang {lang!r}: use en or es")
    issued: date | None = None
    if dated is not None:
        try:
            issued = date.fromisoformat(dated)
        except ValueError:
            fail(f"--dated {dated!r}: not a date; use YYYY-MM-DD")
    if output.exists() and not output.is_dir():
        fail(f"{output}: exists and is not a folder")
    with user_errors():
        load_traced(db)  # the same clear errors as the analytics commands for an empty store
        started = time.perf_counter()
        index = write_store_report(open_store(db), output, lang, issued)
    out.print(f"Open in a browser: {index.resolve()}  ({time.perf_counter() - started:.1f} s)")
