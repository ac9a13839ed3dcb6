"""The store: every query the services need, behind one class, bound parameters only.

Services never see SQL. Each public method runs in its own transaction unless a
connection is handed in, so the import service can commit batch by batch and an
interrupted run leaves only whole batches behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import IntegrityError

from armstrace.adapters.db import tables as t
from armstrace.adapters.db.engine import upgrade
from armstrace.domain.ledger import GENESIS, CanonicalRow
from armstrace.domain.records import CustodyEvent, Licence

TABLES = {
    "parties": t.parties,
    "licences": t.licences,
    "items": t.items,
    "custody_events": t.custody_events,
    "recoveries": t.recoveries,
}
KEYS = {"parties": "party_id", "licences": "licence_id", "items": "item_id",
        "custody_events": "event_id", "recoveries": "recovery_id"}
# Stay under SQLite's bound-parameter limit and keep PostgreSQL statements small.
IN_CHUNK = 900

_EVENT_COLUMNS = (t.custody_events.c.event_id, t.custody_events.c.event_type,
                  t.custody_events.c.occurred_at, t.custody_events.c.item_id,
                  t.custody_events.c.from_party_id, t.custody_events.c.to_party_id,
                  t.custody_events.c.region, t.custody_events.c.document_ref,
                  t.custody_events.c.corrects_event_id, t.custody_events.c.extra)
CHAIN_COLUMNS = (t.custody_events.c.seq, t.custody_events.c.recorded_at, *_EVENT_COLUMNS,
                 t.custody_events.c.content_hash, t.custody_events.c.chain_hash)


APPEND_COLUMNS = ("seq", "recorded_at", "event_id", "event_type", "occurred_at", "item_id",
                  "from_party_id", "to_party_id", "region", "document_ref", "corrects_event_id", "extra",
                  "content_hash", "chain_hash", "import_run_id")


class ChainConflict(Exception):
    """Another writer appended to the chain first; the batch must be re-linked."""


def event_from_row(row: Sequence[Any]) -> CustodyEvent:
    """A stored event (columns as in ``_EVENT_COLUMNS``) back into a domain value."""
    extra = json.loads(row[9]) if row[9] else {}
    return CustodyEvent(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                        row[8], extra)


def _chunks(values: Sequence[str], size: int = IN_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class SqlStore:
    def __init__(self, engine: Engine, *, migrate: bool = True) -> None:
        self.engine = engine
        if migrate:
            upgrade(engine)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for reads; nothing it does is committed."""
        with self.engine.connect() as conn:
            yield conn

    # ------------------------------------------------------------ import runs

    def start_run(self, run_id: str, source: str, started_at: str) -> None:
        with self.transaction() as conn:
            conn.execute(t.import_runs.insert(), {"run_id": run_id, "source": source,
                                                  "started_at": started_at, "status": "running"})

    def finish_run(self, run_id: str, status: str, finished_at: str, summary: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute(t.import_runs.update().where(t.import_runs.c.run_id == run_id).values(
                status=status, finished_at=finished_at, summary=json.dumps(summary)))

    def record_rejects(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(t.import_rejects.insert(), rows)

    # ------------------------------------------------------------ reference records

    def all_ids(self, table: str) -> set[str]:
        key = TABLES[table].c[KEYS[table]]
        with self.engine.connect() as conn:
            return set(conn.execute(select(key)).scalars())

    def existing_ids(self, conn: Connection, table: str, ids: Iterable[str]) -> set[str]:
        key = KEYS[table]
        found: set[str] = set()
        for chunk in _chunks(sorted(set(ids))):
            marks = ", ".join([self._mark] * len(chunk))
            sql = f"SELECT {key} FROM {table} WHERE {key} IN ({marks})"
            found.update(r[0] for r in conn.exec_driver_sql(sql, tuple(chunk)))
        return found

    def stored_rows(self, conn: Connection, table: str, ids: Iterable[str],
                    columns: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """The stored values of ``columns`` for those keys, to tell repeats from conflicts."""
        tbl = TABLES[table]
        key = tbl.c[KEYS[table]]
        wanted = sorted(set(ids))
        found: dict[str, tuple[Any, ...]] = {}
        cols = [tbl.c[c] for c in columns]
        for chunk in _chunks(wanted):
            for row in conn.execute(select(key, *cols).where(key.in_(chunk))):
                found[row[0]] = tuple(row[1:])
        return found

    def insert(self, conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
        """Insert rows (all with the same keys).

        Tables whose column types need no conversion on the way in (text, integers)
        go straight to the driver's executemany: the ORM's per-row parameter
        processing cost more than the insert for 200,000 items. Others (decimals)
        go through SQLAlchemy, which converts their values for the backend.
        """
        if not rows:
            return
        tbl = TABLES[table]
        if not self._plain(table):
            conn.execute(tbl.insert(), rows)
            return
        columns = list(rows[0])
        marks = ", ".join([self._mark] * len(columns))
        sql = f"INSERT INTO {tbl.name} ({', '.join(columns)}) VALUES ({marks})"
        conn.exec_driver_sql(sql, [tuple(row[c] for c in columns) for row in rows])

    def _plain(self, table: str) -> bool:
        """True when no column of ``table`` converts its values before the driver sees them."""
        dialect = self.engine.dialect
        return all(c.type.bind_processor(dialect) is None for c in TABLES[table].columns)

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(TABLES[table])).scalar_one())

    # ------------------------------------------------------------ custody events

    def _events_where_in(self, conn: Connection, column: str, values: Sequence[str]) -> Iterator[Any]:
        """Stored events whose ``column`` is one of ``values``, in record order per chunk.

        Driver-level SQL with bound parameters: the importer asks this for every
        2,000 items, and compiling an expanding IN each time dominated the cost.
        """
        names = ", ".join(c.name for c in _EVENT_COLUMNS)
        for chunk in _chunks(sorted(set(values))):
            marks = ", ".join([self._mark] * len(chunk))
            sql = f"SELECT {names} FROM custody_events WHERE {column} IN ({marks}) ORDER BY seq"
            yield from conn.exec_driver_sql(sql, tuple(chunk))

    def events_for_items(self, conn: Connection, item_ids: Sequence[str]) -> dict[str, list[CustodyEvent]]:
        """Stored events per item, in chain order (record order)."""
        found: dict[str, list[CustodyEvent]] = {}
        for row in self._events_where_in(conn, "item_id", item_ids):
            found.setdefault(row[3], []).append(event_from_row(row))
        return found

    def events_by_id(self, conn: Connection, event_ids: Sequence[str]) -> dict[str, CustodyEvent]:
        return {row[0]: event_from_row(row) for row in self._events_where_in(conn, "event_id", event_ids)}

    def event_rows_for_items(self, conn: Connection,
                             item_ids: Sequence[str]) -> dict[str, list[tuple[Any, ...]]]:
        """Stored events per item, in chain order, as plain tuples (``_EVENT_COLUMNS`` order,
        extra as its stored JSON text): the importer compares them with staged rows as they are."""
        found: dict[str, list[tuple[Any, ...]]] = {}
        for row in self._events_where_in(conn, "item_id", item_ids):
            found.setdefault(row[3], []).append(tuple(row))
        return found

    def event_rows_by_id(self, conn: Connection, event_ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """Stored events with those ids, as plain tuples like ``event_rows_for_items``."""
        return {row[0]: tuple(row) for row in self._events_where_in(conn, "event_id", event_ids)}

    def event_exists(self, event_id: str) -> bool:
        ev = t.custody_events
        with self.engine.connect() as conn:
            return conn.execute(select(ev.c.seq).where(ev.c.event_id == event_id)).first() is not None

    def chain_tail(self, conn: Connection) -> tuple[int, bytes]:
        ev = t.custody_events
        row = conn.execute(select(ev.c.seq, ev.c.chain_hash).order_by(ev.c.seq.desc()).limit(1)).first()
        if row is None:
            return 0, GENESIS
        return int(row[0]), bytes(row[1])

    def lock_chain(self, conn: Connection) -> None:
        """Serialise writers of the chain, first thing in the writing transaction.

        PostgreSQL waits on an advisory lock. SQLite takes its write lock at once
        (BEGIN IMMEDIATE): the chain tail read next cannot move under the writer, and
        everything after is inside the transaction. Without it pysqlite begins only
        at the first INSERT, so a bulk append's DROP INDEX ran in autocommit and an
        interrupted bulk import left the ledger without its indexes.
        """
        if self.backend == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(727274)"))
        elif not conn.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def append_events(self, conn: Connection, rows: list[tuple[Any, ...]], run_id: str,
                      recorded_at: str) -> None:
        """Append linked events and a checkpoint at the new head, in the caller's transaction.

        ``rows`` are tuples in ``APPEND_COLUMNS`` order. They go straight to the
        driver's executemany with bound parameters: at a million events the ORM's
        per-row parameter processing would cost more than the hashing.
        """
        placeholders = ", ".join([self._mark] * len(APPEND_COLUMNS))
        sql = f"INSERT INTO custody_events ({', '.join(APPEND_COLUMNS)}) VALUES ({placeholders})"
        try:
            conn.exec_driver_sql(sql, rows)
        except IntegrityError as exc:
            raise ChainConflict(str(exc.orig)) from exc
        last = rows[-1]
        conn.execute(t.ledger_checkpoints.insert(), {"seq": last[0], "chain_hash": last[13],
                                                     "recorded_at": recorded_at, "import_run_id": run_id})

    @property
    def can_copy_staged(self) -> bool:
        """Whether ``staged_append`` works here: SQLite can attach the importer's scratch file."""
        return self.backend == "sqlite"

    @contextmanager
    def staged_append(self, scratch: Path) -> Iterator[Connection]:
        """A transaction whose connection sees the importer's staging file as ``staging``
        (SQLite only). SQLite refuses ATTACH inside a transaction, so it comes first."""
        with self.engine.connect() as conn:
            driver = conn.connection.driver_connection
            driver.execute("ATTACH DATABASE ? AS staging", (str(scratch),))  # type: ignore[union-attr]
            try:
                with conn.begin():
                    yield conn
            finally:
                driver.execute("DETACH DATABASE staging")  # type: ignore[union-attr]

    def append_staged(self, conn: Connection, links: list[tuple[int, int, bytes, bytes]], run_id: str,
                      recorded_at: str) -> None:
        """``append_events`` for rows already in the attached staging file (``staged_append``).

        ``links`` are (seq, row_no, content_hash, chain_hash); the database copies each
        event's values from ``staging.staged`` by row number, exactly as staged and
        hashed, so Python binds four values per event instead of fifteen.
        """
        conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS staged_links "
                             "(seq INTEGER PRIMARY KEY, row_no INTEGER, content BLOB, chain BLOB)")
        conn.exec_driver_sql("INSERT INTO temp.staged_links VALUES (?, ?, ?, ?)", links)
        values = ", ".join(f"s.{c}" for c in APPEND_COLUMNS[2:12])
        try:
            conn.exec_driver_sql(
                f"INSERT INTO main.custody_events ({', '.join(APPEND_COLUMNS)}) "
                f"SELECT l.seq, ?, {values}, l.content, l.chain, ? FROM temp.staged_links l "
                "JOIN staging.staged s ON s.row_no = l.row_no ORDER BY l.seq", (recorded_at, run_id))
        except IntegrityError as exc:
            raise ChainConflict(str(exc.orig)) from exc
        conn.exec_driver_sql("DELETE FROM temp.staged_links")
        last = links[-1]
        conn.execute(t.ledger_checkpoints.insert(), {"seq": last[0], "chain_hash": last[3],
                                                     "recorded_at": recorded_at, "import_run_id": run_id})

    def drop_event_indexes(self, conn: Connection) -> None:
        """For a bulk append, inside its transaction: rebuilt by ``create_event_indexes``."""
        for name, _column, _unique in t.EVENT_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")

    def create_event_indexes(self, conn: Connection) -> None:
        for name, column, unique in t.EVENT_INDEXES:
            kind = "UNIQUE INDEX" if unique else "INDEX"
            conn.exec_driver_sql(f"CREATE {kind} IF NOT EXISTS {name} ON custody_events ({column})")

    @property
    def _mark(self) -> str:
        return "?" if self.backend == "sqlite" else "%s"

    def parties_info(self) -> dict[str, tuple[str, str, str | None, str | None]]:
        """party_id -> (name, kind, region, parent_id)."""
        p = t.parties
        with self.engine.connect() as conn:
            return {r[0]: (r[1], r[2], r[3], r[4]) for r in
                    conn.execute(select(p.c.party_id, p.c.name, p.c.kind, p.c.region, p.c.parent_id))}

    def licences_all(self) -> dict[str, Licence]:
        lic = t.licences
        cols = [c for c in lic.c if c.name not in ("extra", "import_run_id")]
        with self.engine.connect() as conn:
            return {r.licence_id: Licence(**{c.name: getattr(r, c.name) for c in cols})
                    for r in conn.execute(select(*cols))}

    def chains_by_licence(self) -> Iterator[tuple[str | None, dict[str, list[CustodyEvent]]]]:
        """Every item's events, grouped by the licence the item left under (streamed)."""
        it, ev = t.items, t.custody_events
        query = (select(it.c.licence_id, it.c.item_id, *_EVENT_COLUMNS)
                 .select_from(it.outerjoin(ev, ev.c.item_id == it.c.item_id))
                 .order_by(it.c.licence_id, it.c.item_id, ev.c.seq))
        current: str | None = None
        chains: dict[str, list[CustodyEvent]] = {}
        started = False
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=20_000).execute(query):
                if started and row[0] != current:
                    yield current, chains
                    chains = {}
                current, started = row[0], True
                events = chains.setdefault(row[1], [])
                if row[2] is not None:
                    events.append(event_from_row(row[2:]))
        if started:
            yield current, chains

    # ------------------------------------------------------------ verification

    def chain_bounds(self) -> tuple[int, int, int]:
        ev = t.custody_events
        with self.engine.connect() as conn:
            row = conn.execute(select(func.min(ev.c.seq), func.max(ev.c.seq), func.count())).one()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)

    def chain_rows(self, first: int, last: int) -> Iterator[tuple[Any, ...]]:
        """Stored links with ``first <= seq <= last`` in order: canonical values then hashes.

        Read through the driver's own cursor, streamed: verification is bound by
        how fast rows arrive, and the ORM-free path is several times faster.
        """
        ev = t.custody_events
        query = (select(*CHAIN_COLUMNS).where(ev.c.seq.between(int(first), int(last)))
                 .order_by(ev.c.seq))
        sql = str(query.compile(dialect=self.engine.dialect, compile_kwargs={"literal_binds": True}))
        return self._driver_rows(sql, ())

    def canonical_rows(self, first: int, last: int) -> Iterator[tuple[Any, ...]] | None:
        """(seq, event_id, canonical JSON text, content hash, chain hash), or None.

        SQLite's ``json_array`` writes exactly the ledger's canonical text (compact,
        UTF-8, the same escapes), so verification can fetch one string per event
        instead of twelve values and skip encoding in Python. PostgreSQL's JSON
        output puts spaces after commas, so it returns None and the caller uses
        ``chain_rows``. The caller re-encodes any row whose hash disagrees.
        """
        if self.backend != "sqlite":
            return None
        sql = ("SELECT seq, event_id, json_array(seq, recorded_at, event_id, event_type, occurred_at, "
               "item_id, from_party_id, to_party_id, region, document_ref, corrects_event_id, extra), "
               "content_hash, chain_hash FROM custody_events WHERE seq BETWEEN ? AND ? ORDER BY seq")
        return self._driver_rows(sql, (int(first), int(last)))

    def _driver_rows(self, sql: str, params: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        """Rows through the driver's own cursor, streamed (server-side on PostgreSQL)."""
        raw = self.engine.raw_connection()
        try:
            driver = raw.driver_connection
            cursor = (driver.cursor(name="armstrace_rows")  # type: ignore[union-attr]
                      if self.backend == "postgresql" else driver.cursor())  # type: ignore[union-attr]
            cursor.execute(sql, params or None)
            while True:
                rows = cursor.fetchmany(50_000)
                if not rows:
                    break
                yield from rows
            cursor.close()
        finally:
            raw.close()

    def stored_link(self, seq: int) -> tuple[CanonicalRow, bytes, bytes] | None:
        ev = t.custody_events
        with self.engine.connect() as conn:
            row = conn.execute(select(*CHAIN_COLUMNS).where(ev.c.seq == seq)).first()
        if row is None:
            return None
        values = tuple(row)
        return values[:12], bytes(values[12]), bytes(values[13])

    def checkpoints(self) -> list[tuple[int, bytes]]:
        cp = t.ledger_checkpoints
        with self.engine.connect() as conn:
            rows = conn.execute(select(cp.c.seq, cp.c.chain_hash).order_by(cp.c.seq))
            return [(int(r[0]), bytes(r[1])) for r in rows]
