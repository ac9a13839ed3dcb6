"""Where diversion happens: rates per custodian and group, time-to-crime, trends by year.

Use cases over a ``Dataset`` (``services.analytics_data.load_dataset``). They
return plain rows, never print, and every table carries its definition and its
provenance (which store, which trace runs, which scorer). Reconciliation and
the points where trails stop are in ``services.reconciling``.

Definitions (docs: the report shows ``DiversionTable.definition`` under the table):

- **Recovered weapons of a custodian (k)**: distinct weapons whose current
  trace is ``matched`` with it as last custodian, or ``ambiguous`` with every
  plausible candidate sharing it as last custodian (``shared_custodian``).
  Duplicate seizure rows of one weapon count once (``recoveries`` keeps the raw
  count); an ambiguous weapon is keyed by its candidate set.
- **Weapons exposed (n)**, the default denominator: for a custodian whose role
  is to keep weapons (police units, state governments, military units,
  prosecutors...), the distinct weapons whose documented lawful trail ends with
  it (``held``: still held there, lost, stolen or destroyed there, or recovered
  after it held them; see ``domain.exposure``); for one whose role is to hand
  them on (``TRANSIT_KINDS``: brokers, customs brokers, the import authority,
  exporters), every weapon that entered its custody (``received``). Why: a
  state government that handed 85 % of its weapons to police units within weeks
  was not exposed to them the way the units were; rated on everything it
  received, its own armoury's losses disappear. But a broker's trail should
  never end with it, so rated on ``held`` alone every broker would look like a
  sieve (every weapon that stopped there is by definition a loss).
  ``denominator="held"`` or ``"received"`` applies one rule to every kind;
  ``bench/accuracy_ranking.py`` compares the three on simulated worlds. Both
  counts are shown beside the rate.
- **Kind and state**: sums over the custodians of that kind, and of that state
  (a party's region, else its parent's; "" for federal bodies).
- **Licence and exporter**: n = weapons registered under the licence (or the
  exporter's licences), k = distinct recovered weapons traced to them, whoever
  the last custodian was (ambiguous only when all candidates share the licence).
- **Ranking**: by ``domain.statistics.rank_key`` (the 95 % Wilson lower bound),
  so 2 of 3 does not outrank 200 of 400. ``p_above`` is the posterior
  probability (Jeffreys prior) that the rate exceeds the overall rate of the table.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from armstrace.domain.provenance import Provenance
from armstrace.domain.statistics import (
    RANKING_METHOD,
    THREE_YEARS_DAYS,
    Interval,
    RateEstimate,
    TimeToCrime,
    rank_key,
    rate_estimate,
    time_to_crime_summary,
    wilson_interval,
)
from armstrace.services.analytics_data import (
    NO_TRACE,
    Dataset,
    TracedRecovery,
    custodian_weapons,
    licence_of,
    licence_weapons,
)

__all__ = [
    "DENOMINATORS",
    "GROUPS",
    "TRANSIT_KINDS",
    "DiversionRate",
    "DiversionTable",
    "TimeToCrimeRow",
    "TrendRow",
    "YearCoverage",
    "diversion_rates",
    "time_to_crime",
    "trends_by_year",
    "year_coverage",
]

GROUPS = ("custodian", "kind", "state", "licence", "exporter")
DENOMINATORS = ("exposed", "held", "received")
# Kinds whose role is to hand weapons on, never to keep them: every weapon that
# passed through one was exposed to it, and none should stop there.
TRANSIT_KINDS = frozenset({"manufacturer", "exporter", "broker", "customs_broker",
                           "import_authority", "dealer"})
# Time-to-crime bins in days: [lower, upper) with labels the report can print.
TTC_BINS: tuple[tuple[int, int | None, str], ...] = (
    (0, 365, "< 1 year"), (365, 730, "1-2 years"), (730, THREE_YEARS_DAYS, "2-3 years"),
    (THREE_YEARS_DAYS, 1826, "3-5 years"), (1826, 3652, "5-10 years"), (3652, None, "10+ years"))


@dataclass(frozen=True, slots=True)
class DiversionRate:
    """One row of a diversion table. ``rank`` is 1 for the worst (see the module doc)."""

    rank: int
    key: str
    label: str
    kind: str | None
    region: str | None
    recovered: int
    recoveries: int
    exposed: int
    held: int | None
    received: int | None
    rate: RateEstimate
    median_ttc_days: float | None


@dataclass(frozen=True, slots=True)
class DiversionTable:
    group: str
    denominator: str
    rows: tuple[DiversionRate, ...]
    overall: RateEstimate
    ranking: str
    definition: str
    min_confidence: float
    provenance: Provenance


_DEFINITIONS = {
    "custodian": "k = distinct recovered weapons whose current trace names the custodian as last "
                 "custodian (matched, or ambiguous with every candidate sharing it); n = weapons "
                 "exposed to it: for custodians that keep weapons, those whose documented lawful "
                 "trail ends with it (held, lost, stolen, destroyed or recovered there); for "
                 "brokers, customs brokers, the import authority and exporters, every weapon that "
                 "entered their custody",
    "kind": "sums of the custodian table over custodians of each kind",
    "state": "sums of the custodian table over custodians of each state (own region, else "
             "parent's; '' = federal or no region)",
    "licence": "k = distinct recovered weapons traced to the licence (any last custodian); "
               "n = weapons registered under it",
    "exporter": "k = distinct recovered weapons traced to the exporter's licences; n = weapons "
                "registered under them",
}


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    return time_to_crime_summary(values).quantiles[0.5]


def _exposed(ds: Dataset, pid: str, denominator: str) -> int:
    led = ds.ledger
    if denominator == "received":
        return led.received.get(pid, 0)
    if denominator == "exposed":
        p = ds.parties.get(pid)
        if p is not None and p.kind in TRANSIT_KINDS:
            return max(led.received.get(pid, 0), led.held.get(pid, 0))
    return led.held.get(pid, 0)


def diversion_rates(ds: Dataset, group: str = "custodian", *, min_confidence: float = 0.0,
                    denominator: str = "exposed") -> DiversionTable:
    """Diversion rates per ``group`` (one of ``GROUPS``), ranked worst first.

    Rows with no weapon exposed and no recovery are left out (nothing to rate).
    ``min_confidence`` drops traces below that confidence; ``denominator`` is one
    of ``DENOMINATORS`` (see the module doc).
    """
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; use one of {', '.join(GROUPS)}")
    if denominator not in DENOMINATORS:
        raise ValueError(f"unknown denominator {denominator!r}; use one of "
                         f"{', '.join(DENOMINATORS)}")
    keys: dict[str, tuple[str, str | None, str | None]] = {}  # key -> label, kind, region
    k_sets: dict[str, set[str]] = defaultdict(set)
    k_rows: Counter[str] = Counter()
    n: Counter[str] = Counter()
    held: Counter[str] = Counter()
    received: Counter[str] = Counter()
    by_party = group in ("custodian", "kind", "state")
    ttc: dict[str, list[int]] = defaultdict(list)
    if by_party:
        weapons, rows, days = custodian_weapons(ds, min_confidence)
        led = ds.ledger
        for pid in set(led.held) | set(weapons) | set(led.received):
            p = ds.parties.get(pid)
            kind = p.kind if p is not None else None
            region = p.region if p is not None else None
            if group == "custodian":
                key, label = pid, ds.party_name(pid)
                keys[key] = (label, kind, region)
            elif group == "kind":
                key = kind or "unknown"
                keys[key] = (key, key, None)
            else:
                key = region or ""
                keys[key] = (key or "federal / no region", None, region)
            # Party keys are distinct, so sets stay disjoint within a kind or state.
            k_sets[key].update(f"{pid}|{w}" for w in weapons.get(pid, ()))
            k_rows[key] += rows.get(pid, 0)
            n[key] += _exposed(ds, pid, denominator)
            held[key] += led.held.get(pid, 0)
            received[key] += led.received.get(pid, 0)
            ttc[key].extend(days.get(pid, ()))
    else:
        weapons, rows, days = licence_weapons(ds, min_confidence)
        for lic, registered in ds.ledger.registered.items():
            licence = ds.licences.get(lic)
            key = lic if group == "licence" else (licence.exporter_id if licence else "unknown")
            label = lic if group == "licence" else ds.party_name(key)
            keys[key] = (label, None, None)
            n[key] += registered
        for lic, ws in weapons.items():
            licence = ds.licences.get(lic)
            key = lic if group == "licence" else (licence.exporter_id if licence else "unknown")
            keys.setdefault(key, (lic if group == "licence" else ds.party_name(key), None, None))
            k_sets[key].update(f"{lic}|{w}" for w in ws)
            k_rows[key] += rows[lic]
            ttc[key].extend(days.get(lic, ()))
    total_k = sum(len(v) for v in k_sets.values())
    total_n = sum(max(n[key], len(k_sets[key])) for key in keys)
    overall_rate = total_k / total_n if total_n else None
    unranked = []
    for key, (label, kind, region) in keys.items():
        k = len(k_sets[key])
        exposed = max(n[key], k)
        if exposed == 0:
            continue
        est = rate_estimate(k, exposed, overall_rate)
        unranked.append((rank_key(k, exposed), key, label, kind, region, k, exposed, est))
    unranked.sort(key=lambda r: (tuple(-x for x in r[0]), r[1]))
    out = tuple(
        DiversionRate(i + 1, key, label, kind, region, k, k_rows[key], exposed,
                      held[key] if by_party else None, received[key] if by_party else None, est,
                      _median(ttc[key]))
        for i, (_rk, key, label, kind, region, k, exposed, est) in enumerate(unranked))
    overall = rate_estimate(total_k, total_n) if total_n else rate_estimate(0, 0)
    definition = _DEFINITIONS[group]
    if by_party and denominator != "exposed":
        definition += f" [denominator overridden: n = {denominator} for every kind]"
    return DiversionTable(group, denominator, out, overall, RANKING_METHOD, definition,
                          min_confidence, ds.provenance)


# ------------------------------------------------------------------ time to crime


@dataclass(frozen=True, slots=True)
class TimeToCrimeRow:
    key: str
    label: str
    summary: TimeToCrime
    bins: tuple[tuple[str, int], ...]


def _grouper(ds: Dataset, by: str | None) -> Callable[[TracedRecovery], tuple[str, str] | None]:
    def custodian(tr: TracedRecovery) -> tuple[str, str] | None:
        who = tr.names_custodian
        return (who, ds.party_name(who)) if who else None

    def kind(tr: TracedRecovery) -> tuple[str, str] | None:
        who = tr.names_custodian
        if not who:
            return None
        p = ds.parties.get(who)
        k = p.kind if p is not None else "unknown"
        return (k, k)

    def state(tr: TracedRecovery) -> tuple[str, str] | None:
        who = tr.names_custodian
        if not who:
            return None
        p = ds.parties.get(who)
        r = (p.region if p is not None else None) or ""
        return (r, r or "federal / no region")

    def exporter(tr: TracedRecovery) -> tuple[str, str] | None:
        lic = licence_of(ds, tr)
        licence = ds.licences.get(lic) if lic else None
        if licence is None:
            return None
        return (licence.exporter_id, ds.party_name(licence.exporter_id))

    def everything(tr: TracedRecovery) -> tuple[str, str] | None:
        return ("all", "all traced recoveries") if tr.names_custodian else None

    table = {None: everything, "custodian": custodian, "kind": kind, "state": state,
             "exporter": exporter}
    if by not in table:
        raise ValueError(f"unknown grouping {by!r}")
    return table[by]


def _bins(days: Iterable[int]) -> tuple[tuple[str, int], ...]:
    counts = Counter[str]()
    for d in days:
        for lo, hi, label in TTC_BINS:
            if d >= lo and (hi is None or d < hi):
                counts[label] += 1
                break
    return tuple((label, counts[label]) for _lo, _hi, label in TTC_BINS)


def time_to_crime(ds: Dataset, by: str | None = None) -> list[TimeToCrimeRow]:
    """Time-to-crime of the recoveries that name a custodian, overall or per group.

    One value per recovered weapon (duplicate seizure rows count once). Groups:
    None (all), "custodian", "kind", "state", "exporter". Largest groups first.
    """
    key_of = _grouper(ds, by)
    days: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for tr in ds.traces:
        group = key_of(tr)
        if group is None or (group[0], tr.weapon_key) in seen:
            continue
        seen.add((group[0], tr.weapon_key))
        days[group].append(tr.time_to_crime_days)
    rows = []
    for (key, label), values in days.items():
        summary = time_to_crime_summary(values)
        rows.append(TimeToCrimeRow(key, label, summary,
                                   _bins(d for d in values if d is not None and d >= 0)))
    rows.sort(key=lambda r: (-r.summary.n, r.key))
    return rows


# ---------------------------------------------------------------------- trends


@dataclass(frozen=True, slots=True)
class YearCoverage:
    """Per recovery year: how many recoveries, how far traced, how many licensed.

    ``licensed_share`` is (matched + ambiguous) among the recoveries traced to a
    conclusion (matched, ambiguous, unmatched), with its Wilson interval;
    untraceable and not-yet-traced recoveries are the unexamined part
    (see ``services.coverage.store_coverage`` for the bounds).
    """

    year: int
    recoveries: int
    matched: int
    ambiguous: int
    unmatched: int
    untraceable: int
    not_traced: int
    licensed_share: Interval
    naming_custodian: int
    median_ttc_days: float | None


def year_coverage(ds: Dataset) -> list[YearCoverage]:
    """One row per recovery year, oldest first."""
    ttc: dict[int, list[int]] = defaultdict(list)
    naming: Counter[int] = Counter()
    seen: set[str] = set()
    for tr in ds.traces:
        if tr.names_custodian and tr.weapon_key not in seen:
            seen.add(tr.weapon_key)
            year = int(tr.recovered_on[:4])
            naming[year] += 1
            if tr.time_to_crime_days is not None:
                ttc[year].append(tr.time_to_crime_days)
    out = []
    for year in sorted(ds.recoveries_by_year):
        s = {st: ds.status_by_year.get((year, st), 0)
             for st in ("matched", "ambiguous", "unmatched", "untraceable", NO_TRACE)}
        k = s["matched"] + s["ambiguous"]
        n = k + s["unmatched"]
        out.append(YearCoverage(year, ds.recoveries_by_year[year], s["matched"], s["ambiguous"],
                                s["unmatched"], s["untraceable"], s[NO_TRACE],
                                wilson_interval(k, n), naming[year], _median(ttc[year])))
    return out


@dataclass(frozen=True, slots=True)
class TrendRow:
    """Recovered weapons per recovery year and group, with their time-to-crime."""

    year: int
    key: str
    label: str
    recovered: int
    median_ttc_days: float | None
    under_three_years: Interval


def trends_by_year(ds: Dataset, by: str | None = "kind") -> list[TrendRow]:
    """Recovered weapons naming a custodian, per year and group (None, custodian, kind, state,
    exporter), ordered by year then key."""
    key_of = _grouper(ds, by)
    cells: dict[tuple[int, str, str], list[int | None]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for tr in ds.traces:
        group = key_of(tr)
        if group is None or (group[0], tr.weapon_key) in seen:
            continue
        seen.add((group[0], tr.weapon_key))
        cells[(int(tr.recovered_on[:4]), *group)].append(tr.time_to_crime_days)
    out = []
    for (year, key, label), values in sorted(cells.items()):
        s = time_to_crime_summary(values)
        out.append(TrendRow(year, key, label, len(values), s.quantiles.get(0.5),
                            s.under_three_years))
    return out
