"""What is missing from custody trails, and the sums over many items.

Per item, ``custody_gaps`` lists the holes and breaks in a trail. Over many items,
``reconcile_licence`` sets licensed, registered, shipped, received, transferred,
assigned, lost or stolen and destroyed side by side (the Blue Lantern red flag
"quantities that do not reconcile"), and ``holdings`` counts who holds what.
All of it applies corrections first (see ``armstrace.domain.custody``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

from armstrace.domain.custody import Custody, CustodyFold, by_time, live_events
from armstrace.domain.records import CustodyEvent, Licence
from armstrace.domain.vocabulary import LICENCE_STATUSES, PARTY_KINDS

__all__ = [
    "STOCKPILE_KINDS",
    "Gap",
    "Reconciliation",
    "custody_gaps",
    "holdings",
    "reconcile_licence",
    "unreceived_ships",
]

# Party kinds where a licensed weapon's trail must not stop: they take stock in
# order to hand it on (the 2009 Michoacán rifle stopped at the state government).
STOCKPILE_KINDS = frozenset({"state_government", "import_authority"})

_by_since = attrgetter("since")


@dataclass(frozen=True, slots=True)
class Gap:
    """A hole or break in an item's documented custody."""

    kind: str
    item_id: str
    party_id: str | None
    since: str
    event_id: str
    detail: str


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Distinct items of one licence reaching each stage, and what does not add up."""

    licence_id: str
    licensed: int | None
    registered: int
    shipped: int
    received: int
    transferred: int
    assigned: int
    lost_or_stolen: int
    destroyed: int
    problems: tuple[str, ...]


def unreceived_ships(live: Iterable[CustodyEvent]) -> list[CustodyEvent]:
    """Ships (from live events in chain order) to a party that recorded no later receipt."""
    pending: dict[str, list[CustodyEvent]] = {}
    for e in live:
        to = e.to_party_id
        if not to:
            continue
        if e.event_type == "ship":
            pending.setdefault(to, []).append(e)
        elif e.event_type == "receive":
            pending.pop(to, None)
    if not pending:
        return []
    out = [s for ships in pending.values() for s in ships]
    out.sort(key=by_time)
    return out


# --------------------------------------------------------------------------- gaps


def custody_gaps(
    events: Iterable[CustodyEvent],
    party_kinds: Mapping[str, str],
    as_of: str | None = None,
) -> list[Gap]:
    """The gaps in one item's custody, by date (events dated after ``as_of`` ignored).

    Kinds:
    - ``shipped_not_received``: a shipment to P with no later receipt by P.
    - ``received_not_assigned``: the lawful trail stops at a party whose kind is in
      ``STOCKPILE_KINDS`` (``party_kinds`` maps party id to kind): the item
      surfaced in a recovery that no loss or theft explains while such a party
      held it, or the record ends there and the item was never recovered.
    - ``lost`` / ``stolen``: a loss or theft report; the detail says whether a
      recovery followed.
    - ``event_after_end``: any event but a correction after a loss, theft or
      destruction with no recovery in between; also a recovery after a destruction.
    """
    live = live_events(events)
    if as_of is not None:
        del live[bisect_right(live, as_of, key=by_time) :]
    if not live:
        return []
    item_id = live[0].item_id
    found: list[Gap] = []
    fold = CustodyFold()
    open_loss: tuple[int, CustodyEvent, str | None] | None = None
    recovered = False
    for e in live:
        t = e.event_type
        if t == "recover" and fold.ended is None:
            found.extend(_stockpile(item_id, fold.holder, party_kinds, e))
        end = fold.apply(e)
        if end is not None:
            found.append(_after_end(e, end))
            if t != "recover":
                continue
        if t == "loss" or t == "theft":
            who = fold.last.party_id if fold.last is not None else None
            open_loss = (len(found), e, who)
            found.append(_loss_gap(e, who, None))
        elif t == "recover":
            recovered = True
            if open_loss is not None:
                slot, loss, who = open_loss
                found[slot] = _loss_gap(loss, who, e)
                open_loss = None
    if not recovered and fold.ended is None:
        found.extend(_stockpile(item_id, fold.holder, party_kinds, None))
    for s in unreceived_ships(live):
        to = s.to_party_id
        found.append(
            Gap(
                "shipped_not_received",
                s.item_id,
                to,
                s.occurred_at,
                s.event_id,
                f"shipped to {to} on {s.occurred_at} (event {s.event_id}); "
                f"no receipt by {to} recorded",
            )
        )
    found.sort(key=_by_since)  # stable: same-date gaps keep the order found
    return found


def _loss_gap(loss: CustodyEvent, who: str | None, recovery: CustodyEvent | None) -> Gap:
    kind = "lost" if loss.event_type == "loss" else "stolen"
    detail = f"reported {kind} by {who or 'an unrecorded party'} on {loss.occurred_at}"
    detail += f" (event {loss.event_id}); "
    if recovery is None:
        detail += "no recovery recorded"
    else:
        detail += f"recovered on {recovery.occurred_at} (event {recovery.event_id})"
    return Gap(kind, loss.item_id, who, loss.occurred_at, loss.event_id, detail)


def _stockpile(
    item_id: str,
    holder: Custody | None,
    party_kinds: Mapping[str, str],
    recovery: CustodyEvent | None,
) -> tuple[Gap, ...]:
    if holder is None or not holder.confirmed:
        return ()
    kind = party_kinds.get(holder.party_id)
    if kind is None or kind not in STOCKPILE_KINDS:
        return ()
    label = PARTY_KINDS[kind].en if kind in PARTY_KINDS else kind
    detail = (
        f"held by {holder.party_id} ({label}) since {holder.since} "
        f"(event {holder.event_id}); no later transfer or assignment recorded"
    )
    if recovery is not None:
        detail += f"; recovered on {recovery.occurred_at} (event {recovery.event_id})"
    gap = Gap(
        "received_not_assigned", item_id, holder.party_id, holder.since, holder.event_id, detail
    )
    return (gap,)


def _after_end(e: CustodyEvent, end: CustodyEvent) -> Gap:
    if e.event_type == "recover":
        detail = (
            f"recover on {e.occurred_at} after destroy on {end.occurred_at} "
            f"(event {end.event_id}): the item was recorded as destroyed"
        )
    else:
        detail = (
            f"{e.event_type} on {e.occurred_at} after {end.event_type} on {end.occurred_at} "
            f"(event {end.event_id}) with no recovery recorded"
        )
    party = e.to_party_id or e.from_party_id
    return Gap("event_after_end", e.item_id, party, e.occurred_at, e.event_id, detail)


# ------------------------------------------------------------------ many items


def _n_items(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def reconcile_licence(
    licence: Licence, chains: Mapping[str, Sequence[CustodyEvent]]
) -> Reconciliation:
    """Set the stages of a licence's items side by side and say what does not add up.

    ``chains`` maps each item registered under the licence to its events. Each
    count is of distinct items with at least one live event of that type
    (``lost_or_stolen``: a loss or a theft). Problems name the items that break
    the flow: more registered or shipped than licensed, shipments under a licence
    not approved, items never shipped (no ship nor receipt), shipped but never
    received by the consignee, received with no shipment, received but never
    passed on (unless lost, stolen or destroyed), and losses or thefts.
    """
    shipped = received = transferred = assigned = lost = destroyed = 0
    never_shipped = never_received = unshipped_receipt = stuck = 0
    for events in chains.values():
        live = live_events(events)
        types = {e.event_type for e in live}
        s = "ship" in types
        r = "receive" in types
        tr = "transfer" in types
        a = "assign" in types
        ls = "loss" in types or "theft" in types
        d = "destroy" in types
        shipped += s
        received += r
        transferred += tr
        assigned += a
        lost += ls
        destroyed += d
        if not s:
            if r:
                unshipped_receipt += 1
            else:
                never_shipped += 1
        elif unreceived_ships(live):
            never_received += 1
        if r and not (tr or a or ls or d):
            stuck += 1

    registered = len(chains)
    licensed = licence.quantity
    problems: list[str] = []
    if licensed is None:
        problems.append(f"licensed quantity not recorded: registered {registered} unchecked")
    else:
        if registered > licensed:
            problems.append(
                f"licensed {licensed}, registered {registered} (more items than licensed)"
            )
        if shipped > licensed:
            problems.append(f"shipped {shipped} exceeds licensed quantity {licensed}")
    status = licence.status
    if shipped and status is not None and status != "approved":
        label = LICENCE_STATUSES[status].en if status in LICENCE_STATUSES else status
        problems.append(f"{_n_items(shipped)} shipped under a licence that is {label}")
    if never_shipped:
        problems.append(f"{_n_items(never_shipped)} registered but never shipped")
    if never_received:
        problems.append(f"{_n_items(never_received)} shipped but never received")
    if unshipped_receipt:
        problems.append(f"{_n_items(unshipped_receipt)} received with no shipment recorded")
    if stuck:
        problems.append(f"{_n_items(stuck)} received but never transferred or assigned")
    if lost:
        problems.append(f"{_n_items(lost)} reported lost or stolen")
    return Reconciliation(
        licence.licence_id,
        licensed,
        registered,
        shipped,
        received,
        transferred,
        assigned,
        lost,
        destroyed,
        tuple(problems),
    )


def holdings(
    chains: Mapping[str, Sequence[CustodyEvent]], as_of: str | None = None
) -> dict[str, int]:
    """Count items by current lawful holder (``holder_at``); items with none under ``""``.

    An item shipped but not yet received counts for its consignee.
    """
    counts: dict[str, int] = {}
    for events in chains.values():
        fold = CustodyFold()
        for e in live_events(events):
            if as_of is not None and e.occurred_at > as_of:
                break
            fold.apply(e)
        key = fold.holder.party_id if fold.holder is not None else ""
        counts[key] = counts.get(key, 0) + 1
    return counts
