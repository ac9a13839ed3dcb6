"""The risk queue: which licences or custodians to check first, and why.

Gathers ``RiskFacts`` from the store (one analytics ``Dataset`` for traces and
reconciliations, one more pass over the custody ledger for who held what and the
loss and theft reports, the recoveries' obliteration and circumstance, the split
groups, and the outcomes of finished checks), runs the red flags, estimates the
weights, scores every subject and cuts the queue at the budget. The rules live
in ``domain.red_flags`` and ``domain.risk``; this module only wires them.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from armstrace.adapters.db import tables as t
from armstrace.adapters.db.check_store import CheckStore
from armstrace.adapters.db.store import SqlStore
from armstrace.domain.checks import CheckOutcome, outcomes
from armstrace.domain.custody import live_events
from armstrace.domain.red_flags import (
    CUSTODIAN,
    LICENCE,
    NOT_CUSTODIANS,
    OBLITERATED,
    LossFact,
    RecoveryFact,
    RiskFacts,
    evaluate,
)
from armstrace.domain.risk import (
    RISK_VERSION,
    RiskScore,
    Weight,
    check_queue,
    estimate_weights,
    score_subjects,
)
from armstrace.domain.vocabulary import CUSTODY_TAKING
from armstrace.services.analytics_data import Dataset, licence_of, load_dataset
from armstrace.services.splitting import find_splits

__all__ = ["CSV_COLUMNS", "LEVELS", "RiskReport", "budget_for", "crime_scene_licences",
           "gather_facts", "licence_names", "risk_report", "write_queue_csv"]

LEVELS = (LICENCE, CUSTODIAN)
# Licences that never let anything leave: nothing to check after shipment.
CLOSED_STATUSES = frozenset({"denied", "returned_without_action"})
CSV_COLUMNS = ("rank", "subject_kind", "subject_id", "name", "score", "suggested_check",
               "flags", "reasons", "evidence", "value_usd", "weapons_received", "risk_version")


@dataclass
class RiskReport:
    """Scores of every subject at one level, the weights used, and the queue."""

    level: str
    budget: int
    scores: list[RiskScore]
    queue: list[RiskScore]
    weights: dict[str, Weight]
    open_checks: set[str]
    names: dict[str, str]
    suggested: dict[str, str]
    licences: int
    version: str = RISK_VERSION


def budget_for(licences: int, budget: int | None, share: float | None) -> int:
    """N checks: ``budget`` if given, else ``share`` of the licences (at least 1)."""
    if budget is not None:
        return budget
    return max(1, math.ceil((share if share is not None else 0.01) * licences - 1e-9))


def _recovery_flags(store: SqlStore, ids: Sequence[str]) -> dict[str, tuple[bool, str | None]]:
    """recovery_id -> (serial obliterated or partly, circumstance), for the traced ones only
    (a store holds a hundred seizures of never-licensed weapons for each licensed one)."""
    r = t.recoveries
    wanted = sorted(set(ids))
    out: dict[str, tuple[bool, str | None]] = {}
    with store.connection() as conn:
        for start in range(0, len(wanted), 900):
            query = select(r.c.recovery_id, r.c.serial_obliterated, r.c.circumstance).where(
                r.c.recovery_id.in_(wanted[start:start + 900]))
            out.update((row[0], ((row[1] or "").lower() in OBLITERATED, row[2]))
                       for row in conn.execute(query))
    return out


def _ledger_pass(store: SqlStore) -> tuple[dict[str, dict[str, str]], list[LossFact]]:
    """Per licence: every party that took custody of one of its items (first event id);
    and every live loss or theft report."""
    parties: dict[str, dict[str, str]] = defaultdict(dict)
    losses: list[LossFact] = []
    for licence_id, chains in store.chains_by_licence():
        for item_id, events in chains.items():
            for e in live_events(events):
                if e.event_type in CUSTODY_TAKING and e.to_party_id and licence_id:
                    parties[licence_id].setdefault(e.to_party_id, e.event_id)
                elif e.event_type in ("loss", "theft"):
                    losses.append(LossFact(e.event_id, e.event_type, e.from_party_id, licence_id,
                                           item_id))
    return dict(parties), losses


def gather_facts(store: SqlStore, ds: Dataset | None = None) -> tuple[RiskFacts, Dataset,
                                                                     list[CheckOutcome]]:
    """Everything the red flags read, from the store (``ds`` reused when given)."""
    ds = ds if ds is not None else load_dataset(store)
    flags = _recovery_flags(store, [tr.recovery_id for tr in ds.traces])
    recs = []
    for tr in ds.traces:
        obliterated, circumstance = flags.get(tr.recovery_id, (False, None))
        recs.append(RecoveryFact(tr.recovery_id, tr.weapon_key, licence_of(ds, tr),
                                 tr.names_custodian, tr.time_to_crime_days, obliterated,
                                 circumstance))
    custody, losses = _ledger_pass(store)
    stockpiled: dict[str, int] = defaultdict(int)
    for (gap, pid), n in ds.ledger.stops.items():
        if gap == "received_not_assigned" and pid:
            stockpiled[pid] += n
    split_groups = {lid: g.group_id for g in find_splits(store) for lid in g.licence_ids}
    cs = CheckStore(store)
    done = outcomes(cs.checks(), cs.findings())
    results: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for o in done:
        if not o.open:
            results[(o.check.subject_kind, o.check.subject_id)].append((o.check.check_id, o.finding))
    facts = RiskFacts(
        licences=ds.licences,
        party_kinds={pid: p.kind for pid, p in ds.parties.items()},
        party_parent={pid: p.parent_id for pid, p in ds.parties.items()},
        custody_parties=custody,
        reconciliation_problems={lid: r.problems for lid, r in ds.ledger.reconciliations.items()},
        unconfirmed=dict(ds.ledger.unconfirmed),
        stockpiled=dict(stockpiled),
        losses=losses,
        recoveries=recs,
        split_groups=split_groups,
        check_outcomes=dict(results),
    )
    return facts, ds, done


def crime_scene_licences(store: SqlStore, ds: Dataset | None = None) -> dict[str, str]:
    """Licences with licensed serials recovered at crime scenes -> the reason in words."""
    facts, _ds, _done = gather_facts(store, ds)
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for r in facts.recoveries:
        if r.licence_id and r.circumstance == "crime_scene":
            found[r.licence_id].setdefault(r.weapon_key, r.recovery_id)
    out = {}
    for lid, weapons in found.items():
        ids = sorted(weapons.values())
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        out[lid] = f"{len(ids)} licensed serial(s) recovered at crime scenes: {shown}"
    return out


def _subjects(level: str, facts: RiskFacts, ds: Dataset) -> dict[str, float]:
    """Who can be checked at this level, with the size that breaks ties."""
    if level == LICENCE:
        return {lid: float(lic.value_usd or 0) for lid, lic in facts.licences.items()
                if (lic.status or "approved") not in CLOSED_STATUSES}
    out = {pid: float(n) for pid, n in ds.ledger.received.items()
           if facts.party_kinds.get(pid) not in NOT_CUSTODIANS}
    for lic in facts.licences.values():
        for p in (lic.consignee_id, lic.end_user_id):
            if p and facts.party_kinds.get(p) not in NOT_CUSTODIANS:
                out.setdefault(p, 0.0)
    return out


def _suggest(level: str, sid: str, facts: RiskFacts) -> str:
    """Pre-licence for a licence still pending; otherwise post-shipment."""
    if level == LICENCE:
        lic = facts.licences.get(sid)
        if lic is not None and lic.status == "pending":
            return "pre_licence"
    return "post_shipment"


Gathered = tuple[RiskFacts, Dataset, list[CheckOutcome]]


def risk_report(store: SqlStore, level: str = LICENCE, *, budget: int | None = None,
                share: float | None = None, ds: Dataset | None = None,
                gathered: Gathered | None = None) -> RiskReport:
    """Score every licence (or custodian) and cut the check queue at the budget.

    ``gathered`` (from ``gather_facts``) lets a caller that wants both levels read
    the store once.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: use licence or custodian")
    facts, ds, done = gathered if gathered is not None else gather_facts(store, ds)
    flags = evaluate(facts)
    subjects = _subjects(level, facts, ds)
    recovered = {r.licence_id if level == LICENCE else r.custodian_id for r in facts.recoveries}
    checked = {o.check.subject_id: o.finding == "unfavourable" for o in done
               if not o.open and o.check.subject_kind == level}
    weights = estimate_weights(level, subjects, flags, {s for s in recovered if s}, checked)
    scores = score_subjects(level, subjects, flags, weights)
    open_ids = {o.check.subject_id for o in done if o.open and o.check.subject_kind == level}
    n = budget_for(len(facts.licences), budget, share)
    queue = check_queue(scores, n, open_ids)
    names = {pid: p.name for pid, p in ds.parties.items()}
    suggested = {s.subject_id: _suggest(level, s.subject_id, facts) for s in queue}
    return RiskReport(level, n, scores, queue, weights, open_ids, names, suggested,
                      len(facts.licences))


def subject_name(report: RiskReport, store_licences: dict[str, str], sid: str) -> str:
    """Licence: exporter -> end user; custodian: its name."""
    if report.level == LICENCE:
        return store_licences.get(sid, "")
    return report.names.get(sid, "")


def write_queue_csv(report: RiskReport, path: Path, licence_names: dict[str, str]) -> int:
    """One row per queued subject, best first, with every reason; returns rows written.

    ``evidence`` lists every record behind every flag (``flag=id,id | flag=...``),
    so each point of a score can be followed back to the licence, event or
    recovery it came from.
    """
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for rank, s in enumerate(report.queue, 1):
            lic = report.level == LICENCE
            w.writerow([rank, s.subject_kind, s.subject_id,
                        subject_name(report, licence_names, s.subject_id), f"{s.score:.3f}",
                        report.suggested.get(s.subject_id, ""),
                        ";".join(p.evidence.flag for p in s.points), " | ".join(s.reasons),
                        " | ".join(f"{p.evidence.flag}=" + ",".join(p.evidence.records)
                                   for p in s.points),
                        f"{s.size:.2f}" if lic else "", "" if lic else f"{s.size:.0f}",
                        report.version])
    return len(report.queue)


def licence_names(store: SqlStore) -> dict[str, str]:
    """licence -> "exporter -> end user" in party names, for reading the queue."""
    ds_parties = store.parties_info()
    out = {}
    for lid, lic in store.licences_all().items():
        exp = ds_parties.get(lic.exporter_id, (lic.exporter_id,))[0]
        eu = ds_parties.get(lic.end_user_id or "", (lic.end_user_id or "?",))[0]
        out[lid] = f"{exp} -> {eu}"
    return out
