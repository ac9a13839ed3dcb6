"""The analytics tables as plain rows with named columns: one definition for screen, CSV and report.

Each function turns a use case's result (``services.analytics``, ``reconciling``,
``coverage``, ``annual``, ``accountability``, ``splitting``) into a ``TableData``:
column names, raw cell values (numbers stay numbers, so a CSV keeps full
precision and the report's tables sort numerically), and the definition or
provenance to print under it. The command line prints them with rich or writes
them as CSV; the HTML report renders the same objects. Why one place: the
columns a user reads on screen, in a CSV and in the report must agree.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from armstrace.domain.splits import SplitGroup
from armstrace.services.accountability import AccountabilityBundle
from armstrace.services.analytics import DiversionTable, TimeToCrimeRow, TrendRow, YearCoverage
from armstrace.services.annual import AnnualTable, ReferenceComparison
from armstrace.services.coverage import CoverageFigure, PublishedShare
from armstrace.services.reconciling import (
    CustodianFlow,
    LicenceReconciliation,
    StateReconciliation,
    StoppingPoint,
)
from armstrace.services.reference_figures import state_names

__all__ = [
    "Cell",
    "TableData",
    "accountability_table",
    "annual_rows_table",
    "coverage_table",
    "custodian_flow_table",
    "licence_reconciliation_table",
    "published_shares_table",
    "rates_table",
    "reference_comparison_table",
    "splits_table",
    "state_reconciliation_table",
    "stopping_points_table",
    "time_to_crime_table",
    "trends_table",
    "write_table_csv",
    "year_coverage_table",
]

Cell = str | int | float | None


@dataclass(frozen=True)
class TableData:
    """A table as data: ``columns`` names, ``rows`` raw values, ``note`` says what it means."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    note: str = ""
    sources: tuple[str, ...] = field(default=())
    grade: str = ""

    def numeric(self, index: int) -> bool:
        """True when every non-empty cell of the column is a number (right-aligned, sorted as numbers)."""
        values = [r[index] for r in self.rows if r[index] is not None and r[index] != ""]
        return bool(values) and all(isinstance(v, int | float) for v in values)


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def write_table_csv(table: TableData, stream: TextIO) -> int:
    """Write ``table`` as CSV (header row, raw values; empty for None); returns data rows."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])
    return len(table.rows)


# ----------------------------------------------------------------------- diversion


def rates_table(t: DiversionTable, top: int | None = None) -> TableData:
    """Diversion rates, worst first, with the 95 % Wilson interval and P(above overall)."""
    rows: list[tuple[Cell, ...]] = []
    names = state_names() if t.group == "state" else {}
    for r in t.rows[:top] if top else t.rows:
        rows.append((r.rank, r.key, names.get(r.key, r.label), r.kind or "", r.region or "",
                     r.recovered, r.exposed,
                     _r(r.rate.estimate), _r(r.rate.wilson.low), _r(r.rate.wilson.high),
                     _r(r.rate.p_above, 3), r.median_ttc_days, r.recoveries))
    overall = t.overall
    note = (f"{t.definition}. Ranked by {t.ranking} (the 95% Wilson lower bound, so a small "
            f"count does not outrank a large one by ratio alone). Overall: {overall.k:,} of "
            f"{overall.n:,}. Minimum trace confidence {t.min_confidence:g}.")
    return TableData(f"rates-{t.group}", f"Diversion rates by {t.group}",
                     ("rank", t.group, "name", "kind", "state", "recovered (k)", "exposed (n)",
                      "rate", "low 95%", "high 95%", "P(above overall)", "median days to crime",
                      "recovery rows"),
                     rows, note, sources=t.provenance.sources, grade=t.provenance.grade)


def time_to_crime_table(rows: Sequence[TimeToCrimeRow]) -> TableData:
    """Time-to-crime summaries: quantiles, share under three years, counts per bin."""
    bins = [label for label, _n in rows[0].bins] if rows else []
    out: list[tuple[Cell, ...]] = []
    for r in rows:
        s = r.summary
        q = s.quantiles
        out.append((r.label, s.n, q.get(0.1), q.get(0.25), q.get(0.5), q.get(0.75), q.get(0.9),
                    _r(s.under_three_years.estimate), _r(s.under_three_years.low),
                    _r(s.under_three_years.high), *(n for _l, n in r.bins)))
    return TableData("time-to-crime", "Time to crime (days from last lawful custody to recovery)",
                     ("group", "weapons", "p10", "p25", "median", "p75", "p90", "under 3 years",
                      "low 95%", "high 95%", *bins), out,
                     "One value per recovered weapon naming a custodian; under three years is "
                     "the trafficking indicator (fewer than 1,096 days).")


def trends_table(rows: Sequence[TrendRow]) -> TableData:
    return TableData("trends", "Recovered weapons by year of recovery",
                     ("year", "group", "recovered", "median days to crime", "under 3 years",
                      "low 95%", "high 95%"),
                     [(r.year, r.label, r.recovered, r.median_ttc_days,
                       _r(r.under_three_years.estimate), _r(r.under_three_years.low),
                       _r(r.under_three_years.high)) for r in rows],
                     "Distinct recovered weapons whose trace names a custodian, by year of recovery.")


def year_coverage_table(rows: Sequence[YearCoverage]) -> TableData:
    return TableData("year-coverage", "Recoveries by year and how far they were traced",
                     ("year", "recoveries", "matched", "ambiguous", "unmatched", "untraceable",
                      "not traced", "licensed share", "low 95%", "high 95%", "naming a custodian",
                      "median days to crime"),
                     [(r.year, r.recoveries, r.matched, r.ambiguous, r.unmatched, r.untraceable,
                       r.not_traced, _r(r.licensed_share.estimate), _r(r.licensed_share.low),
                       _r(r.licensed_share.high), r.naming_custodian, r.median_ttc_days)
                      for r in rows],
                     "Licensed share = (matched + ambiguous) of the recoveries traced to a "
                     "conclusion, with its Wilson interval.")


# ------------------------------------------------------------------ reconciliation


def licence_reconciliation_table(rows: Sequence[LicenceReconciliation]) -> TableData:
    return TableData("reconcile-licence", "Reconciliation per licence",
                     ("licence", "exporter", "end user", "state", "licensed", "registered",
                      "shipped", "received", "transferred", "assigned", "lost or stolen",
                      "destroyed", "recovered", "problems"),
                     [(r.licence_id, r.exporter_id, r.end_user_id or "", r.state or "", r.licensed,
                       r.registered, r.shipped, r.received, r.transferred, r.assigned,
                       r.lost_or_stolen, r.destroyed, r.recovered, "; ".join(r.problems))
                      for r in rows],
                     "Licensed quantity against the custody ledger: items registered, shipped, "
                     "received by the consignee, transferred on, assigned to units, lost or "
                     "stolen, destroyed; recovered = distinct recovered weapons traced to it.")


def state_reconciliation_table(rows: Sequence[StateReconciliation]) -> TableData:
    return TableData("reconcile-state", "Reconciliation per state of the licences' end users",
                     ("state", "licences", "licensed", "registered", "shipped", "received",
                      "transferred", "assigned", "lost or stolen", "destroyed", "recovered",
                      "licences with problems"),
                     [(r.state or "federal / none", r.licences, r.licensed, r.registered, r.shipped,
                       r.received, r.transferred, r.assigned, r.lost_or_stolen, r.destroyed,
                       r.recovered, r.problems) for r in rows],
                     "Licence reconciliations summed over licences whose end user is in the state.")


def custodian_flow_table(rows: Sequence[CustodianFlow]) -> TableData:
    return TableData("reconcile-custodian", "What each custodian received and how it ended",
                     ("custodian", "name", "kind", "state", "received", "passed on", "lost",
                      "stolen", "destroyed", "recovered away", "on hand", "unconfirmed", "held",
                      "recovered"),
                     [(f.party_id, f.name, f.kind or "", f.region or "", f.received, f.passed_on,
                       f.lost, f.stolen, f.destroyed, f.recovered_away, f.on_hand, f.unconfirmed,
                       f.held, f.recovered) for f in rows],
                     "received = passed on + lost + stolen + destroyed + recovered away + on hand "
                     "(item spells); unconfirmed = shipped to it with no receipt recorded.")


def stopping_points_table(rows: Sequence[StoppingPoint]) -> TableData:
    return TableData("stopping-points", "Where custody trails stop",
                     ("gap", "party", "name", "kind", "state", "weapons", "recovered",
                      "must not stop here"),
                     [(s.gap, s.party_id, s.name, s.kind or "", s.region or "", s.items,
                       s.recovered, "yes" if s.stockpile else "") for s in rows],
                     "Custody gaps by party: the 2009 rifle's trail stopped at a state government. "
                     "'must not stop here' marks kinds that hand weapons on or hold stockpiles.")


# ---------------------------------------------------------------------- coverage


def published_shares_table(rows: Sequence[PublishedShare]) -> TableData:
    return TableData("published-shares", "U.S.-sourced share of traced firearms, as published",
                     ("period", "agency", "U.S.-sourced", "traced", "share", "low 95%", "high 95%",
                      "published %", "grade", "source"),
                     [(s.period, s.agency, s.positive, s.traced, _r(s.share), _r(s.interval.low),
                       _r(s.interval.high), s.published_pct, s.provenance.grade,
                       " ; ".join(s.provenance.sources)) for s in rows],
                     "Recomputed from mexico_traces_by_year.csv; the interval covers sampling "
                     "error only, among the traced.")


def coverage_table(rows: Sequence[CoverageFigure], key: str, title: str) -> TableData:
    return TableData(key, title,
                     ("figure", "period", "positive (k)", "examined (n)", "all (N)", "share of examined",
                      "bound low", "bound high", "missing at random", "half as likely", "grade",
                      "caveat", "source"),
                     [(f.label, f.period, f.positive, f.examined, f.total,
                       _r(f.positive / f.examined if f.examined else None), _r(f.bounds.low),
                       _r(f.bounds.high), _r(f.missing_at_random.estimate),
                       _r(f.alternative.estimate), f.provenance.grade, f.caveat,
                       " ; ".join(f.provenance.sources)) for f in rows],
                     "Bounds (Manski) hold whatever the unexamined were; 'missing at random' "
                     "assumes the unexamined are like the examined; 'half as likely' assumes they "
                     "are half as likely to be positive.")


# ------------------------------------------------------------------------ annual


def _usd(v: Decimal) -> float:
    return float(v)


def annual_rows_table(t: AnnualTable) -> TableData:
    return TableData("annual", "Authorised and shipped value by country and fiscal year "
                     "(Section 655 style)",
                     ("country", "fiscal year", "category", "authorised USD", "licences",
                      "licensed quantity", "shipped USD", "shipped items"),
                     [(r.country, r.fiscal_year, r.category or "all", _usd(r.authorised_usd),
                       r.authorised_licences, r.authorised_quantity, _usd(r.shipped_usd),
                       r.shipped_items) for r in t.rows],
                     f"{t.method}. Approved licences without a decision date: "
                     f"{t.undated_licences:,}; without a value: {t.unvalued_licences:,}.",
                     sources=t.provenance.sources, grade=t.provenance.grade)


def reference_comparison_table(rows: Sequence[ReferenceComparison]) -> TableData:
    return TableData("annual-reference", "Published Direct Commercial Sales figures beside the store's",
                     ("country", "fiscal year", "period", "measure", "unit", "published",
                      "stored USD", "grade", "source"),
                     [(r.country, r.fiscal_year, r.period, r.measure, r.unit, r.published,
                       _usd(r.stored_usd) if r.stored_usd is not None else None,
                       r.provenance.grade, " ; ".join(r.provenance.sources)) for r in rows],
                     "Every row of dcs_by_country_fy.csv with its grade and source; stored values "
                     "cover the store's licences only.")


# -------------------------------------------------------------- splits, bundles


def splits_table(groups: Sequence[SplitGroup]) -> TableData:
    return TableData("splits", "Licences suspected of splitting one order under a threshold",
                     ("group", "rule", "licences", "exporter", "order", "total USD",
                      "threshold USD", "category", "licence ids", "evidence"),
                     [(g.group_id, g.rule, len(g.members), g.exporter_id or "(several)",
                       g.purchase_order or "", float(g.total_usd), float(g.threshold_usd),
                       g.category, ", ".join(g.licence_ids), " | ".join(g.evidence))
                      for g in groups],
                     "Congressional notification thresholds: $1M USML Category I; $4M ECCN "
                     "0A501.a (whose rule forbids splitting or structuring contracts).")


def accountability_table(b: AccountabilityBundle) -> TableData:
    return TableData(f"accountability-{b.state}",
                     f"Accountability request: {b.state_name} ({b.state}), recoveries "
                     f"{b.period_start} to {b.period_end}",
                     ("recovery", "recovered on", "where", "serial as recorded", "serial as registered",
                      "licence", "exporter", "transferred on", "transferred to", "last custodian",
                      "days to crime", "trace"),
                     [(r.recovery_id, r.recovered_on, r.municipality or r.recovery_region,
                       r.serial_as_recorded, r.serial_as_registered, r.licence_id, r.exporter_name,
                       r.transferred_on, r.transferred_to_name, r.last_custodian_name,
                       r.time_to_crime_days, r.trace_status) for r in b.rows],
                     f"Recovered weapons traced to weapons transferred to {b.state_name}'s own "
                     f"authorities ({b.transferred_total:,} weapons ever taken into their custody).",
                     sources=b.provenance.sources, grade=b.provenance.grade)
