"""Reconciliation: licensed vs shipped vs received vs transferred vs assigned, and where trails stop.

Use cases over a ``Dataset`` (``services.analytics_data.load_dataset``), built on
``domain.reconciliation``: per licence (its ``Reconciliation`` with who and
where), per state (licences summed by the state of their end user), per
custodian (what entered its custody and how each spell ended), and the
stopping points (custody gaps by party: the 2009 rifle's trail stopped at the
state government of Michoacán).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from armstrace.domain.reconciliation import STOCKPILE_KINDS
from armstrace.services.analytics_data import Dataset, custodian_weapons, licence_weapons

__all__ = [
    "CustodianFlow",
    "LicenceReconciliation",
    "StateReconciliation",
    "StoppingPoint",
    "custodian_flows",
    "licence_reconciliation",
    "state_reconciliation",
    "stopping_points",
]


@dataclass(frozen=True, slots=True)
class LicenceReconciliation:
    """``domain.reconciliation.Reconciliation`` of one licence, with who and where."""

    licence_id: str
    exporter_id: str
    end_user_id: str | None
    state: str | None
    licensed: int | None
    registered: int
    shipped: int
    received: int
    transferred: int
    assigned: int
    lost_or_stolen: int
    destroyed: int
    recovered: int
    problems: tuple[str, ...]


def licence_reconciliation(ds: Dataset) -> list[LicenceReconciliation]:
    """Licensed vs registered vs shipped vs received vs transferred vs assigned, per licence.

    ``recovered`` = distinct recovered weapons traced to the licence.
    """
    weapons, _rows, _ttc = licence_weapons(ds, 0.0)
    out = []
    for lic_id in sorted(ds.ledger.reconciliations):
        r = ds.ledger.reconciliations[lic_id]
        lic = ds.licences[lic_id]
        end_user = ds.parties.get(lic.end_user_id) if lic.end_user_id else None
        out.append(LicenceReconciliation(
            lic_id, lic.exporter_id, lic.end_user_id, end_user.region if end_user else None,
            r.licensed, r.registered, r.shipped, r.received, r.transferred, r.assigned,
            r.lost_or_stolen, r.destroyed, len(weapons.get(lic_id, ())), r.problems))
    return out


@dataclass(frozen=True, slots=True)
class StateReconciliation:
    """Licence reconciliations summed over licences whose end user is in the state.

    ``problems``: how many of those licences have at least one problem.
    """

    state: str
    licences: int
    licensed: int
    registered: int
    shipped: int
    received: int
    transferred: int
    assigned: int
    lost_or_stolen: int
    destroyed: int
    recovered: int
    problems: int


def state_reconciliation(ds: Dataset) -> list[StateReconciliation]:
    """Per state of the licences' end users ("" = federal end users or none recorded)."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * 11)
    for r in licence_reconciliation(ds):
        s = sums[r.state or ""]
        for i, v in enumerate((1, r.licensed or 0, r.registered, r.shipped, r.received,
                               r.transferred, r.assigned, r.lost_or_stolen, r.destroyed,
                               r.recovered, 1 if r.problems else 0)):
            s[i] += v
    return [StateReconciliation(state, *v) for state, v in sorted(sums.items())]


@dataclass(frozen=True, slots=True)
class CustodianFlow:
    """What entered a custodian's custody and how each spell ended.

    received = passed_on + lost + stolen + destroyed + recovered_away + on_hand,
    each counted in distinct item spells; ``unconfirmed`` of ``on_hand`` were
    shipped to it with no receipt recorded. ``held`` (weapons whose trail ends
    with it) and ``recovered`` are the diversion table's n and k for custodians
    that keep weapons.
    """

    party_id: str
    name: str
    kind: str | None
    region: str | None
    received: int
    passed_on: int
    lost: int
    stolen: int
    destroyed: int
    recovered_away: int
    on_hand: int
    unconfirmed: int
    held: int
    recovered: int


def custodian_flows(ds: Dataset) -> list[CustodianFlow]:
    """One row per party that ever held a weapon, most received first."""
    led = ds.ledger
    weapons, _rows, _ttc = custodian_weapons(ds, 0.0)
    ended = {k: led.ended.get(k, Counter()) for k in ("passed_on", "loss", "theft", "destroy",
                                                       "recover")}
    out = []
    for pid in led.received:
        p = ds.parties.get(pid)
        out.append(CustodianFlow(
            pid, ds.party_name(pid), p.kind if p else None, p.region if p else None,
            led.received[pid], ended["passed_on"][pid], ended["loss"][pid], ended["theft"][pid],
            ended["destroy"][pid], ended["recover"][pid], led.on_hand[pid], led.unconfirmed[pid],
            led.held[pid], len(weapons.get(pid, ()))))
    out.sort(key=lambda f: (-f.received, f.party_id))
    return out


@dataclass(frozen=True, slots=True)
class StoppingPoint:
    """Where trails stop: items with one kind of custody gap at one party.

    ``recovered`` of them are named by a current matched trace. ``stockpile`` marks the
    kinds where a trail must not stop (``STOCKPILE_KINDS``: the 2009 rifle ended
    at a state government).
    """

    gap: str
    party_id: str
    name: str
    kind: str | None
    region: str | None
    items: int
    recovered: int
    stockpile: bool


def stopping_points(ds: Dataset) -> list[StoppingPoint]:
    """Every (gap kind, party) with its item count, most items first."""
    out = []
    for (gap, pid), items in ds.ledger.stops.items():
        p = ds.parties.get(pid)
        kind = p.kind if p else None
        out.append(StoppingPoint(gap, pid, ds.party_name(pid) or "unrecorded party", kind,
                                 p.region if p else None, items,
                                 ds.ledger.stops_recovered.get((gap, pid), 0),
                                 kind in STOCKPILE_KINDS))
    out.sort(key=lambda s: (-s.items, s.gap, s.party_id))
    return out
