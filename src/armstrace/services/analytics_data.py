"""One read of the store for every analytics table: parties, current traces, the ledger's sums.

``load_dataset`` reads the store once (streamed where it is large) and keeps
only what the tables need: per-party and per-licence counts from the custody
ledger, and per-item detail only for the weapons that current traces name. The
use cases in ``services.analytics``, ``coverage``, ``accountability`` and
``annual`` take the resulting ``Dataset``, so a report that shows ten tables reads
the store once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.db.trace_store import TraceStore
from armstrace.domain.exposure import ItemExposure, item_exposure
from armstrace.domain.provenance import COMPUTED, Provenance
from armstrace.domain.reconciliation import Reconciliation, custody_gaps, reconcile_licence
from armstrace.domain.records import Licence

__all__ = ["STATE_AUTHORITY_KINDS", "Dataset", "LedgerFacts", "PartyInfo", "TracedRecovery",
           "custodian_weapons", "fiscal_year", "licence_of", "licence_weapons", "load_dataset"]

# Kinds of party that are a state's own authorities (an accountability request goes
# to them); federal bodies stationed in a state are not.
STATE_AUTHORITY_KINDS = frozenset({"state_government", "state_police", "municipal_police",
                                   "prosecutor", "court"})
# Trace statuses that say the recovered weapon is a licensed one.
LICENSED_STATUSES = frozenset({"matched", "ambiguous"})
NO_TRACE = "not_traced"


def fiscal_year(when: str) -> int:
    """U.S. federal fiscal year of an ISO date: Oct 1 - Sep 30, named by the year it ends."""
    year, month = int(when[:4]), int(when[5:7])
    return year + 1 if month >= 10 else year


@dataclass(frozen=True, slots=True)
class PartyInfo:
    """A party with the state it answers to (its own region, else its parent's)."""

    party_id: str
    name: str
    kind: str
    region: str | None
    parent_id: str | None


@dataclass(frozen=True, slots=True)
class TracedRecovery:
    """A recovery joined to its current trace (the latest completed run)."""

    recovery_id: str
    recovered_on: str
    region: str | None
    municipality: str | None
    serial: str | None
    status: str
    confidence: float
    item_id: str | None
    candidates: tuple[str, ...]
    licence_id: str | None
    last_custodian_id: str | None
    last_custody_at: str | None
    time_to_crime_days: int | None
    shared_custodian: bool
    run_id: str
    scorer_version: str

    @property
    def names_custodian(self) -> str | None:
        """The custodian this recovery counts against, or None.

        A matched trace counts for its last custodian; an ambiguous one only when
        every plausible candidate shares that custodian (the issue's rule).
        """
        if self.status == "matched" or (self.status == "ambiguous" and self.shared_custodian):
            return self.last_custodian_id or None
        return None

    @property
    def weapon_key(self) -> str:
        """One key per recovered weapon, so duplicate seizure rows count once."""
        if self.item_id:
            return self.item_id
        return "?" + ";".join(sorted(self.candidates))

    @property
    def items(self) -> tuple[str, ...]:
        """The matched item, or the ambiguous candidates."""
        return (self.item_id,) if self.item_id else self.candidates


@dataclass
class LedgerFacts:
    """Sums over the custody ledger, and detail for the items traces name.

    Per party: ``received`` (distinct items that entered its custody), ``held``
    (items whose trail ends with it: see ``domain.exposure``), and the way its
    spells ended. Per licence: registered items, the reconciliation, items first
    shipped in each fiscal year. ``stops``: items per (gap kind, party) from
    ``custody_gaps``, and how many of those a current matched trace names.
    """

    received: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)
    unconfirmed: Counter[str] = field(default_factory=Counter)
    ended: dict[str, Counter[str]] = field(default_factory=dict)  # end -> party -> items
    on_hand: Counter[str] = field(default_factory=Counter)
    registered: Counter[str] = field(default_factory=Counter)  # licence -> items
    reconciliations: dict[str, Reconciliation] = field(default_factory=dict)
    shipped: Counter[tuple[str, int]] = field(default_factory=Counter)  # (licence, FY) -> items
    stops: Counter[tuple[str, str]] = field(default_factory=Counter)
    stops_recovered: Counter[tuple[str, str]] = field(default_factory=Counter)
    exposures: dict[str, ItemExposure] = field(default_factory=dict)  # named items only
    item_licence: dict[str, str | None] = field(default_factory=dict)  # named items only
    registered_serial: dict[str, str] = field(default_factory=dict)  # named items only
    state_intake: Counter[str] = field(default_factory=Counter)  # state -> items its authorities got
    items: int = 0


@dataclass
class Dataset:
    store_url: str
    parties: dict[str, PartyInfo]
    licences: dict[str, Licence]
    traces: list[TracedRecovery]
    recoveries_by_year: Counter[int]
    status_by_year: Counter[tuple[int, str]]
    ledger: LedgerFacts
    runs: tuple[tuple[str, str], ...]  # (run_id, scorer_version) of the current traces

    @property
    def provenance(self) -> Provenance:
        runs = ", ".join(f"{r} ({v})" for r, v in self.runs) or "none"
        return Provenance((f"store {self.store_url}", f"trace runs: {runs}"), COMPUTED,
                          "computed from the store's records and its current traces")

    def party_name(self, party_id: str | None) -> str:
        if not party_id:
            return ""
        p = self.parties.get(party_id)
        return p.name if p is not None else party_id


_KEPT = ("recovery_id", "status", "confidence", "item_id", "candidates", "licence_id",
         "last_custodian_id", "last_custody_at", "time_to_crime_days", "shared_custodian",
         "run_id", "scorer_version")


def _parties(store: SqlStore) -> dict[str, PartyInfo]:
    raw = store.parties_info()
    out: dict[str, PartyInfo] = {}
    for pid, (name, kind, region, parent) in raw.items():
        seen = {pid}
        r, up = region, parent
        while r is None and up and up not in seen and up in raw:
            seen.add(up)
            r, up = raw[up][2], raw[up][3]
        out[pid] = PartyInfo(pid, name, kind, r, parent)
    return out


def _trace(row: dict[str, Any], rec: Any) -> TracedRecovery:
    cands = tuple(c for c in (row.get("candidates") or "").split(";") if c)
    ttc = row.get("time_to_crime_days")
    return TracedRecovery(
        row["recovery_id"], rec.recovered_on if rec is not None else "",
        rec.region if rec is not None else None, rec.municipality if rec is not None else None,
        rec.serial if rec is not None else None, row["status"], float(row["confidence"]),
        row.get("item_id") or None, cands, row.get("licence_id") or None,
        row.get("last_custodian_id") or None, row.get("last_custody_at") or None,
        int(ttc) if ttc is not None else None, bool(row.get("shared_custodian")),
        row["run_id"], row["scorer_version"])


def load_dataset(store: SqlStore) -> Dataset:
    """Read everything the analytics tables need from ``store``, once."""
    ts = TraceStore(store)
    parties = _parties(store)
    licences = store.licences_all()
    # Keep only what the tables read: the evidence JSON and reasons are most of a
    # trace row's size, and a store holds a trace per recovery.
    current = {row["recovery_id"]: {k: row[k] for k in _KEPT} for row in ts.latest()}
    by_year: Counter[int] = Counter()
    status: Counter[tuple[int, str]] = Counter()
    traces: list[TracedRecovery] = []
    runs: dict[str, str] = {}
    for rec in ts.recoveries():
        year = int(rec.recovered_on[:4])
        by_year[year] += 1
        row = current.pop(rec.recovery_id, None)
        if row is None:
            status[(year, NO_TRACE)] += 1
            continue
        status[(year, row["status"])] += 1
        runs[row["run_id"]] = row["scorer_version"]
        if row["status"] in LICENSED_STATUSES:
            traces.append(_trace(row, rec))
    named: set[str] = set()
    for tr in traces:
        named.update(tr.items)
    ledger = _scan_ledger(store, parties, licences, named, traces)
    return Dataset(store.url, parties, licences, traces, by_year, status, ledger,
                   tuple(sorted(runs.items())))


def _scan_ledger(store: SqlStore, parties: dict[str, PartyInfo], licences: dict[str, Licence],
                 named: set[str], traces: Iterable[TracedRecovery]) -> LedgerFacts:
    facts = LedgerFacts()
    kinds = {pid: p.kind for pid, p in parties.items()}
    authority_state = {pid: p.region for pid, p in parties.items()
                       if p.kind in STATE_AUTHORITY_KINDS and p.region}
    named_at: set[tuple[str, str]] = set()  # (item, custodian) pairs the traces name
    matched: set[str] = set()  # items surely recovered (a matched trace names them)
    for tr in traces:
        who = tr.names_custodian
        if who:
            named_at.update((i, who) for i in tr.items)
        if tr.status == "matched" and tr.item_id:
            matched.add(tr.item_id)
    for licence_id, chains in store.chains_by_licence():
        if licence_id is not None:
            facts.registered[licence_id] += len(chains)
            licence = licences.get(licence_id)
            if licence is not None:
                facts.reconciliations[licence_id] = reconcile_licence(licence, chains)
        for item_id, events in chains.items():
            facts.items += 1
            exp = item_exposure(item_id, events)
            for s in exp.spells:
                facts.received[s.party_id] += 1
                if s.end is None:
                    facts.on_hand[s.party_id] += 1
                    if not s.confirmed:
                        facts.unconfirmed[s.party_id] += 1
                else:
                    facts.ended.setdefault(s.end, Counter())[s.party_id] += 1
            if exp.final_custodian:
                facts.held[exp.final_custodian] += 1
            states = {authority_state[s.party_id] for s in exp.spells if s.party_id in authority_state}
            facts.state_intake.update(states)
            if exp.first_ship_at and licence_id is not None:
                facts.shipped[(licence_id, fiscal_year(exp.first_ship_at))] += 1
            for gap in custody_gaps(events, kinds):
                key = (gap.kind, gap.party_id or "")
                facts.stops[key] += 1
                if item_id in matched:
                    facts.stops_recovered[key] += 1
            if item_id in named:
                facts.exposures[item_id] = exp
                facts.item_licence[item_id] = licence_id
    if named:
        for item in TraceStore(store).registry():
            if item.item_id in named:
                facts.registered_serial[item.item_id] = item.serial
    # A trace may name a custodian for an item whose recorded trail ends elsewhere
    # (events dated after the recovery); count it as held there too, so k <= n.
    for item_id, who in named_at:
        named_exp = facts.exposures.get(item_id)
        if named_exp is not None and named_exp.final_custodian != who:
            facts.held[who] += 1
    return facts


# ------------------------------------------------------- counts the tables share


WeaponCounts = tuple[dict[str, set[str]], Counter[str], dict[str, list[int]]]


def custodian_weapons(ds: Dataset, min_confidence: float = 0.0) -> WeaponCounts:
    """Per custodian a trace counts against (``names_custodian``): the distinct weapon
    keys, the raw number of recovery rows, and one time-to-crime per weapon."""
    weapons: dict[str, set[str]] = defaultdict(set)
    rows: Counter[str] = Counter()
    ttc: dict[str, list[int]] = defaultdict(list)
    for tr in ds.traces:
        who = tr.names_custodian
        if who is None or tr.confidence < min_confidence:
            continue
        rows[who] += 1
        if tr.weapon_key not in weapons[who] and tr.time_to_crime_days is not None:
            ttc[who].append(tr.time_to_crime_days)
        weapons[who].add(tr.weapon_key)
    return weapons, rows, ttc


def licence_of(ds: Dataset, tr: TracedRecovery) -> str | None:
    """The trace's licence; for an ambiguous trace, the licence all candidates share, if any."""
    if tr.licence_id:
        return tr.licence_id
    licences = {ds.ledger.item_licence.get(i) for i in tr.items}
    return licences.pop() if len(licences) == 1 else None


def licence_weapons(ds: Dataset, min_confidence: float = 0.0) -> WeaponCounts:
    """As ``custodian_weapons``, per licence (``licence_of``), whoever the last custodian."""
    weapons: dict[str, set[str]] = defaultdict(set)
    rows: Counter[str] = Counter()
    ttc: dict[str, list[int]] = defaultdict(list)
    for tr in ds.traces:
        if tr.confidence < min_confidence:
            continue
        lic = licence_of(ds, tr)
        if lic is None:
            continue
        rows[lic] += 1
        if tr.weapon_key not in weapons[lic] and tr.time_to_crime_days is not None:
            ttc[lic].append(tr.time_to_crime_days)
        weapons[lic].add(tr.weapon_key)
    return weapons, rows, ttc
