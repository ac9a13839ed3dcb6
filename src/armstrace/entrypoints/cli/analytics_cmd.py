"""``armstrace rates | reconcile | coverage | accountability | annual``: the analytics tables.

Thin: parse, call the use cases in ``services`` (through ``services.report_tables``,
which names each table's columns once for screen, CSV and report), format. A
rich table on screen; ``--output`` writes the same columns as CSV with full
precision. Each command is registered in ``main.py`` with one line.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from armstrace.adapters.db.store import SqlStore
from armstrace.bootstrap import open_store
from armstrace.entrypoints.cli.common import DbOption, fail, out, user_errors
from armstrace.services import analytics, annual, coverage, reconciling
from armstrace.services import report_tables as rt
from armstrace.services.accountability import accountability_bundle, state_bundles, write_csv
from armstrace.services.analytics_data import Dataset, load_dataset
from armstrace.services.reference_figures import state_names

__all__ = ["accountability_command", "annual_command", "coverage_command", "load_traced",
           "print_table", "rates_command", "reconcile_command"]

OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write the table as CSV (same columns, full precision) to this file.")]
TopOption = Annotated[int, typer.Option("--top", min=0, help="Rows to show on screen (0 = all); "
                                        "the CSV always has every row.")]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Columns printed as they are (no thousands separator).
_PLAIN = {"rank", "year", "fiscal year"}


def load_traced(db: str | None) -> Dataset:
    """Open the store and read the analytics dataset; a store with no traces is a user mistake."""
    store: SqlStore = open_store(db)
    if store.count("recoveries") == 0:
        fail("the store holds no recoveries; import recoveries.csv, then run `armstrace trace`")
    ds = load_dataset(store)
    if not ds.runs:
        fail("the store holds no traces yet; run `armstrace trace` first")
    return ds


def _cell(column: str, value: rt.Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int):
        return str(value) if column in _PLAIN else f"{value:,}"
    if isinstance(value, float):
        if column.endswith("USD"):
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3f}".rstrip("0").rstrip(".") if value else "0"
    return value


def print_table(table: rt.TableData, top: int = 0, columns: tuple[str, ...] | None = None) -> None:
    """Print ``table`` (its first ``top`` rows, all when 0) with the note under it."""
    show = columns or table.columns
    index = [table.columns.index(c) for c in show]
    view = Table(title=table.title, title_justify="left")
    rows = table.rows[:top] if top else table.rows
    cells = [[_cell(table.columns[i], row[i]) for i in index] for row in rows]
    for j, i in enumerate(index):
        name = table.columns[i]
        widest = max([len(c[j]) for c in cells] + [max(len(w) for w in name.split())])
        if table.numeric(i):  # numbers are never cut; their headers wrap between words
            header = name if len(name) <= widest else name.replace(" ", "\n")
            view.add_column(Text(header, justify="right"), justify="right", no_wrap=True,
                            min_width=widest)
        else:  # long names are cut on screen; the CSV keeps them whole
            view.add_column(name, overflow="ellipsis", no_wrap=True, max_width=34,
                            min_width=min(widest, 6))
    for c in cells:
        view.add_row(*c)
    out.print(view)
    if top and len(table.rows) > top:
        out.print(f"({top} of {len(table.rows):,} rows shown; --top 0 or --output for all)")
    if table.note:
        out.print(f"[dim]{table.note}[/]", highlight=False)
    if table.grade:
        out.print(f"[dim]grade: {table.grade}; source: {'; '.join(table.sources)}[/]",
                  highlight=False)


def _check_output(output: Path | None) -> None:
    if output is not None and not output.parent.resolve().is_dir():
        fail(f"{output.parent}: no such folder for --output")


def _write(table: rt.TableData, output: Path | None) -> None:
    if output is None:
        return
    with open(output, "w", newline="", encoding="utf-8") as f:
        n = rt.write_table_csv(table, f)
    out.print(f"{table.key}: {output} ({n:,} rows)")


def rates_command(
    db: DbOption = None,
    by: Annotated[str, typer.Option(help="Group by custodian, kind, state, licence or exporter.")]
    = "custodian",
    denominator: Annotated[str, typer.Option(
        help="exposed (default: weapons whose trail ends with a keeping custodian; all received "
        "for brokers, SEDENA, exporters), held, or received.")] = "exposed",
    min_confidence: Annotated[float, typer.Option(
        "--min-confidence", min=0.0, max=1.0, help="Leave out traces below this confidence.")] = 0.0,
    top: TopOption = 20,
    output: OutputOption = None,
) -> None:
    """Diversion rates with 95% intervals, ranked so that 2 of 3 does not outrank 200 of 400."""
    if by not in analytics.GROUPS:
        fail(f"--by {by!r}: use one of {', '.join(analytics.GROUPS)}")
    if denominator not in analytics.DENOMINATORS:
        fail(f"--denominator {denominator!r}: use one of {', '.join(analytics.DENOMINATORS)}")
    _check_output(output)
    with user_errors():
        ds = load_traced(db)
        table = rt.rates_table(analytics.diversion_rates(ds, by, min_confidence=min_confidence,
                                                         denominator=denominator))
    extra = {"custodian": ("kind", "state"), "state": ("state",)}.get(by, ())
    shown = ("rank", "name", *extra, "recovered (k)",
             "exposed (n)", "rate", "low 95%", "high 95%", "median days to crime")
    print_table(table, top, shown)
    _write(table, output)


_RECONCILE = ("licence", "state", "custodian", "stops")


def reconcile_command(
    db: DbOption = None,
    by: Annotated[str, typer.Option(
        help="licence, state, custodian, or stops (where custody trails stop).")] = "stops",
    top: TopOption = 25,
    output: OutputOption = None,
) -> None:
    """Licensed vs shipped vs received vs transferred vs assigned; where custody trails stop."""
    if by not in _RECONCILE:
        fail(f"--by {by!r}: use one of {', '.join(_RECONCILE)}")
    _check_output(output)
    with user_errors():
        store = open_store(db)
        if store.count("items") == 0:
            fail("the store holds no licensed items; import items.csv and custody_events.csv first")
        ds = load_dataset(store)
        if by == "licence":
            table = rt.licence_reconciliation_table(reconciling.licence_reconciliation(ds))
        elif by == "state":
            table = rt.state_reconciliation_table(reconciling.state_reconciliation(ds))
        elif by == "custodian":
            table = rt.custodian_flow_table(reconciling.custodian_flows(ds))
        else:
            table = rt.stopping_points_table(reconciling.stopping_points(ds))
    print_table(table, top, tuple(c for c in table.columns if c not in ("party", "custodian",
                                                                         "exporter", "end user")))
    _write(table, output)


def coverage_command(
    db: DbOption = None,
    output: OutputOption = None,
) -> None:
    """Coverage-aware shares: published U.S.-sourced shares with bounds, and the store's own.

    The published figures (ATF traces, 68,161 of 99,691 in 2007-2011) need no store; the
    store's licensed share is added when it holds traces.
    """
    _check_output(output)
    published = rt.published_shares_table(coverage.published_shares())
    print_table(published, 0, ("period", "agency", "U.S.-sourced", "traced", "share", "low 95%",
                               "high 95%", "published %", "grade"))
    figures = coverage.reference_coverage()
    yearly: list[coverage.CoverageFigure] = []
    with user_errors():
        store = open_store(db)
        if store.count("recoveries"):
            yearly = coverage.store_coverage(load_dataset(store))
    # On screen the store's whole period only; the CSV has every year too.
    shown = [*figures, *yearly[-1:]]
    table = rt.coverage_table(shown, "coverage", "Shares with the bounds the sample supports")
    print_table(table, 0, ("figure", "period", "positive (k)", "examined (n)", "all (N)",
                           "share of examined", "bound low", "bound high", "missing at random",
                           "half as likely", "grade"))
    for f in shown:
        if f.caveat:
            out.print(f"[dim]{f.period} {f.label}: {f.caveat}[/]", highlight=False)
    _write(rt.coverage_table([*figures, *yearly], "coverage",
                             "Shares with the bounds the sample supports"), output)


def _state_code(value: str) -> str:
    code = value.strip().upper()
    if not code.startswith("MX-"):
        code = f"MX-{code}"
    if code not in state_names():
        fail(f"--state {value!r}: not a Mexican state code; use ISO 3166-2, e.g. MX-MIC, MX-JAL")
    return code


def _date(option: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r}: not a date; use YYYY-MM-DD")
    return value


def _langs(value: str) -> tuple[str, ...]:
    langs = tuple(x.strip().lower() for x in value.split(",") if x.strip())
    bad = [x for x in langs if x not in ("es", "en")]
    if bad or not langs:
        fail(f"--lang {value!r}: use es, en or es,en")
    return langs


def accountability_command(
    output_dir: Annotated[Path, typer.Option(
        "--output-dir", "-o", help="Folder for the CSV and the PDF letters (created if missing).")],
    db: DbOption = None,
    state: Annotated[str | None, typer.Option(
        help="State (ISO 3166-2, e.g. MX-MIC). Default: every state with recoveries to explain.")]
    = None,
    start: Annotated[str | None, typer.Option(
        "--from", help="First recovery date (YYYY-MM-DD). Default: the earliest.")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="Last recovery date (YYYY-MM-DD). Default: the latest.")] = None,
    lang: Annotated[str, typer.Option(help="Letter languages: es, en or es,en.")] = "es,en",
    dated: Annotated[str | None, typer.Option(
        "--dated", help="Date printed on the letters (YYYY-MM-DD). Default: today.")] = None,
) -> None:
    """Regional accountability bundle: recovered weapons traced to a state's own authorities,
    as CSV and as a PDF letter in Spanish and English, one per state."""
    from armstrace.adapters.reports.pdf_letters import write_letters

    code = _state_code(state) if state is not None else None
    start, end, dated = _date("--from", start), _date("--to", end), _date("--dated", dated)
    langs = _langs(lang)
    if start and end and start > end:
        fail(f"--from {start} is after --to {end}")
    if output_dir.exists() and not output_dir.is_dir():
        fail(f"{output_dir}: exists and is not a folder")
    with user_errors():
        ds = load_traced(db)
        days = sorted(t.recovered_on[:10] for t in ds.traces)
        first, last = start or (days[0] if days else "1900-01-01"), end or (days[-1] if days
                                                                             else "1900-01-01")
        bundles = ([accountability_bundle(ds, code, first, last)] if code
                   else state_bundles(ds, first, last))
        if not bundles:
            fail(f"no recovery between {first} and {last} is traced to a weapon transferred to a "
                 "state's authorities; nothing to ask for")
        output_dir.mkdir(parents=True, exist_ok=True)
        issued = date.fromisoformat(dated) if dated else None
        summary = Table(title=f"Accountability requests, recoveries {first} to {last}",
                        title_justify="left")
        for column in ("state", "weapons", "licences", "received by the state", "files"):
            summary.add_column(column, justify="right" if column in ("weapons", "licences",
                                                                    "received by the state")
                               else "left")
        for b in bundles:
            csv_path = output_dir / f"accountability-{b.state}.csv"
            with open(csv_path, "w", newline="", encoding="utf-8") as f:
                write_csv(b, f)
            pdfs = write_letters(b, output_dir, langs, issued=issued)
            summary.add_row(f"{b.state_name} ({b.state})", f"{len(b.rows):,}",
                            f"{len(b.licences):,}", f"{b.transferred_total:,}",
                            ", ".join(p.name for p in (csv_path, *pdfs)))
    out.print(summary)
    out.print(f"Written to {output_dir.resolve()}")


def annual_command(
    db: DbOption = None,
    by_category: Annotated[bool, typer.Option(
        "--by-category/--all-categories", help="One row per USML/ECCN category, or totals.")] = True,
    reference: Annotated[bool, typer.Option(
        "--reference", help="Also show every published DCS figure beside the store's.")] = False,
    output: OutputOption = None,
) -> None:
    """Authorised and shipped value by country and fiscal year, in the style of the Section 655
    report, from the stored licences and custody ledger."""
    _check_output(output)
    with user_errors():
        store = open_store(db)
        if store.count("licences") == 0:
            fail("the store holds no licences; import licences.csv first")
        ds = load_dataset(store)
        table = rt.annual_rows_table(annual.annual_table(ds, by_category=by_category))
        comparison = rt.reference_comparison_table(annual.reference_comparison(ds)) if reference \
            else None
    print_table(table)
    if comparison is not None:
        print_table(comparison, 0, ("country", "fiscal year", "period", "measure", "published",
                                    "stored USD", "grade"))
    _write(table, output)
