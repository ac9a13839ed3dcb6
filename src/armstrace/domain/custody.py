"""Custody reasoning over one item's events: chain, holder, last custodian, sequencing.

Everything here is pure and works on one item's ``CustodyEvent`` records as the
ledger holds them (append-only, corrections are new events). What is missing from
a trail (gaps) and the sums over many items (licence reconciliation, holdings)
live in ``armstrace.domain.reconciliation``, built on ``CustodyFold``.

Corrections follow GS1 EPCIS ``errorDeclaration`` in spirit. An event of type
``correction`` with ``corrects_event_id=X`` retracts X; an event of any other type
with ``corrects_event_id=X`` replaces X (X is void, the new event stands). Voiding
is applied in record order and is permanent: retracting a correction marks the
correction void but does not bring back what it voided. Void events stay in the
chain, marked, and are ignored by every rule.

Dates are canonical ISO 8601 strings compared as text, so a date-only value is the
start of its day: it sorts before every datetime of the same day. ``holder_at``
counts events dated on or before ``when``; ``last_lawful_custodian`` counts events
dated strictly before ``before``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from armstrace.domain.records import CustodyEvent
from armstrace.domain.vocabulary import CUSTODY_ENDING, CUSTODY_TAKING

__all__ = [
    "ChainEntry",
    "Custody",
    "CustodyFold",
    "SequenceProblem",
    "custody_chain",
    "holder_at",
    "last_lawful_custodian",
    "live_events",
    "sequence_problems",
    "surely_possible",
]

by_time = attrgetter("occurred_at")  # chain order key (sort is stable)


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """One event of a chain; ``voided_by`` names the event that retracted or replaced it."""

    event: CustodyEvent
    void: bool
    voided_by: str | None


@dataclass(frozen=True, slots=True)
class Custody:
    """Who held the item, from which event on.

    ``confirmed`` is False when the party was only shipped to and no receipt is
    recorded. ``ended_by``/``ended_at``/``end_type`` are set only by
    ``last_lawful_custodian`` when this custody ended in a loss, theft or
    destruction: the party stays accountable and the ending event is noted.
    """

    party_id: str
    since: str
    event_id: str
    confirmed: bool
    ended_by: str | None = None
    ended_at: str | None = None
    end_type: str | None = None


@dataclass(frozen=True, slots=True)
class SequenceProblem:
    """Why a new event cannot be accepted given the item's other events."""

    event_id: str
    reason: str


# --------------------------------------------------------------------------- chains


def _voids(events: Sequence[CustodyEvent]) -> dict[str, str]:
    """Map each voided event id to the first event (in record order) that voided it."""
    voided: dict[str, str] = {}
    for e in events:
        target = e.corrects_event_id
        if target and target != e.event_id and target not in voided:
            voided[target] = e.event_id
    return voided


def custody_chain(events: Iterable[CustodyEvent]) -> list[ChainEntry]:
    """One item's events in chain order (occurred_at, then record order), corrections applied.

    Nothing is dropped: void events are kept and marked.
    """
    evs = list(events)
    voided = _voids(evs)
    evs.sort(key=by_time)  # stable: ties keep record order
    out: list[ChainEntry] = []
    append = out.append
    for e in evs:
        by = voided.get(e.event_id)
        append(ChainEntry(e, by is not None, by))
    return out


def live_events(events: Iterable[CustodyEvent]) -> list[CustodyEvent]:
    """The events that stand (not void), in chain order: what reasoning works on."""
    evs = list(events)
    voided = _voids(evs)
    evs.sort(key=by_time)
    if not voided:
        return evs
    return [e for e in evs if e.event_id not in voided]


# ----------------------------------------------------------------------- custody fold


class CustodyFold:
    """The custody rules, applied one live event at a time in chain order.

    ``holder`` is who lawfully holds the item now (None before the first event,
    after a loss, theft or destruction, or after a recovery to no known party);
    ``last`` the last party with documented lawful custody, kept through an ending
    and marked with it; ``ended`` the unrecovered loss, theft or destroy, if any.
    Custody-taking events hand the item to ``to_party_id`` (a ship unconfirmed);
    an inventory by the holder confirms it, by another party makes that party the
    holder; a recover reopens custody, to ``to_party_id`` if given.
    """

    __slots__ = ("ended", "holder", "last")

    def __init__(self) -> None:
        self.holder: Custody | None = None  # who lawfully holds it now
        self.last: Custody | None = None  # last documented lawful custodian
        self.ended: CustodyEvent | None = None  # unrecovered loss/theft/destroy

    def apply(self, e: CustodyEvent) -> CustodyEvent | None:
        """Apply one event. Returns the ending event it follows when it is out of place.

        After a loss, theft or destruction only a recover reopens custody; any other
        event is ignored (and returned as out of place). A recover after a
        destruction reopens custody too, but is itself out of place.
        """
        t = e.event_type
        if t == "correction":
            return None
        ended = self.ended
        if ended is not None:
            if t != "recover":
                return ended
            self.ended = None
            self._recover(e)
            return ended if ended.event_type == "destroy" else None
        to = e.to_party_id
        if t in CUSTODY_TAKING:
            if to:
                self.holder = self.last = Custody(to, e.occurred_at, e.event_id, t != "ship")
        elif t == "inventory":
            if to:
                h = self.holder
                if h is None or h.party_id != to:
                    h = Custody(to, e.occurred_at, e.event_id, True)
                elif not h.confirmed:
                    h = Custody(to, h.since, h.event_id, True)
                self.holder = self.last = h
        elif t in CUSTODY_ENDING:
            self._end(e)
        elif t == "recover":
            self._recover(e)
        return None

    def _end(self, e: CustodyEvent) -> None:
        h = self.holder
        accountable = e.from_party_id or (h.party_id if h is not None else None)
        base: Custody | None
        if h is not None and h.party_id == accountable:
            base = h
        elif accountable:
            base = Custody(accountable, e.occurred_at, e.event_id, True)
        else:
            base = self.last
        if base is not None:
            self.last = Custody(
                base.party_id,
                base.since,
                base.event_id,
                base.confirmed,
                e.event_id,
                e.occurred_at,
                e.event_type,
            )
        self.holder = None
        self.ended = e

    def _recover(self, e: CustodyEvent) -> None:
        to = e.to_party_id
        if to:
            self.holder = self.last = Custody(to, e.occurred_at, e.event_id, True)
        else:
            self.holder = None


def holder_at(events: Iterable[CustodyEvent], when: str) -> Custody | None:
    """The lawful holder at ``when`` (events dated on or before it count).

    None before the first event, and after a loss, theft or destruction until a
    recover hands the item to a known party.
    """
    fold = CustodyFold()
    for e in live_events(events):
        if e.occurred_at > when:
            break
        fold.apply(e)
    return fold.holder


def last_lawful_custodian(events: Iterable[CustodyEvent], before: str) -> Custody | None:
    """The last party with documented lawful custody strictly before ``before``.

    ``before`` is usually a recovery date. If custody ended in a loss, theft or
    destruction, the party that held it then stays accountable and is returned
    with ``ended_by``/``ended_at``/``end_type`` set. A shipment counts as custody
    of the consignee with ``confirmed=False``.
    """
    fold = CustodyFold()
    for e in live_events(events):
        if e.occurred_at >= before:
            break
        fold.apply(e)
    return fold.last


# --------------------------------------------------------------------- sequencing


def _surely_after(a: str, b: str) -> bool:
    """True when date ``a`` is certainly later than ``b``; date-only values compare by day."""
    if len(a) == 10 or len(b) == 10:
        return a[:10] > b[:10]
    return a > b


def sequence_problems(
    stored: Sequence[CustodyEvent], new: Sequence[CustodyEvent]
) -> list[SequenceProblem]:
    """The events among ``new`` that cannot have happened, given the item's ``stored`` events.

    Stored events are trusted. Only the impossible is rejected, never the merely
    undocumented: a correction that names no known event (or itself); an event
    dated after the item was destroyed (or a new destroy dated before an event
    already recorded); a receive by P dated before the earliest ship or transfer to
    P. Void events (retracted or replaced) constrain nothing and are not judged,
    and a correction may be dated before what it corrects. A bad new row never gets
    a good one rejected: when a receive precedes its ship, the receive is rejected.
    Dates compare by day when either is date-only. At most one problem per event,
    in the order of ``new``.
    """
    if not new:
        return []
    reasons: list[str | None] = [None] * len(new)
    known = {e.event_id for e in stored}
    known.update(e.event_id for e in new)

    # 1. corrections must point at a known event other than themselves
    for i, e in enumerate(new):
        target = e.corrects_event_id
        if target == e.event_id:
            reasons[i] = f"event {e.event_id} corrects itself"
        elif e.event_type == "correction":
            if not target:
                reasons[i] = "correction does not name the event it corrects"
            elif target not in known:
                reasons[i] = f"corrects event {target}, which is not recorded for this item"
    voided = _voids(stored)
    for i, e in enumerate(new):
        if reasons[i] is None and e.corrects_event_id:
            voided.setdefault(e.corrects_event_id, e.event_id)
    live_stored = [e for e in stored if e.event_id not in voided]
    judged = [i for i, e in enumerate(new) if reasons[i] is None and e.event_id not in voided]

    # 2. nothing after a destruction; a new destroy must not predate recorded events
    latest: CustodyEvent | None = None
    first_destroy: CustodyEvent | None = None
    for e in live_stored:
        t = e.event_type
        if t != "correction" and (latest is None or e.occurred_at > latest.occurred_at):
            latest = e
        if t == "destroy" and (first_destroy is None or e.occurred_at < first_destroy.occurred_at):
            first_destroy = e
    for i in judged:
        e = new[i]
        if e.event_type != "destroy":
            continue
        if latest is not None and _surely_after(latest.occurred_at, e.occurred_at):
            reasons[i] = (
                f"destroyed before recorded event {latest.event_id} "
                f"({latest.event_type} on {latest.occurred_at})"
            )
        elif first_destroy is None or e.occurred_at < first_destroy.occurred_at:
            first_destroy = e
    if first_destroy is not None:
        d = first_destroy
        for i in judged:
            e = new[i]
            if (
                reasons[i] is None
                and e.event_type != "correction"
                and _surely_after(e.occurred_at, d.occurred_at)
            ):
                reasons[i] = (
                    f"dated after the item was destroyed (destroy {d.event_id} on {d.occurred_at})"
                )

    # 3. a receive by P cannot precede the first ship or transfer to P
    first_in: dict[str, CustodyEvent] = {}
    sources = [new[i] for i in judged if reasons[i] is None]
    for e in (*live_stored, *sources):
        to = e.to_party_id
        if to and (e.event_type == "ship" or e.event_type == "transfer"):
            seen = first_in.get(to)
            if seen is None or e.occurred_at < seen.occurred_at:
                first_in[to] = e
    if first_in:
        for i in judged:
            e = new[i]
            if reasons[i] is not None or e.event_type != "receive" or not e.to_party_id:
                continue
            s = first_in.get(e.to_party_id)
            if s is not None and _surely_after(s.occurred_at, e.occurred_at):
                reasons[i] = (
                    f"received before it was shipped ({s.event_type} {s.event_id} "
                    f"on {s.occurred_at})"
                )

    return [SequenceProblem(new[i].event_id, r) for i, r in enumerate(reasons) if r is not None]


def surely_possible(rows: Sequence[Sequence[Any]], kind: int, when: int, to: int, corrects: int) -> bool:
    """True when ``sequence_problems([], events)`` is certain to find nothing, decided cheaply.

    ``rows`` are one item's new events, nothing of it stored yet, as plain rows whose
    event type, occurred_at, to_party_id and corrects_event_id sit at those positions.
    False means "ask ``sequence_problems``", never that something is wrong.

    Why: an import judges every item of a million-event file, and nearly all are
    plain: no correction, no destruction, nothing stored. For those, rules 1 and 2 of
    ``sequence_problems`` cannot fire (nothing corrects, nothing is void, nothing is
    destroyed), so only rule 3 is left (a receive by P before the earliest ship or
    transfer to P), and it is checked here on the rows as they are, without building
    an event object per row.
    """
    first_in: dict[str, str] = {}
    receives = False
    for r in rows:
        t = r[kind]
        if r[corrects] or t == "correction" or t == "destroy":
            return False
        if t == "ship" or t == "transfer":
            party = r[to]
            if party:
                seen = first_in.get(party)
                if seen is None or r[when] < seen:
                    first_in[party] = r[when]
        elif t == "receive":
            receives = True
    if not receives or not first_in:
        return True
    for r in rows:
        if r[kind] == "receive" and r[to]:
            shipped = first_in.get(r[to])
            if shipped is not None and _surely_after(shipped, r[when]):
                return False
    return True
