"""Who holds what now, one item's custody, and the recoveries traced to a set of parties.

The reads a state authority (or any agency) makes about its own weapons. Each
takes an optional set of parties the caller may see (``None``: all); a state
authority passes its own authorities, so it sees its own holdings and the
recoveries traced to them and nothing else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from armstrace.adapters.db import tables as t
from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.db.trace_store import TraceStore
from armstrace.domain.custody import CustodyFold, custody_chain, live_events
from armstrace.domain.records import CustodyEvent

Parties = Mapping[str, tuple[str, str, str | None, str | None]]
# Trace statuses that name a licensed weapon.
LICENSED = frozenset({"matched", "ambiguous"})


@dataclass(frozen=True, slots=True)
class PartyHolding:
    party_id: str
    name: str
    kind: str
    region: str | None
    held: int  # items whose current lawful holder it is
    unconfirmed: int  # of those, shipped to it with no receipt recorded yet


@dataclass(frozen=True, slots=True)
class ItemCustody:
    item_id: str
    events: list[tuple[CustodyEvent, bool]]  # chain order; True when void (corrected)
    holder: str | None
    holder_confirmed: bool
    ended_by: str | None  # the loss, theft or destroy that ended custody, if unrecovered


def _fold(events: Sequence[CustodyEvent]) -> CustodyFold:
    fold = CustodyFold()
    for e in live_events(events):
        fold.apply(e)
    return fold


def _items_touching(store: SqlStore, parties: set[str]) -> list[str]:
    ev = t.custody_events
    found: set[str] = set()
    ids = sorted(parties)
    with store.connection() as conn:
        for start in range(0, len(ids), 400):
            chunk = ids[start:start + 400]
            query = (ev.select().with_only_columns(ev.c.item_id).distinct()
                     .where(ev.c.to_party_id.in_(chunk) | ev.c.from_party_id.in_(chunk)))
            found.update(conn.execute(query).scalars())
    return sorted(found)


def _chains(store: SqlStore, items: Sequence[str]) -> Iterator[tuple[str, list[CustodyEvent]]]:
    for start in range(0, len(items), 2_000):
        chunk = items[start:start + 2_000]
        with store.connection() as conn:
            found = store.events_for_items(conn, chunk)
        yield from found.items()


def holdings(store: SqlStore, parties: Parties, visible: set[str] | None) -> list[PartyHolding]:
    """Items held now per party (only ``visible`` parties when given), largest first."""
    held: Counter[str] = Counter()
    unconfirmed: Counter[str] = Counter()
    if visible is None:
        chains: Iterator[tuple[str, list[CustodyEvent]]] = (
            pair for _lic, group in store.chains_by_licence() for pair in group.items())
    else:
        chains = _chains(store, _items_touching(store, visible))
    for _item, events in chains:
        h = _fold(events).holder
        if h is None or (visible is not None and h.party_id not in visible):
            continue
        held[h.party_id] += 1
        if not h.confirmed:
            unconfirmed[h.party_id] += 1
    out = []
    for pid, n in held.items():
        name, kind, region, _parent = parties.get(pid, (pid, "", None, None))
        out.append(PartyHolding(pid, name, kind, region, n, unconfirmed[pid]))
    out.sort(key=lambda h: (-h.held, h.party_id))
    return out


def held_items(store: SqlStore, party_id: str) -> list[str]:
    """The items ``party_id`` holds now."""
    return [item for item, events in _chains(store, _items_touching(store, {party_id}))
            if (h := _fold(events).holder) is not None and h.party_id == party_id]


def item_custody(store: SqlStore, item_id: str, visible: set[str] | None) -> ItemCustody | None:
    """One item's chain and current holder; None when unknown or outside ``visible``.

    A caller limited to ``visible`` parties sees an item only if one of them
    appears in its chain (held it, or handed it on).
    """
    with store.connection() as conn:
        if not store.existing_ids(conn, "items", [item_id]):
            return None
        events = store.events_for_items(conn, [item_id]).get(item_id, [])
    if visible is not None and not any(
            e.from_party_id in visible or e.to_party_id in visible for e in events):
        return None
    fold = _fold(events)
    h = fold.holder
    return ItemCustody(item_id, [(c.event, c.void) for c in custody_chain(events)],
                       h.party_id if h else None, bool(h and h.confirmed),
                       fold.ended.event_id if fold.ended is not None else None)


def traced_recoveries(store: SqlStore, custodians: set[str] | None, *, status: str | None = None,
                      limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """Current traces (latest run), optionally only those naming one of ``custodians``.

    A trace names its last custodian when matched, or ambiguous with every
    candidate sharing that custodian (the analytics' rule). Returns (total, page).
    """
    rows: list[dict[str, Any]] = []
    total = 0
    for row in TraceStore(store).latest():
        if status is not None and row["status"] != status:
            continue
        if custodians is not None:
            named = row["last_custodian_id"] if (
                row["status"] == "matched" or (row["status"] == "ambiguous" and row["shared_custodian"])
            ) else None
            if named not in custodians:
                continue
        total += 1
        if offset < total <= offset + limit:
            rows.append(row)
    return total, rows
