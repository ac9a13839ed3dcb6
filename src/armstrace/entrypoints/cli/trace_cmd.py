"""``armstrace trace``: trace every stored recovery, or look up one weapon.

Thin, like the rest of the command line: parse, call ``services.tracing``, format.
Registered in ``main.py`` with ``app.command("trace")(trace_command)``; the options
and error handling shared with the other commands live in ``common``.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.db.trace_store import TraceStore
from armstrace.bootstrap import open_store
from armstrace.domain.calibrations import CALIBRATIONS
from armstrace.entrypoints.cli.common import DbOption, QuietOption, fail, out, user_errors
from armstrace.entrypoints.cli.progress import progress_port
from armstrace.services.tracing import AUTO, LookupResult, TraceSummary, lookup, trace_all

__all__ = ["trace_command", "trace_headline"]

STATUS_ORDER = ("matched", "ambiguous", "unmatched", "untraceable")
STATUS_WORDS = {
    "matched": "one licensed item, clearly",
    "ambiguous": "several plausible licensed items: for review",
    "unmatched": "no licensed item fits (never licensed, most likely)",
    "untraceable": "too little recorded to try",
}


def trace_command(
    db: DbOption = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write traces.csv (data contract v1) to this file.")] = None,
    serial: Annotated[str | None, typer.Option(
        help="Look up one weapon by its serial as read (spaces, dashes, ? for unreadable "
        "characters are fine) instead of tracing every recovery.")] = None,
    make: Annotated[str | None, typer.Option("--make", help="Maker as written (with --serial).")]
    = None,
    calibre: Annotated[str | None, typer.Option(help="Calibre as written (with --serial).")] = None,
    model: Annotated[str | None, typer.Option(help="Model as written (with --serial).")] = None,
    recovered_on: Annotated[str | None, typer.Option(
        "--recovered-on", help="Date of recovery (YYYY-MM-DD) for a lookup; default today.")]
    = None,
    region: Annotated[str | None, typer.Option(
        help="Where it was recovered (ISO 3166-2, e.g. MX-MIC) for a lookup.")] = None,
    calibration: Annotated[str | None, typer.Option(
        help="Scorer calibration: auto (from how often weapons recorded twice were read two "
        "ways), poor, fair or careful. Default: auto for a run; for --serial, the one the "
        "latest run used.")] = None,
    quiet: QuietOption = False,
) -> None:
    """Trace recovered weapons to licensed items, licences and last accountable custodians.

    Without --serial: trace every stored recovery (a new run; earlier runs are kept) and
    optionally write traces.csv. With --serial: print the candidates and the chosen weapon's
    custody as a timeline.
    """
    if serial is None and (make or calibre or model or recovered_on or region):
        fail("--make, --calibre, --model, --recovered-on and --region go with --serial")
    if output is not None and serial is not None:
        fail("--output traces every recovery; leave out --serial")
    if output is not None and not output.parent.resolve().is_dir():
        fail(f"{output.parent}: no such folder for --output")
    if recovered_on is not None and not _is_date(recovered_on):
        fail(f"--recovered-on {recovered_on!r}: use YYYY-MM-DD")
    known = (AUTO, *(c.name for c in CALIBRATIONS))
    if calibration is not None and calibration not in known:
        fail(f"--calibration {calibration!r}: use one of {', '.join(known)}")
    with user_errors():
        store = open_store(db)
        if serial is not None:
            _print_lookup(lookup(store, serial, make, calibre, model, recovered_on=recovered_on,
                                 region=region, calibration=calibration))
            return
        if store.count("items") == 0:
            fail("the store holds no licensed items to trace against; import items.csv first")
        if store.count("recoveries") == 0:
            fail("the store holds no recoveries to trace; import recoveries.csv first")
        started = time.perf_counter()
        with progress_port(quiet) as progress:
            summary = trace_all(store, output, calibration=calibration or AUTO, progress=progress)
        _print_summary(summary, time.perf_counter() - started)


def _is_date(text: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _print_summary(s: TraceSummary, seconds: float) -> None:
    table = Table(title=f"Trace run {s.run_id} ({s.scorer_version})", title_justify="left")
    table.add_column("status")
    table.add_column("recoveries", justify="right")
    table.add_column("share", justify="right")
    table.add_column("meaning")
    for status in STATUS_ORDER:
        n = s.by_status.get(status, 0)
        share = f"{100 * n / s.recoveries:.1f}%" if s.recoveries else "–"
        table.add_row(status, f"{n:,}", share, STATUS_WORDS[status])
    out.print(table)
    if s.top_custodians:
        top = Table(title="Top last custodians of traced recoveries", title_justify="left")
        top.add_column("party")
        top.add_column("name")
        top.add_column("recoveries", justify="right")
        for pid, name, n in s.top_custodians:
            top.add_row(pid, name, f"{n:,}")
        out.print(top)
    if s.calibration:
        out.print(f"Calibration {s.scorer_version}: {s.calibration}.", highlight=False)
    out.print(f"{s.recoveries:,} recoveries against {s.registry_items:,} licensed items in "
              f"{seconds:.1f} s (registry and index {s.index_seconds:.1f} s).")
    if s.output is not None:
        out.print(f"traces.csv: {s.output}")


def _print_lookup(r: LookupResult) -> None:
    if r.reading is None:
        out.print(f"[bold]untraceable:[/] {r.reason}")
        return
    out.print(f"Serial read as [bold]{r.reading}[/]: [bold]{r.status}[/] "
              f"(confidence {r.confidence:.3f}; never licensed {r.never_licensed:.3f}; "
              f"scorer {r.scorer_version})")
    out.print(r.reason, highlight=False)
    if r.candidates:
        table = Table(title="Candidates, best first", title_justify="left")
        for column in ("#", "item", "serial", "maker", "model", "calibre", "licence", "posterior"):
            table.add_column(column, justify="right" if column in ("#", "posterior") else "left")
        for n, c in enumerate(r.candidates, start=1):
            table.add_row(str(n), c.item_id, c.serial, c.maker or "", c.model or "", c.calibre or "",
                          c.licence_id or "", f"{c.posterior:.3f}")
        out.print(table)
        out.print("Why (log-odds parts; the never-licensed hypothesis scores "
                  f"{r.never_licensed_score:.1f}):")
        for n, c in enumerate(r.candidates[:3], start=1):
            parts = ", ".join(f"{text} {value:+.1f}" for _name, value, text in c.parts if value)
            out.print(f"  {n}. {c.serial}: {parts} = {c.score:.1f}", highlight=False)
    else:
        out.print("No registry serial within two edits of the reading.")
    if r.chosen is None:
        return
    out.print(f"\nCustody of {r.chosen}:")
    for e in r.timeline:
        who = " -> ".join(x for x in (e.from_party, e.to_party) if x)
        extra = ", ".join(x for x in (e.region, e.document_ref) if x)
        line = f"  {e.occurred_at[:10]}  {e.event_type:<9} {who}" + (f"  [{extra}]" if extra else "")
        if e.void:
            line += "  (void: corrected)"
        out.print(line, highlight=False, style="dim" if e.void else None)
    if r.last_custodian:
        out.print(f"Last accountable custodian: [bold]{r.last_custodian_name}[/] ({r.last_custodian})")


def trace_headline(store: SqlStore, top: int = 5) -> list[str]:
    """Lines for the demo: how many recoveries traced to licensed weapons, top custodians.

    Reads the latest completed trace run from the store (run ``trace_all`` first).
    """
    statuses: Counter[str] = Counter()
    holders: Counter[str] = Counter()
    ts = TraceStore(store)
    for row in ts.latest():
        statuses[row["status"]] += 1
        if row["last_custodian_id"] and row["status"] in ("matched", "ambiguous"):
            holders[row["last_custodian_id"]] += 1
    total = sum(statuses.values())
    if not total:
        return ["No traces yet: run `armstrace trace`."]
    names = ts.parties()
    lines = [
        f"Traced {total:,} recoveries: {statuses['matched']:,} matched to a licensed weapon, "
        f"{statuses['ambiguous']:,} with several plausible licensed weapons (for review), "
        f"{statuses['unmatched']:,} never licensed as far as the registry shows, "
        f"{statuses['untraceable']:,} untraceable (serial unreadable or missing).",
    ]
    if holders:
        lines.append("Top last accountable custodians of traced weapons:")
        for n, (pid, count) in enumerate(holders.most_common(top), start=1):
            name = names[pid][0] if pid in names else pid
            lines.append(f"  {n}. {name} ({pid}): {count:,}")
    return lines
