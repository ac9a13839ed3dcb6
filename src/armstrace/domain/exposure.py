"""Who was exposed to each weapon: the custody spells of one item, and where its trail ends.

A diversion rate needs a denominator: the weapons a custodian could have lost.
This module reads one item's events (corrections applied, through
``CustodyFold``) as *spells*, one per stretch of lawful custody by one party, and
names the item's *final custodian*: the last party with documented lawful
custody before the item's first recovery, or at the end of the record if it was
never recovered. That is the party a recovery's trace names, so "weapons whose
trail ends with P" is the population among which a recovery can point at P.
Custody ended by a loss, theft or destruction stays with the party that held
the item then (it is accountable for it), as ``last_lawful_custodian`` says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from armstrace.domain.custody import CustodyFold, live_events
from armstrace.domain.records import CustodyEvent

__all__ = ["ItemExposure", "Spell", "item_exposure"]

# How a spell ended: handed on lawfully, an ending event, or a recovery.
PASSED_ON = "passed_on"


@dataclass(frozen=True, slots=True)
class Spell:
    """One party's lawful custody of one item, from ``since`` to ``until``.

    ``end`` is ``passed_on``, ``loss``, ``theft``, ``destroy``, ``recover`` (the
    item was recovered to nobody known or to another party), or None while it
    lasts. ``confirmed`` is False for a shipment with no receipt recorded.
    """

    party_id: str
    since: str
    event_id: str
    confirmed: bool
    until: str | None
    end: str | None


@dataclass(frozen=True, slots=True)
class ItemExposure:
    """An item's spells, its final custodian and the dates reports need."""

    item_id: str
    spells: tuple[Spell, ...]
    final_custodian: str | None
    final_since: str | None
    first_ship_at: str | None
    recovered_at: str | None

    def arrival(self, parties: Iterable[str]) -> Spell | None:
        """The first spell of any of ``parties`` (when that group took custody)."""
        wanted = set(parties)
        for s in self.spells:
            if s.party_id in wanted:
                return s
        return None


def item_exposure(item_id: str, events: Iterable[CustodyEvent]) -> ItemExposure:
    """Read one item's events (any order; corrections applied) into an ``ItemExposure``."""
    fold = CustodyFold()
    spells: list[Spell] = []
    open_spell: Spell | None = None
    first_ship: str | None = None
    recovered_at: str | None = None
    final: tuple[str, str] | None = None
    for e in live_events(events):
        t = e.event_type
        if t == "ship" and first_ship is None:
            first_ship = e.occurred_at
        if t == "recover" and recovered_at is None:
            recovered_at = e.occurred_at
            if fold.last is not None:
                final = (fold.last.party_id, fold.last.since)
        fold.apply(e)
        h = fold.holder
        if open_spell is not None and (h is None or h.party_id != open_spell.party_id):
            end = t if h is None or t == "recover" else PASSED_ON
            spells.append(_close(open_spell, e.occurred_at, end))
            open_spell = None
        if h is not None:
            if open_spell is None:
                open_spell = Spell(h.party_id, h.since, h.event_id, h.confirmed, None, None)
            elif h.confirmed and not open_spell.confirmed:
                open_spell = Spell(open_spell.party_id, open_spell.since, open_spell.event_id,
                                   True, None, None)
    if open_spell is not None:
        spells.append(open_spell)
    if recovered_at is None and fold.last is not None:
        final = (fold.last.party_id, fold.last.since)
    return ItemExposure(item_id, tuple(spells), final[0] if final else None,
                        final[1] if final else None, first_ship, recovered_at)


def _close(s: Spell, until: str, end: str) -> Spell:
    return Spell(s.party_id, s.since, s.event_id, s.confirmed, until, end)
