"""Rules for a custody event recorded live, by the party that acts.

The importer accepts history as agencies kept it: gaps are reported, only the
impossible is rejected (``custody.sequence_problems``). An event recorded now,
through the API, by an authenticated agency, can be held to more: the item's
custody as the ledger has it decides whether the act is possible at all. You
cannot receive what was never shipped to you, hand on or assign what you do not
hold, lose what is not yours, or do anything to a destroyed weapon. These rules
add to ``sequence_problems`` (which still runs) and use the same ``CustodyFold``.

Who acts (``acting_party``): the party giving up custody for ship, transfer,
assign, loss, theft and destroy; the party taking it for receive, inventory and
recover. A correction acts for whoever acted in the event it corrects.

Events must be recorded in order: a new event dated before the item's latest
standing event is refused (a late record of the past is a correction, or an
import). Dates compare by day when either is date-only, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from armstrace.domain.custody import CustodyFold, live_events, sequence_problems
from armstrace.domain.records import CustodyEvent

__all__ = ["GIVING_TYPES", "RECORDABLE_TYPES", "Refusal", "acting_party", "transition_problem"]

# Event types whose acting party is the one giving up custody.
GIVING_TYPES = frozenset({"ship", "transfer", "assign", "loss", "theft", "destroy"})
RECORDABLE_TYPES = ("ship", "receive", "transfer", "assign", "loss", "theft", "recover", "destroy",
                    "inventory", "correction")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the event cannot be recorded. ``conflict``: it contradicts the stored custody
    (HTTP 409); otherwise the request itself is incomplete (HTTP 422)."""

    reason: str
    conflict: bool = True


def acting_party(event: CustodyEvent, stored: Sequence[CustodyEvent] = ()) -> str | None:
    """The party that performs ``event`` (see the module doc)."""
    if event.event_type == "correction":
        target = next((e for e in stored if e.event_id == event.corrects_event_id), None)
        return acting_party(target, stored) if target is not None else None
    if event.event_type in GIVING_TYPES:
        return event.from_party_id
    return event.to_party_id


def _after(a: str, b: str) -> bool:
    if len(a) == 10 or len(b) == 10:
        return a[:10] > b[:10]
    return a > b


def _required(event: CustodyEvent) -> Refusal | None:
    t = event.event_type
    if t not in RECORDABLE_TYPES:
        return Refusal(f"unknown event type {t!r}", conflict=False)
    if t in GIVING_TYPES and not event.from_party_id:
        return Refusal(f"a {t} needs from_party_id: the party giving up custody", conflict=False)
    if t in ("ship", "transfer", "assign", "receive", "inventory", "recover") and not event.to_party_id:
        return Refusal(f"a {t} needs to_party_id: the party taking custody", conflict=False)
    if t == "correction" and not event.corrects_event_id:
        return Refusal("a correction needs corrects_event_id", conflict=False)
    if event.from_party_id and event.from_party_id == event.to_party_id:
        return Refusal("from_party_id and to_party_id are the same party", conflict=False)
    return None


def transition_problem(stored: Sequence[CustodyEvent], event: CustodyEvent) -> Refusal | None:
    """Why ``event`` cannot follow the item's ``stored`` events (record order), or None."""
    missing = _required(event)
    if missing is not None:
        return missing
    target = event.corrects_event_id
    if target and not any(e.event_id == target for e in stored):
        return Refusal(f"corrects event {target}, which is not recorded for item {event.item_id}")
    impossible = sequence_problems(stored, [event])
    if impossible:
        return Refusal(impossible[0].reason)
    if event.event_type == "correction":
        return None
    # A replacing event is judged against the chain without the event it replaces.
    standing = live_events([e for e in stored if e.event_id != target])
    latest = max((e for e in standing if e.event_type != "correction"),
                 key=lambda e: e.occurred_at, default=None)
    if latest is not None and _after(latest.occurred_at, event.occurred_at):
        return Refusal(f"dated before the item's latest recorded event {latest.event_id} "
                       f"({latest.event_type} on {latest.occurred_at}); record events in order, "
                       "or correct the earlier event")
    fold = CustodyFold()
    for e in standing:
        fold.apply(e)
    return _against_custody(fold, event, bool(standing))


def _against_custody(fold: CustodyFold, event: CustodyEvent, has_history: bool) -> Refusal | None:
    t, holder, ended = event.event_type, fold.holder, fold.ended
    if ended is not None:
        if ended.event_type == "destroy":
            return Refusal(f"the item was destroyed ({ended.event_id} on {ended.occurred_at}); "
                           "nothing can follow a destruction")
        if t != "recover":
            return Refusal(f"custody ended with a {ended.event_type} ({ended.event_id} on "
                           f"{ended.occurred_at}); only a recover can follow")
        return None
    if t == "recover":
        return None  # a weapon found in the wrong hands: recorded whoever held it last
    if t == "receive":
        if holder is None or holder.party_id != event.to_party_id:
            return Refusal(f"{event.to_party_id} cannot receive item {event.item_id}: it was never "
                           "shipped or transferred to it"
                           + (f" (held by {holder.party_id})" if holder is not None else ""))
        if holder.confirmed:
            return Refusal(f"{event.to_party_id} already holds item {event.item_id} "
                           f"(since {holder.event_id} on {holder.since})")
        return None
    if t == "inventory":
        if holder is None or holder.party_id != event.to_party_id:
            return Refusal(f"{event.to_party_id} does not hold item {event.item_id}"
                           + (f" ({holder.party_id} does)" if holder is not None else ""))
        return None
    # ship, transfer, assign, loss, theft, destroy: the giver must hold it
    giver = event.from_party_id
    if holder is None:
        if t == "ship" and not has_history:
            return None  # the export itself: the exporter's custody starts the record
        return Refusal(f"{giver} does not hold item {event.item_id}: nobody holds it on record")
    if holder.party_id != giver:
        return Refusal(f"{giver} does not hold item {event.item_id}: {holder.party_id} does "
                       f"(since {holder.event_id} on {holder.since})")
    if not holder.confirmed and t in ("transfer", "assign", "ship"):
        return Refusal(f"{giver} has not received item {event.item_id} yet (shipped to it by "
                       f"{holder.event_id}); record the receipt first")
    return None
