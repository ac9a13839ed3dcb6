"""Queries the tracer needs: the registry, the recoveries, and the append-only traces."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from armstrace.adapters.db import tables as t
from armstrace.adapters.db.store import SqlStore
from armstrace.domain.records import CustodyEvent, Recovery


@dataclass(frozen=True, slots=True)
class RegistryItem:
    """What the tracer knows of a licensed weapon."""

    item_id: str
    manufacturer: str
    serial: str
    model: str | None
    calibre: str | None
    licence_id: str | None


TRACE_COLUMNS = ("recovery_id", "status", "item_id", "confidence", "candidates", "licence_id",
                 "last_custodian_id", "last_custody_at", "time_to_crime_days", "shared_custodian",
                 "reason", "evidence")

_RECOVERY_COLUMNS = [c for c in t.recoveries.c if c.name not in ("extra", "import_run_id")]


class TraceStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.engine = store.engine

    def registry(self) -> Iterator[RegistryItem]:
        """Every registered weapon, in item_id order, streamed."""
        it = t.items
        query = select(it.c.item_id, it.c.manufacturer, it.c.serial, it.c.model, it.c.calibre,
                       it.c.licence_id).order_by(it.c.item_id)
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=50_000).execute(query):
                yield RegistryItem(*row)

    def recoveries(self, ids: Sequence[str] | None = None) -> Iterator[Recovery]:
        """Stored recoveries (all, or those ids), in recovery_id order, streamed."""
        query = select(*_RECOVERY_COLUMNS).order_by(t.recoveries.c.recovery_id)
        if ids is not None:
            query = query.where(t.recoveries.c.recovery_id.in_(list(ids)))
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=20_000).execute(query):
                yield Recovery(**row._asdict())

    def reread_rows(self) -> Iterator[tuple[str | None, str | None, str | None]]:
        """(case_ref, recovered_on, serial) of every recovery, streamed: what the
        recording-quality estimate reads."""
        r = t.recoveries.c
        query = select(r.case_ref, r.recovered_on, r.serial)
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=50_000).execute(query):
                yield row[0], row[1], row[2]

    def chains(self, item_ids: Sequence[str]) -> dict[str, list[CustodyEvent]]:
        with self.store.connection() as conn:
            return self.store.events_for_items(conn, item_ids)

    def parties(self) -> dict[str, tuple[str, str, str | None, str | None]]:
        return self.store.parties_info()

    def count_days(self, after_seq: int = 0) -> dict[str, list[str]]:
        """The days each party recorded inventory counts, oldest first (one scan; with
        ``after_seq``, only ledger rows after it: a range of the primary key)."""
        e = t.custody_events.c
        day = func.substr(e.occurred_at, 1, 10)
        query = (select(e.to_party_id, day).where(e.event_type == "inventory")
                 .where(e.to_party_id.is_not(None)).distinct())
        if after_seq:
            query = query.where(e.seq > after_seq)
        out: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for party, when in conn.execute(query):
                out.setdefault(party, []).append(when)
        for days in out.values():
            days.sort()
        return out

    def runs(self) -> list[dict[str, Any]]:
        """Every tracing run, oldest first: which scorer, when, over how much data."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.trace_runs).order_by(t.trace_runs.c.started_at))
            return [dict(r._mapping) for r in rows]

    def items(self, item_ids: Sequence[str]) -> dict[str, RegistryItem]:
        """The registry entries for these items (a lookup, not a scan)."""
        it = t.items
        found: dict[str, RegistryItem] = {}
        wanted = sorted(set(item_ids))
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 900):
                query = select(it.c.item_id, it.c.manufacturer, it.c.serial, it.c.model, it.c.calibre,
                               it.c.licence_id).where(it.c.item_id.in_(wanted[start:start + 900]))
                found.update((r[0], RegistryItem(*r)) for r in conn.execute(query))
        return found

    def start_run(self, run_id: str, started_at: str, scorer_version: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(t.trace_runs.insert(), {"run_id": run_id, "started_at": started_at,
                                                 "scorer_version": scorer_version, "status": "running"})

    def finish_run(self, run_id: str, finished_at: str, status: str, registry_items: int,
                   recoveries: int) -> None:
        with self.store.transaction() as conn:
            conn.execute(t.trace_runs.update().where(t.trace_runs.c.run_id == run_id).values(
                finished_at=finished_at, status=status, registry_items=registry_items,
                recoveries=recoveries))

    def write(self, run_id: str, scorer_version: str, rows: list[dict[str, Any]]) -> None:
        """Append one batch of traces (dicts keyed by ``TRACE_COLUMNS``)."""
        if not rows:
            return
        payload = []
        for row in rows:
            record = {c: row.get(c) for c in TRACE_COLUMNS}
            if isinstance(record["evidence"], dict | list):
                record["evidence"] = json.dumps(record["evidence"], ensure_ascii=False)
            payload.append(record | {"run_id": run_id, "scorer_version": scorer_version})
        with self.store.transaction() as conn:
            conn.execute(t.traces.insert(), payload)

    def latest(self, *, evidence: bool = False) -> Iterator[dict[str, Any]]:
        """The current trace of every traced recovery: the one from the latest completed run.

        Streamed. The per-candidate evidence JSON is the bulk of a trace row; it is
        read only when asked for, so tables and headlines over many runs stay small.
        """
        tr, runs = t.traces, t.trace_runs
        columns = [c for c in tr.c if evidence or c.name != "evidence"]
        newest = (select(tr.c.recovery_id, func.max(runs.c.started_at).label("at"))
                  .join(runs, runs.c.run_id == tr.c.run_id)
                  .where(runs.c.status == "completed").group_by(tr.c.recovery_id).subquery())
        query = (select(*columns).join(runs, runs.c.run_id == tr.c.run_id)
                 .join(newest, (newest.c.recovery_id == tr.c.recovery_id)
                       & (newest.c.at == runs.c.started_at))
                 .order_by(tr.c.recovery_id))
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=20_000).execute(query):
                yield dict(row._mapping)
