"""Summary use case: who holds what, by state and kind of custodian, and where trails stop.

Streams the store licence by licence so memory stays bounded by the largest
licence, not the whole registry.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from armstrace.adapters.db.store import SqlStore
from armstrace.domain.reconciliation import custody_gaps, holdings, reconcile_licence


@dataclass(frozen=True, slots=True)
class StateHoldings:
    region: str
    total: int
    at_government: int
    at_units: int


@dataclass(frozen=True, slots=True)
class GapCount:
    kind: str
    count: int
    top_parties: list[tuple[str, int]]


@dataclass
class Summary:
    items: int = 0
    events: int = 0
    recoveries: int = 0
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_state: list[StateHoldings] = field(default_factory=list)
    gaps: list[GapCount] = field(default_factory=list)
    licence_problems: list[str] = field(default_factory=list)


UNIT_KINDS = frozenset({"state_police", "municipal_police", "federal_police", "military_unit"})


def summarise(store: SqlStore, *, as_of: str | None = None) -> Summary:
    parties = store.parties_info()
    kinds = {pid: info[1] for pid, info in parties.items()}
    licences = store.licences_all()
    held: Counter[str] = Counter()
    gap_parties: dict[str, Counter[str]] = defaultdict(Counter)
    problems: list[str] = []
    for licence_id, chains in store.chains_by_licence():
        held.update(holdings(chains, as_of))
        for events in chains.values():
            for gap in custody_gaps(events, kinds, as_of):
                gap_parties[gap.kind][gap.party_id or "unknown"] += 1
        licence = licences.get(licence_id) if licence_id else None
        if licence is not None:  # items recorded without a licence have nothing to reconcile against
            rec = reconcile_licence(licence, chains)
            problems.extend(f"{rec.licence_id}: {p}" for p in rec.problems)

    def region_of(party_id: str) -> str | None:
        info = parties.get(party_id)
        if info is None:
            return None
        if info[2]:
            return info[2]
        parent = parties.get(info[3] or "")
        return parent[2] if parent else None

    by_kind: Counter[str] = Counter()
    by_state: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for party_id, count in held.items():
        kind = kinds.get(party_id, "") if party_id else "(no lawful holder)"
        by_kind[kind] += count
        region = region_of(party_id) if party_id else None
        if region and region.startswith("MX-"):
            row = by_state[region]
            row[0] += count
            if kind == "state_government":
                row[1] += count
            elif kind in UNIT_KINDS:
                row[2] += count
    return Summary(
        items=store.count("items"),
        events=store.count("custody_events"),
        recoveries=store.count("recoveries"),
        by_kind=by_kind.most_common(),
        by_state=sorted((StateHoldings(r, *v) for r, v in by_state.items()), key=lambda s: -s.total),
        gaps=[GapCount(kind, sum(c.values()),
                       [(parties[p][0] if p in parties else p, n) for p, n in c.most_common(3)])
              for kind, c in sorted(gap_parties.items(), key=lambda kv: -sum(kv[1].values()))],
        licence_problems=problems,
    )
