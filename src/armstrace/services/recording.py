"""Record one custody event, live, for the organisation that acts.

The same row validation as the importer (``domain.contract``), the same ledger
encoding and chain (``domain.ledger``), and on top the live custody rules
(``domain.recording``). The read of the item's events, the check, and the append
run in one serialised transaction (``server_store.serialised``), so concurrent
writers, in any number of processes, can neither break the chain nor both hand
on the same weapon.

Nothing is edited: a correction is a new event naming the one it corrects.
Re-sending an event with the same ``event_id`` and the same content returns the
stored one (a client may retry safely); different content is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, select

from armstrace.adapters.db import tables as t
from armstrace.adapters.db.server_store import LEDGER_LOCK, serialised
from armstrace.adapters.db.store import SqlStore
from armstrace.domain.access import Organisation, acting_parties
from armstrace.domain.contract import CUSTODY_EVENTS, validate_row
from armstrace.domain.ledger import canonical_row, link_rows
from armstrace.domain.recording import acting_party, transition_problem
from armstrace.domain.records import CustodyEvent
from armstrace.services.ports import Clock

Parties = Mapping[str, tuple[str, str, str | None, str | None]]


class Refused(Exception):
    """The event cannot be recorded. ``status``: 403 not yours to record, 404 unknown item,
    409 contradicts the stored custody, 422 the request itself is incomplete or invalid."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True, slots=True)
class EventRequest:
    event_type: str
    item_id: str
    occurred_at: str
    from_party_id: str | None = None
    to_party_id: str | None = None
    region: str | None = None
    document_ref: str | None = None
    corrects_event_id: str | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    event: CustodyEvent
    seq: int
    recorded_at: str
    chain_hash: str
    created: bool  # False when the same event was already recorded (a retry)


def _validate(req: EventRequest) -> CustodyEvent:
    event_id = req.event_id or f"API-{uuid.uuid4().hex}"
    row = {"event_id": event_id, "event_type": req.event_type, "occurred_at": req.occurred_at,
           "item_id": req.item_id, "from_party_id": req.from_party_id, "to_party_id": req.to_party_id,
           "region": req.region, "document_ref": req.document_ref,
           "corrects_event_id": req.corrects_event_id}
    result = validate_row(CUSTODY_EVENTS, row)
    if result.problems:
        raise Refused(422, "; ".join(f"{p.column}: {p.reason}" + (f" ({p.value!r})" if p.value else "")
                                     for p in result.problems))
    assert isinstance(result.record, CustodyEvent)
    return result.record


def record_event(store: SqlStore, clock: Clock, org: Organisation, parties: Parties, run_id: str,
                 req: EventRequest) -> Recorded:
    """Check and append one event for ``org``; raises ``Refused`` with the reason."""
    event = _validate(req)
    unknown = [p for p in (event.from_party_id, event.to_party_id) if p and p not in parties]
    if unknown:
        raise Refused(422, f"unknown party {unknown[0]} (not in the registry)")
    allowed = acting_parties(org, parties)
    with serialised(store.engine, LEDGER_LOCK) as conn:
        if not store.existing_ids(conn, "items", [event.item_id]):
            raise Refused(404, f"unknown item {event.item_id} (not in the registry)")
        previous = store.events_by_id(conn, [event.event_id]).get(event.event_id)
        if previous is not None:
            if previous == event:
                return _stored(store, conn, event)
            raise Refused(409, f"event {event.event_id} is already recorded with different content; "
                               "record a correction instead")
        stored = store.events_for_items(conn, [event.item_id]).get(event.item_id, [])
        actor = acting_party(event, stored)
        if event.event_type == "correction" and actor is None:
            raise Refused(409, f"corrects event {event.corrects_event_id}, which is not recorded "
                               f"for item {event.item_id}")
        if actor is not None and actor not in allowed:
            raise Refused(403, f"{org.name} does not act for {actor}, the party that performs this "
                               f"{event.event_type}; an organisation records only its own acts")
        if event.corrects_event_id and event.event_type != "correction":
            target = next((e for e in stored if e.event_id == event.corrects_event_id), None)
            replaced = acting_party(target, stored) if target is not None else None
            if replaced is not None and replaced not in allowed:
                raise Refused(403, f"{org.name} does not act for {replaced}, who recorded "
                                   f"{event.corrects_event_id}")
        refusal = transition_problem(stored, event)
        if refusal is not None:
            raise Refused(409 if refusal.conflict else 422, refusal.reason)
        recorded_at = clock.now()
        seq, tail = store.chain_tail(conn)
        [(row, content, chained)] = link_rows([canonical_row(event, seq + 1, recorded_at)], tail)
        store.append_events(conn, [(*row, content, chained, run_id)], run_id, recorded_at)
    return Recorded(event, seq + 1, recorded_at, chained.hex(), True)


def _stored(store: SqlStore, conn: Connection, event: CustodyEvent) -> Recorded:
    ev = t.custody_events
    row = conn.execute(select(ev.c.seq, ev.c.recorded_at, ev.c.chain_hash)
                       .where(ev.c.event_id == event.event_id)).one()
    return Recorded(event, int(row[0]), row[1], bytes(row[2]).hex(), False)
