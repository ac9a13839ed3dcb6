"""Aggregate reports as each role may read them: full, or with small counts suppressed.

The numbers come from the same use cases as the CLI (``summary.summarise``,
``analytics.diversion_rates`` over ``analytics_data.load_dataset``); this module
only shapes them into plain dicts for the API and applies the role's
suppression (``domain.access.suppress``: counts below 5 become ``"<5"``, and a
rate is withheld when a count behind it is). Reading the whole store for every
request would be slow, so results are cached per store version (the ledger's
last ``seq``, the import runs and the trace runs): any write makes the next
request recompute.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from armstrace.adapters.db import tables as t
from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.db.trace_store import TraceStore
from armstrace.domain.access import SUPPRESS_BELOW, SUPPRESSED_ROLES, Role, suppress, suppress_rate
from armstrace.services.analytics import DENOMINATORS, GROUPS, DiversionTable, diversion_rates
from armstrace.services.analytics_data import Dataset, load_dataset
from armstrace.services.summary import Summary, summarise


class ReportCache:
    """The last computed summary, dataset and trace counts, valid while the store is unchanged."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._lock = threading.RLock()  # re-entrant: a diversion table computes the dataset first
        self._version: tuple[object, ...] | None = None
        self._values: dict[str, Any] = {}

    def _current(self) -> tuple[object, ...]:
        with self.store.connection() as conn:
            seq = conn.execute(select(func.max(t.custody_events.c.seq))).scalar()
            imports = tuple(conn.execute(select(func.count(), func.max(t.import_runs.c.finished_at))).one())
            traces = tuple(conn.execute(select(func.count(), func.max(t.trace_runs.c.finished_at))).one())
        return (seq, *imports, *traces)

    def get(self, key: str, compute: Any) -> Any:
        with self._lock:
            version = self._current()
            if version != self._version:
                self._values, self._version = {}, version
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]

    def summary(self) -> Summary:
        return self.get("summary", lambda: summarise(self.store))  # type: ignore[no-any-return]

    def dataset(self) -> Dataset:
        return self.get("dataset", lambda: load_dataset(self.store))  # type: ignore[no-any-return]

    def diversion(self, group: str, denominator: str, min_confidence: float) -> DiversionTable:
        return self.get(f"div|{group}|{denominator}|{min_confidence}",  # type: ignore[no-any-return]
                        lambda: diversion_rates(self.dataset(), group, min_confidence=min_confidence,
                                                denominator=denominator))

    def trace_statuses(self) -> Counter[str]:
        def count() -> Counter[str]:
            return Counter(row["status"] for row in TraceStore(self.store).latest())
        return self.get("statuses", count)  # type: ignore[no-any-return]


def summary_view(cache: ReportCache, role: Role) -> dict[str, Any]:
    """Holdings by kind and state, trail gaps; party detail only for unsuppressed roles."""
    s = cache.summary()
    full = role not in SUPPRESSED_ROLES
    out: dict[str, Any] = {
        "suppressed_below": None if full else SUPPRESS_BELOW,
        "items": s.items, "events": s.events, "recoveries": s.recoveries,
        "by_kind": [{"kind": k or "(no lawful holder)", "weapons": suppress(n, role)} for k, n in s.by_kind],
        "by_state": [{"state": r.region, "weapons": suppress(r.total, role),
                      "with_state_government": suppress(r.at_government, role),
                      "with_police_units": suppress(r.at_units, role)} for r in s.by_state],
        "gaps": [{"gap": g.kind, "weapons": suppress(g.count, role),
                  "top_parties": [{"party_id": p, "weapons": n} for p, n in g.top_parties] if full else None}
                 for g in s.gaps],
    }
    if full:
        out["licence_problems"] = s.licence_problems[:200]
    return out


def public_view(cache: ReportCache) -> dict[str, Any]:
    """The published aggregates: what anyone may read, always with small counts suppressed."""
    s = cache.summary()
    role = Role.PUBLIC
    statuses = cache.trace_statuses()
    return {
        "suppressed_below": SUPPRESS_BELOW,
        "weapons_registered": suppress(s.items, role),
        "recoveries": suppress(s.recoveries, role),
        "holdings_by_kind": [{"kind": k or "(no lawful holder)", "weapons": suppress(n, role)}
                             for k, n in s.by_kind],
        "holdings_by_state": [{"state": r.region, "weapons": suppress(r.total, role)} for r in s.by_state],
        "traces_by_status": [{"status": k, "recoveries": suppress(n, role)}
                             for k, n in sorted(statuses.items())],
    }


def diversion_view(cache: ReportCache, role: Role, group: str, denominator: str = "exposed",
                   min_confidence: float = 0.0, limit: int = 100) -> dict[str, Any]:
    """Diversion rates per group, worst first, with Wilson intervals; suppressed for analysts."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; use one of {', '.join(GROUPS)}")
    if denominator not in DENOMINATORS:
        raise ValueError(f"unknown denominator {denominator!r}; use one of {', '.join(DENOMINATORS)}")
    table = cache.diversion(group, denominator, min_confidence)
    rows = []
    for r in table.rows[:limit]:
        est = r.rate
        shown = suppress_rate(est.estimate, r.recovered, r.exposed, role)
        rows.append({
            "rank": r.rank, "key": r.key, "label": r.label, "kind": r.kind, "region": r.region,
            "recovered": suppress(r.recovered, role), "exposed": suppress(r.exposed, role),
            "rate": shown,
            "interval_low": est.wilson.low if shown is not None else None,
            "interval_high": est.wilson.high if shown is not None else None,
            "median_time_to_crime_days": r.median_ttc_days if shown is not None else None,
        })
    o = table.overall
    return {"group": group, "denominator": denominator, "definition": table.definition,
            "ranking": table.ranking, "min_confidence": min_confidence,
            "suppressed_below": SUPPRESS_BELOW if role in SUPPRESSED_ROLES else None,
            "overall": {"recovered": suppress(o.k, role), "exposed": suppress(o.n, role),
                        "rate": suppress_rate(o.estimate, o.k, o.n, role)},
            "rows": rows}
