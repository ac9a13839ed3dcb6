"""Where weapons leak: diversion rates per custodian, chosen from the seed.

A handful of custodians (some municipal units, a state police, a couple of state
governments, one federal body) leak heavily; the rest leak a little. The rates
are ground truth for scoring an analysis that claims to find where diversion
happens, so they are written to the manifest. A few states never record
assignments to units; Michoacán is always one of them, as in the 2009 case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from armstrace.simulate.parties import FEDERAL, SEDENA, Cast

ALWAYS_SILENT = "MX-MIC"


@dataclass(frozen=True, slots=True)
class DiversionPlan:
    """Rates per party (probability a weapon held there ever leaves lawful custody)."""

    rates: dict[str, float]
    hot: dict[str, float]
    silent_states: frozenset[str]


def choose_diversion(rng: random.Random, cast: Cast) -> DiversionPlan:
    """Pick hot custodians and base rates; deterministic for a seed."""
    rates: dict[str, float] = {SEDENA: 0.0}
    for s in cast.states:
        rates[s.gov_id] = round(rng.uniform(0.03, 0.08), 4)
        rates[s.police_id] = round(rng.uniform(0.05, 0.12), 4)
        for pid, _ in s.municipal:
            rates[pid] = round(rng.uniform(0.08, 0.18), 4)
    for f in FEDERAL:
        rates[f[0]] = round(rng.uniform(0.02, 0.06), 4)
    for pid, kind in cast.kind_of.items():
        if kind in ("broker", "customs_broker"):
            rates[pid] = 0.06  # weapons lost in transit when a broker is the consignee
    hot: dict[str, float] = {}
    municipal = [pid for s in cast.states for pid, _ in s.municipal]
    for pid in rng.sample(municipal, 8):
        hot[pid] = round(rng.uniform(0.4, 0.7), 4)
    for pid in rng.sample([s.police_id for s in cast.states], 2):
        hot[pid] = round(rng.uniform(0.3, 0.5), 4)
    for gov in rng.sample([s.gov_id for s in cast.states], 2):
        hot[gov] = round(rng.uniform(0.4, 0.6), 4)
    hot[rng.choice([f[0] for f in FEDERAL if f[2] != "prosecutor"])] = round(
        rng.uniform(0.2, 0.3), 4)
    rates.update(hot)
    others = sorted(s.iso for s in cast.states if s.iso != ALWAYS_SILENT)
    silent = frozenset([ALWAYS_SILENT, *rng.sample(others, 3)])
    return DiversionPlan(rates, hot, silent)
