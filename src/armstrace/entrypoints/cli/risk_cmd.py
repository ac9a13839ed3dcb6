"""``armstrace risk`` (the budgeted check queue) and ``armstrace checks ...`` (case records).

Thin: parse, call ``services.risk`` / ``services.checks``, format. Registered in
``main.py`` with ``app.command("risk")(risk_command)`` and
``app.add_typer(checks_app, name="checks")``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from armstrace.bootstrap import open_store
from armstrace.domain.checks import CheckError
from armstrace.domain.red_flags import BY_CODE, CUSTODIAN, LICENCE
from armstrace.domain.risk import RISK_VERSION
from armstrace.domain.vocabulary import CHECK_FINDINGS, CHECK_TYPES, UNFAVOURABLE_CAUSES
from armstrace.entrypoints.cli.common import DbOption, fail, out, user_errors
from armstrace.services.checks import CheckService
from armstrace.services.ports import SystemClock
from armstrace.services.risk import (
    RiskReport,
    crime_scene_licences,
    licence_names,
    risk_report,
    write_queue_csv,
)

__all__ = ["checks_app", "risk_command"]

checks_app = typer.Typer(help="End-use check case records: open a check on a licence or "
                         "custodian, record findings (append-only), list, annual summary.",
                         no_args_is_help=True)

REASONS_SHOWN = 3


def risk_command(
    db: DbOption = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the queue as CSV: rank, subject, score, suggested check, "
        "flags and every reason with its evidence.")] = None,
    budget: Annotated[int | None, typer.Option(
        "--budget", "-n", min=1, help="How many checks there is budget for (N).")] = None,
    share: Annotated[float | None, typer.Option(
        "--share", min=0.0, max=1.0, help="N as a share of stored licences (default 0.01, as "
        "~705 checks for ~81,000 applications).")] = None,
    by: Annotated[str, typer.Option(
        "--by", help="Rank licences or custodians.")] = LICENCE,
    weights: Annotated[bool, typer.Option(
        "--weights", help="Also print each flag's weight: prior, what outcomes say, used.")]
    = False,
) -> None:
    """The check queue: which licences (or custodians) to check first, and why.

    Red flags from docs/domain.md fire with their evidence; each weighs in log-odds
    points learnt from outcomes (finished checks, traced recoveries) shrunk to stated
    priors (risk_v1, see docs/risk.md).
    """
    if by not in (LICENCE, CUSTODIAN):
        fail(f"--by {by!r}: use licence or custodian")
    if budget is not None and share is not None:
        fail("give --budget or --share, not both")
    if output is not None and not output.parent.resolve().is_dir():
        fail(f"{output.parent}: no such folder for --output")
    with user_errors():
        store = open_store(db)
        if store.count("licences") == 0:
            fail("the store holds no licences; import licences.csv first")
        report = risk_report(store, by, budget=budget, share=share)
        names = licence_names(store)
        rows = write_queue_csv(report, output, names) if output is not None else 0
    _print_queue(report, names)
    if weights:
        _print_weights(report)
    skipped = f"; {len(report.open_checks)} with a check already open left out" \
        if report.open_checks else ""
    out.print(f"{len(report.queue)} of {len(report.scores):,} {by}s queued for a budget of "
              f"{report.budget} check(s) ({report.version}{skipped}).", highlight=False)
    if output is not None:
        out.print(f"risk queue CSV: {output} ({rows} rows)", highlight=False)


def _print_queue(report: RiskReport, names: dict[str, str]) -> None:
    table = Table(title=f"Check queue by {report.level} ({report.version})", title_justify="left")
    for column in ("#", report.level, "name", "score", "check", "top reasons"):
        table.add_column(column, justify="right" if column in ("#", "score") else "left")
    for rank, s in enumerate(report.queue, 1):
        name = names.get(s.subject_id, "") if report.level == LICENCE else report.names.get(
            s.subject_id, "")
        top = sorted(s.points, key=lambda p: -p.points)[:REASONS_SHOWN]
        table.add_row(str(rank), s.subject_id, name, f"{s.score:.2f}",
                      CHECK_TYPES[report.suggested.get(s.subject_id, "post_shipment")].en,
                      "\n".join(f"{p.points:+.1f} {BY_CODE[p.evidence.flag].label}" for p in top))
    out.print(table)


def _print_weights(report: RiskReport) -> None:
    table = Table(title=f"Flag weights at the {report.level} level", title_justify="left")
    table.add_column("flag", no_wrap=True)
    for column in ("prior", "outcomes say", "weight"):
        table.add_column(column, justify="right")
    table.add_column("from")
    for w in report.weights.values():
        table.add_row(BY_CODE[w.flag].version, f"{w.prior:+.2f}",
                      "-" if w.llr is None else f"{w.llr:+.2f}", f"{w.weight:+.2f}", w.source)
    out.print(table)


OnOption = Annotated[str | None, typer.Option(
    "--on", help="Date (YYYY-MM-DD) when it happened, for checks recorded after the fact. "
    "Default: now.")]


def _day(on: str | None) -> str | None:
    """``--on`` as canonical ISO text, or None for now; a bad date is a user error."""
    if on is None:
        return None
    try:
        return date.fromisoformat(on).isoformat()
    except ValueError:
        fail(f"--on {on!r}: not a date (YYYY-MM-DD)")


def _service(db: str | None) -> CheckService:
    return CheckService(open_store(db), SystemClock())


@checks_app.command("open")
def checks_open(
    db: DbOption = None,
    licence: Annotated[str | None, typer.Option("--licence", help="Licence to check.")] = None,
    custodian: Annotated[str | None, typer.Option(
        "--custodian", help="Custodian (party id) to check.")] = None,
    check_type: Annotated[str, typer.Option(
        "--type", help="pre_licence, pre_shipment or post_shipment.")] = "post_shipment",
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is opened.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who opens it.")] = None,
    on: OnOption = None,
    from_recoveries: Annotated[bool, typer.Option(
        "--from-recoveries", help="Open a post-shipment check on every licence with licensed "
        "serials recovered at crime scenes that has no check yet.")] = False,
) -> None:
    """Open an end-use check on a licence or a custodian (or, with --from-recoveries, on
    every licence whose serials were recovered at crime scenes)."""
    if from_recoveries:
        if licence is not None or custodian is not None:
            fail("--from-recoveries opens checks on licences itself; leave out --licence/--custodian")
        with user_errors(CheckError):
            store = open_store(db)
            opened = CheckService(store, SystemClock()).open_for_recoveries(
                crime_scene_licences(store), risk_version=RISK_VERSION)
        out.print(f"Opened {len(opened)} post-shipment check(s) on licences with serials recovered "
                  "at crime scenes" + (f": {opened[0].check_id} to {opened[-1].check_id}."
                                       if opened else " (every such licence already has one)."),
                  highlight=False)
        return
    if (licence is None) == (custodian is None):
        fail("give exactly one of --licence or --custodian")
    kind, subject = (LICENCE, licence) if licence is not None else (CUSTODIAN, custodian)
    with user_errors(CheckError):
        check = _service(db).open(kind, subject or "", check_type, reason=reason, opened_by=by,
                                  opened_at=_day(on))
    out.print(f"Opened {check.check_id}: {CHECK_TYPES[check.check_type].en} check of {kind} "
              f"{subject} ({check.opened_at[:10]}).", highlight=False)


@checks_app.command("record")
def checks_record(
    check_id: Annotated[str, typer.Argument(help="The check, e.g. CHK-2026-00001.")],
    finding: Annotated[str, typer.Option(
        "--finding", help=f"{', '.join(CHECK_FINDINGS)}.")],
    cause: Annotated[list[str] | None, typer.Option(
        "--cause", help=f"Unfavourable cause, repeatable: {', '.join(UNFAVOURABLE_CAUSES)}.")]
    = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Free text.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who records it.")] = None,
    on: OnOption = None,
    db: DbOption = None,
) -> None:
    """Record a finding on a check (a new row; earlier findings stay in its history)."""
    with user_errors(CheckError):
        f = _service(db).record(check_id, finding, cause or (), notes=notes, recorded_by=by,
                                recorded_at=_day(on))
    causes = f" ({', '.join(UNFAVOURABLE_CAUSES[c].en for c in f.causes)})" if f.causes else ""
    out.print(f"{check_id}: {CHECK_FINDINGS[f.finding].en}{causes}, recorded "
              f"{f.recorded_at[:10]}.", highlight=False)


@checks_app.command("list")
def checks_list(
    db: DbOption = None,
    subject: Annotated[str | None, typer.Option(
        "--subject", help="Only the checks of this licence or party.")] = None,
    only_open: Annotated[bool, typer.Option("--open", help="Only checks still pending.")] = False,
) -> None:
    """Every check with its current outcome and history."""
    with user_errors(CheckError):
        found = _service(db).list_checks(subject, only_open=only_open)
    if not found:
        out.print("No checks recorded.")
        return
    table = Table(title="End-use checks", title_justify="left")
    for column in ("check", "opened", "type", "subject", "outcome", "causes", "findings"):
        table.add_column(column, justify="right" if column == "findings" else "left")
    for o in found:
        c = o.check
        table.add_row(c.check_id, c.opened_at[:10], CHECK_TYPES[c.check_type].en,
                      f"{c.subject_kind} {c.subject_id}", CHECK_FINDINGS[o.finding].en,
                      ", ".join(UNFAVOURABLE_CAUSES[x].en for x in o.causes),
                      str(len(o.history)))
    out.print(table)


@checks_app.command("summary")
def checks_summary(
    db: DbOption = None,
    fy: Annotated[int | None, typer.Option(
        "--fy", help="Only this U.S. fiscal year (Oct 1 - Sep 30, named by its end).")] = None,
) -> None:
    """Checks by fiscal year, type and outcome, like the Blue Lantern annual reports."""
    with user_errors(CheckError):
        rows, causes = _service(db).summary(fy)
    if not rows:
        out.print("No checks recorded" + (f" in FY{fy}." if fy else "."))
        return
    table = Table(title="End-use checks by fiscal year", title_justify="left")
    for column in ("FY", "type", "favourable", "unfavourable", "pending", "total"):
        table.add_column(column, justify="left" if column == "type" else "right")
    for r in rows:
        table.add_row(str(r.fiscal_year), CHECK_TYPES[r.check_type].en, str(r.favourable),
                      str(r.unfavourable), str(r.pending), str(r.total))
    out.print(table)
    for year, counts in causes.items():
        out.print(f"FY{year} unfavourable causes: " + ", ".join(
            f"{UNFAVOURABLE_CAUSES[c].en} {n}" for c, n in counts.items()), highlight=False)

