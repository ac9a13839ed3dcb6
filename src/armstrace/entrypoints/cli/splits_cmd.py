"""``armstrace splits``: licences suspected of splitting one order under a threshold.

Thin: parse, call ``services.splitting``, format. Registered in ``main.py`` with
``app.command("splits")(splits_command)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from armstrace.bootstrap import open_store
from armstrace.domain.splits import DETECTOR_VERSION, SplitGroup, format_usd
from armstrace.entrypoints.cli.common import DbOption, fail, out, user_errors
from armstrace.services.splitting import find_splits, load_thresholds, write_splits_csv

__all__ = ["splits_command"]

QuietOption = Annotated[bool, typer.Option(
    "--quiet", "-q", help="Only the one-line summary, no table of groups.")]


def splits_command(
    db: DbOption = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write splits.csv: one row per licence in a suspected split "
        "group (group, licence, exporter, order, value, group total, threshold, evidence).")]
    = None,
    window_days: Annotated[int, typer.Option(
        "--window-days", min=0, help="Licences without a shared order chain when applied "
        "within this many days of each other (same exporter, consignee, end user, category).")]
    = 30,
    thresholds: Annotated[Path | None, typer.Option(
        "--thresholds", help="Extra thresholds CSV (regime, category, threshold_usd, basis); "
        "its rows add to or replace the packaged ones.")] = None,
    quiet: QuietOption = False,
) -> None:
    """Find licences that split one order to stay under the Congressional notification
    threshold ($1M USML Category I; $4M ECCN 0A501.a)."""
    if output is not None and not output.parent.resolve().is_dir():
        fail(f"{output.parent}: no such folder for --output")
    if thresholds is not None and not thresholds.is_file():
        fail(f"{thresholds}: no such thresholds file")
    try:
        table = load_thresholds(thresholds)
    except (ValueError, UnicodeDecodeError) as exc:
        fail(f"{thresholds}: {exc}")
    with user_errors():
        store = open_store(db)
        if store.count("licences") == 0:
            fail("the store holds no licences; import licences.csv first")
        groups = find_splits(store, table, window_days=window_days)
        rows = write_splits_csv(groups, output) if output is not None else 0
    if not quiet and groups:
        _print_groups(groups)
    members = sum(len(g.members) for g in groups)
    out.print(f"{len(groups):,} suspected split group(s), {members:,} licence(s) "
              f"({DETECTOR_VERSION}, window {window_days} days).")
    if output is not None:
        out.print(f"splits.csv: {output} ({rows:,} rows)")


def _print_groups(groups: list[SplitGroup]) -> None:
    table = Table(title="Suspected licence splitting", title_justify="left")
    for column in ("group", "rule", "licences", "exporter", "order", "total", "threshold"):
        table.add_column(column, justify="right" if column in ("licences", "total",
                                                                "threshold") else "left")
    for g in groups:
        table.add_row(g.group_id, g.rule, str(len(g.members)), g.exporter_id or "(several)",
                      g.purchase_order or "-", format_usd(g.total_usd),
                      f"{format_usd(g.threshold_usd)} {g.category}")
    out.print(table)
    for g in groups:
        out.print(f"[bold]{g.group_id}[/] {', '.join(g.licence_ids)}", highlight=False)
        for line in g.evidence:
            out.print(f"  - {line}", highlight=False)
