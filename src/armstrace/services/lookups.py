"""Single-weapon trace lookups for a long-running server: the registry read once, kept fresh.

``tracing.lookup`` opens a tracer (the registry in compact arrays and the
candidate index) per call, which is right for one CLI command and far too slow
for a server answering one lookup at a time. ``LookupCache`` builds the tracer
once and keeps it while the store is unchanged: a cheap version check per call
(the import runs, for the registry and its parties; the ledger's last ``seq``, for custody
chains) rebuilds the registry after an import and forgets cached chains after
any new custody event, so an answer never lags the ledger.
"""

from __future__ import annotations

import threading

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.db.trace_store import TraceStore
from armstrace.services.tracing import (
    LookupResult,
    Tracer,
    lookup,
    merge_days,
    open_tracer,
    stored_calibration,
)

VERSIONS_SQL = ("SELECT (SELECT count(*) FROM import_runs), (SELECT max(finished_at) FROM import_runs), "
                "(SELECT max(seq) FROM custody_events)")


class LookupCache:
    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._tracer: Tracer | None = None
        self._registry_version: tuple[object, ...] | None = None
        self._chain_version: int | None = None

    def _versions(self) -> tuple[tuple[object, ...], int]:
        """(registry version, ledger head seq) in one round trip: every lookup asks, so the
        statement is plain SQL (no per-call compilation)."""
        with self.store.connection() as conn:
            count, finished, seq = conn.exec_driver_sql(VERSIONS_SQL).one()
        return (count, finished), int(seq or 0)

    def tracer(self) -> Tracer:
        """The current tracer (call with the lock held)."""
        registry, seq = self._versions()
        if self._tracer is None or registry != self._registry_version:
            calibration = stored_calibration(TraceStore(self.store))
            self._tracer, _ = open_tracer(self.store, calibration=calibration)
            self._registry_version, self._chain_version = registry, seq
        elif seq != self._chain_version:
            # New custody events: same registry, fresh chain cache; the inventory days
            # of the new ledger rows only (a range of the primary key, not a scan).
            old = self._tracer
            added = TraceStore(self.store).count_days(after_seq=self._chain_version or 0)
            self._tracer = Tracer(old.reg, old._fetch, old.parties, old.params, old.version,
                                  merge_days(old.count_days, added))
            self._chain_version = seq
        return self._tracer

    def lookup(self, serial: str, make: str | None, calibre: str | None = None, model: str | None = None,
               *, recovered_on: str | None = None, region: str | None = None,
               limit: int = 10) -> LookupResult:
        with self._lock:
            return lookup(self.store, serial, make, calibre, model, recovered_on=recovered_on,
                          region=region, limit=limit, tracer=self.tracer())
