"""Which custodians count their weapons, and when: the inventories of the world.

A custodian that keeps its books counts the weapons it holds on a fixed day every
few years and records each one it finds as an ``inventory`` custody event. The
count is what tells a recovered weapon from its lot neighbours: a neighbour that
was counted on the shelf after the recovery date is not the weapon in the
evidence room. Not every custodian counts (the share is set by eye: no published
rate lies behind it), a state that never records assignments has no unit-level
books to count from, and a unit that lets weapons go quietly sometimes goes on
counting one on paper for a while. Drawn from a random stream of their own, so
adding inventories changes nothing else in a world.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from armstrace.simulate.parties import FEDERAL, Cast

P_KEEPS_COUNT = 0.6  # custodians that count their weapons at all
EVERY_YEARS = 2  # years between two counts of one custodian
P_PAPER_COUNT = 0.15  # silent diversions a counting custodian goes on "finding"
PAPER_COUNTS = (1, 3)  # how many counts the paper weapon survives


@dataclass(frozen=True, slots=True)
class Schedule:
    """One custodian's counts: ``day`` of the year, in years of ``parity``, until ``last_year``."""

    day: int
    parity: int
    last_year: int

    def days(self, after: int, before: int) -> list[int]:
        """Ordinal days of the counts strictly between two ordinal days."""
        out = []
        for year in range(date.fromordinal(after).year, min(date.fromordinal(before).year,
                                                             self.last_year) + 1):
            if year % EVERY_YEARS != self.parity:
                continue
            day = date(year, 1, 1).toordinal() + self.day
            if after < day < before:
                out.append(day)
        return out


@dataclass(frozen=True, slots=True)
class InventoryPlan:
    """The custodians that count, and the stream that decides paper counts."""

    schedules: dict[str, Schedule]
    rng: random.Random

    def counts(self, holder: str, start: int, end: int, *, silent_diversion: bool = False
               ) -> list[int]:
        """Days ``holder`` counts an item it held from ``start`` until ``end``.

        After a silent diversion, a share of custodians keep counting the missing
        weapon for a count or three: the record says it is on the shelf when it is not.
        """
        schedule = self.schedules.get(holder)
        if schedule is None:
            return []
        if silent_diversion and self.rng.random() < P_PAPER_COUNT:
            end += self.rng.randint(*PAPER_COUNTS) * EVERY_YEARS * 365
        return schedule.days(start, end)


def choose_inventories(rng: random.Random, cast: Cast) -> InventoryPlan:
    """Pick the counting custodians among state governments, police, units and federal bodies."""
    last_year = {f[0]: f[6] for f in FEDERAL}
    holders = [*(p for s in cast.states for p in (s.gov_id, *s.units)), *(f[0] for f in FEDERAL)]
    schedules: dict[str, Schedule] = {}
    for party in holders:
        if rng.random() < P_KEEPS_COUNT:
            schedules[party] = Schedule(rng.randint(0, 364), rng.randint(0, EVERY_YEARS - 1),
                                        last_year.get(party, 9999))
    return InventoryPlan(schedules, rng)
