"""Import use case: read a folder of contract files into the store, losing nothing.

Rules the people who hand us files rely on (data-contract.md):
- every row is validated; a bad row goes to the rejects report with file, row,
  column and reason, and never stops its neighbours;
- re-importing the same files adds nothing (a repeat is counted, not stored);
- a record that contradicts one already stored is rejected, never overwritten;
- the store only ever holds whole committed batches, so an interrupted import
  is finished by running it again.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import multiprocessing
import queue
import signal
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection

from armstrace.adapters.db.staging import (
    CORRECTS,
    EVENT_ID,
    EVENT_TYPE,
    EXTRA,
    FROM_PARTY,
    ITEM_ID,
    OCCURRED_AT,
    ROW_NO,
    TO_PARTY,
    EventStaging,
    StagedRow,
    StagingWriter,
    hash_ahead,
    hashed_ahead,
)
from armstrace.adapters.db.store import ChainConflict, SqlStore, event_from_row
from armstrace.adapters.io.mappings import ColumnMapping
from armstrace.adapters.io.readers import RowReader, SourceFile, find_sources
from armstrace.domain.contract import SCHEMA_BY_NAME, SCHEMAS, FileSchema, Problem, RowPlan, validate_row
from armstrace.domain.custody import sequence_problems, surely_possible
from armstrace.domain.ledger import content_hash, encode_extra, linked_rows
from armstrace.domain.records import CustodyEvent
from armstrace.services.ports import Clock, Progress, no_progress

BATCH = 5_000
EVENT_BATCH = 20_000
BULK_FROM = 100_000
# From this size (about 50,000 events) a custody events file is staged by a second
# process while this one imports the rest; below it, a process costs more than it saves.
LARGE_EVENTS_FILE = 4_000_000
# Rows per chunk when both processes stage a shared file.
SHARE_CHUNK = 10_000
ITEM_GROUP = 2_000
ORDER = [s.name for s in SCHEMAS]
REJECT_COLUMNS = ("file", "row", "column", "reason", "value")
# A valid row as read: (row number, values in schema column order, extra columns as JSON or None).
ReadRow = tuple[int, tuple[Any, ...], str | None]


@dataclass
class FileReport:
    path: str
    contract_file: str
    rows: int = 0
    taken: int = 0
    already_stored: int = 0
    rejected_rows: int = 0


@dataclass
class ImportReport:
    run_id: str
    source: str
    files: list[FileReport] = field(default_factory=list)
    rejects_path: str | None = None
    status: str = "running"

    @property
    def taken(self) -> int:
        return sum(f.taken for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected_rows for f in self.files)


class NothingToImport(ValueError):
    """The folder holds none of the contract files."""


class _Rejects:
    """Writes each rejected row's problems to the CSV report and to the store."""

    def __init__(self, store: SqlStore, run_id: str, path: Path) -> None:
        self.store, self.run_id, self.path = store, run_id, path
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REJECT_COLUMNS)
        self._pending: list[dict[str, Any]] = []
        self.count = 0

    def add(self, report: FileReport, file: str, row: int, problems: Iterable[Problem]) -> None:
        report.rejected_rows += 1
        for p in problems:
            self.count += 1
            self._writer.writerow((file, row, p.column, p.reason, p.value))
            self._pending.append({"run_id": self.run_id, "file": file, "row_number": row,
                                  "column_name": p.column, "reason": p.reason, "value": p.value})

    def flush(self, conn: Connection) -> None:
        self.store.record_rejects(conn, self._pending)
        self._pending = []
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


def _record_values(schema: FileSchema, record: Any) -> tuple[tuple[Any, ...], str | None]:
    """A record from ``validate_row`` in the layout ``RowPlan`` gives: values, extra JSON."""
    return tuple(getattr(record, name) for name in schema.column_names), encode_extra(record.extra)


def _event(row: StagedRow) -> CustodyEvent:
    """A staged row as a domain event, for the rules that need one."""
    _, event_id, kind, when, item, source, target, region, document, corrects, extra = row
    return CustodyEvent(event_id, kind, when, item, source, target, region, document, corrects,
                        json.loads(extra) if extra else {})


def _stored_event(row: tuple[Any, ...]) -> CustodyEvent:
    """A stored event row (``SqlStore.event_rows_*``) as a domain event."""
    return event_from_row(row)


def _same_event(stored: tuple[Any, ...], staged: StagedRow) -> bool:
    """A stored event (event columns, extra JSON) says exactly what a staged row says."""
    if stored[:9] != staged[EVENT_ID:EXTRA]:
        return False
    a, b = stored[9], staged[EXTRA]
    return a == b or bool(a and b and json.loads(a) == json.loads(b))


@contextmanager
def _few_collections() -> Iterator[None]:
    """Fewer garbage collections while importing, restored afterwards.

    An import allocates millions of short-lived tuples and keeps few; with the
    default thresholds the collector walks the growing heap thousands of times.
    """
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _valid_rows(source: SourceFile, mapping: ColumnMapping, report: FileReport,
                reject: Callable[[int, list[Problem]], None],
                progress: Callable[[int, int], None],
                claim: Callable[[], int] | None = None) -> Iterator[ReadRow]:
    """Valid rows of one file as (row number, values in schema column order, extra JSON or None).

    Invalid rows go to ``reject``. ``RowPlan`` takes the rows it can accept
    outright; every other row is judged by ``validate_row``, the one place that
    finds and words problems. With ``claim``, two processes share the file: each
    parses every row but validates only the chunks of SHARE_CHUNK rows it claimed
    (``claim`` hands out chunk numbers 0, 1, 2, ... once each, to whoever asks).
    """
    schema = SCHEMA_BY_NAME[source.contract_file]
    reader = RowReader(source, mapping)
    plan: RowPlan | None = None
    mine = claim() if claim is not None else -1
    for index, (number, cells) in enumerate(reader.cells()):
        if claim is not None:
            chunk = index // SHARE_CHUNK
            if chunk != mine:
                if chunk < mine:
                    continue
                mine = claim()
                if chunk < mine:
                    continue
        if plan is None:
            plan = RowPlan(schema, reader.header)
        report.rows += 1
        accepted = plan.values(cells)
        if accepted is None:
            result = validate_row(schema, reader.as_dict(cells))
            if result.problems:
                reject(number, result.problems)
                continue
            accepted = _record_values(schema, result.record)
        yield number, accepted[0], accepted[1]
        if report.rows % 5_000 == 0:
            progress(reader.bytes_read, reader.size)
    progress(reader.size, reader.size)


def _stage(rows: Iterable[ReadRow], staging: EventStaging | StagingWriter, index: bool = True) -> None:
    """Valid custody event rows into the staging file, then (``index``) its indexes."""
    batch: list[StagedRow] = []
    for number, values, extra in rows:
        batch.append((number, *values, extra))
        if len(batch) >= EVENT_BATCH:
            staging.add(batch)
            batch = []
    staging.add(batch)
    if index:
        staging.finish_loading()
    else:
        staging.db.commit()


def _stage_elsewhere(source: SourceFile, mapping: ColumnMapping, path: Path, done: Any,
                     results: Any, first_seq: int, recorded_at: str, counter: Any) -> None:
    """The staging process: read, validate and stage its share of ``source`` into ``path``
    (all of it when ``counter`` is None, else the chunks it claims from ``counter``) and
    send ("staged", rows read, rows staged, error or None); refused rows are kept in the
    file. Then, once the importer says the file is whole and indexed, hash ahead for the
    append (``hash_ahead``) and send ("hashed", path or None)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the importer decides when this stops
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        writer = StagingWriter(path)
        report = FileReport(str(source.path), source.contract_file)

        def refuse(number: int, problems: list[Problem]) -> None:
            writer.refuse(number, [(p.column, p.reason, p.value) for p in problems])

        def progress(read: int, _size: int) -> None:
            done.value = read

        claim = None if counter is None else partial(_claim, counter)
        _stage(_valid_rows(source, mapping, report, refuse, progress, claim), writer, index=False)
        writer.close()
        results.send(("staged", report.rows, writer.count, None))
    except BaseException as exc:
        try:
            results.send(("staged", 0, 0, exc))
        except Exception:
            results.send(("staged", 0, 0, RuntimeError(f"staging {source.path.name} failed: {exc!r}")))
        return
    try:
        if results.recv() != "hash":
            return
        results.send(("hashed", hash_ahead(path, first_seq, recorded_at, content_hash)))
    except EOFError:
        return  # the importer went on without hashes
    except Exception:
        results.send(("hashed", None))  # the importer hashes everything itself


def _claim(counter: Any) -> int:
    """The next chunk of a shared file: each number once, to whichever process asks first."""
    with counter.get_lock():
        chunk = int(counter.value)
        counter.value = chunk + 1
    return chunk


class _StagingProcess:
    """Reads, validates and stages a large custody events file in a second process.

    Why: events are validated without the store (references and sequences are
    checked later, against the staged rows), so a second core can read the
    biggest file while this process imports the parties, licences and items the
    events refer to, and then hash ahead for the append while this one checks
    sequences. The staging file is the same one this process would have written;
    refused rows come back through it, in file order, and are reported here
    exactly as if read here. Stopping the import kills the process and throws the
    scratch files away: it never touches the store.
    """

    def __init__(self, source: SourceFile, mapping: ColumnMapping, progress: Progress,
                 first_seq: int, recorded_at: str) -> None:
        self.source, self.progress = source, progress
        self.size = source.path.stat().st_size
        self.staging = EventStaging()
        methods = multiprocessing.get_all_start_methods()
        # fork: the child starts at once, without importing armstrace again.
        context = (multiprocessing.get_context("fork") if "fork" in methods
                   else multiprocessing.get_context("spawn"))
        self._done = context.Value("q", 0, lock=False)
        # A CSV is shared chunk by chunk once this process is free; a workbook is read once.
        self.shared = source.path.suffix.lower() == ".csv"
        self._part: Path | None = None
        self._counter = context.Value("q", 0) if self.shared else None
        self._results, sender = context.Pipe(duplex=True)
        self._process = context.Process(
            target=_stage_elsewhere, name="armstrace-staging", daemon=True,
            args=(source, mapping, self.staging.hand_over(), self._done, sender, first_seq, recorded_at,
                  self._counter))
        self._process.start()
        sender.close()

    def show_progress(self) -> None:
        self.progress(self.source.path.name, int(self._done.value), self.size)

    def _receive(self, on_wait: Callable[[], None]) -> Any:
        while not self._results.poll(0.2):
            if not self._process.is_alive() and not self._results.poll():
                raise RuntimeError(f"the process staging {self.source.path.name} stopped unexpectedly")
            on_wait()
        return self._results.recv()

    def share(self, mapping: ColumnMapping) -> int:
        """Stage chunks of the file here too, until none are left; the rows read here."""
        if self._counter is None:
            return 0
        part = self.staging.path.with_name("share.db")
        writer = StagingWriter(part, create=True)
        report = FileReport(str(self.source.path), self.source.contract_file)

        def progress(done: int, total: int) -> None:
            self.progress(self.source.path.name, max(done, int(self._done.value)), total)

        def refuse(number: int, problems: list[Problem]) -> None:
            writer.refuse(number, [(p.column, p.reason, p.value) for p in problems])

        try:
            _stage(_valid_rows(self.source, mapping, report, refuse, progress,
                               partial(_claim, self._counter)), writer, index=False)
        finally:
            writer.db.close()
        self._part = part
        return report.rows

    def finish(self) -> int:
        """Wait until the other process has staged its share, take in this process's share
        and index the whole; the rows read there. Its error is raised here."""
        _, rows, count, error = self._receive(self.show_progress)
        if error is not None:
            raise error
        self.staging.take_back(count)
        part = self._part
        if part is not None:
            self.staging.absorb(part)
            part.unlink()
        self.staging.finish_loading()
        self._results.send("hash")
        self.show_progress()
        return int(rows)

    def hashes(self, progress: Progress) -> Path | None:
        """Wait for the hashes computed ahead; None if there are none."""
        try:
            _, path = self._receive(lambda: progress("hashing ahead", 0, None))
        except RuntimeError:
            return None
        return path if isinstance(path, Path) else None

    def end(self) -> None:
        """Make sure the process is gone (killed if it still runs)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._results.close()

    def stop(self) -> None:
        """End the process and throw the scratch files away."""
        self.end()
        self.staging.close()


class _ChainMoved(Exception):
    """The chain tail is not where the hashes computed ahead assumed it would be."""


class _BackgroundWriter:
    """Stores linked batches from a second thread while the caller links the next one.

    Why: SQLite and the PostgreSQL driver do their part of an insert (B-tree pages,
    the WAL, the wire) with the GIL released, so storing batch n overlaps hashing
    batch n+1 on the second core. At most two batches wait, so memory stays
    bounded. Only this thread uses the caller's transaction until the ``with``
    block ends, which waits for it; an error in it is raised in the caller, and an
    interruption in the caller makes it skip what is left.
    """

    def __init__(self, write: Callable[[list[tuple[object, ...]]], None]) -> None:
        self._write = write
        self._queue: queue.Queue[list[tuple[object, ...]] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._abandon = False
        self._thread = threading.Thread(target=self._run, name="armstrace-ledger-writer", daemon=True)

    def __enter__(self) -> _BackgroundWriter:
        self._thread.start()
        return self

    def _run(self) -> None:
        while (rows := self._queue.get()) is not None:
            if self._error is None and not self._abandon:
                try:
                    self._write(rows)
                except BaseException as exc:
                    self._error = exc

    def put(self, rows: list[tuple[object, ...]]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(rows)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._abandon = exc is not None
        self._queue.put(None)
        self._thread.join()
        if exc is None and self._error is not None:
            raise self._error


class Importer:
    def __init__(self, store: SqlStore, clock: Clock, mapping: ColumnMapping,
                 progress: Progress = no_progress) -> None:
        self.store, self.clock, self.mapping, self.progress = store, clock, mapping, progress

    def run(self, folder: Path, rejects_path: Path) -> ImportReport:
        sources = sorted(find_sources(folder, self.mapping), key=lambda s: ORDER.index(s.contract_file))
        if not sources:
            raise NothingToImport(
                f"{folder}: none of parties, licences, items, custody_events, recoveries "
                "(.csv or .xlsx, or a mapped name such as recuperaciones.csv) found")
        report = ImportReport(uuid.uuid4().hex, str(folder.resolve()))
        self.recorded_at = self.clock.now()
        self.store.start_run(report.run_id, report.source, self.recorded_at)
        self.rejects = _Rejects(self.store, report.run_id, rejects_path)
        report.rejects_path = str(rejects_path)
        self.report = report
        events = [s for s in sources if s.contract_file == "custody_events"]
        self._staging: _StagingProcess | None = None
        try:
            if events and events[0].path.stat().st_size >= LARGE_EVENTS_FILE:
                with self.store.connection() as conn:
                    tail, _ = self.store.chain_tail(conn)
                self._staging = _StagingProcess(events[0], self.mapping, self.progress, tail + 1,
                                                self.recorded_at)
            with _few_collections():
                self.parties = self.store.all_ids("parties")
                self.licences = self.store.all_ids("licences")
                for source in sources:
                    file_report = FileReport(str(source.path), source.contract_file)
                    report.files.append(file_report)
                    if source.contract_file == "custody_events":
                        self._import_events(source, file_report)
                    else:
                        self._import_records(source, file_report)
            report.status = "completed"
        except BaseException as exc:
            report.status = "interrupted"
            # A signal that lands inside a driver call (Ctrl-C, kill) leaves that call's
            # cursor alive in the traceback's frames, and SQLite keeps the connection --
            # and its write lock -- open while a statement of it is unfinished. Letting
            # go of those frames and of the pool's connections rolls the batch back now,
            # so recording the interruption below does not wait on our own lock.
            traceback.clear_frames(exc.__traceback__)
            gc.collect()
            self.store.engine.dispose()
            raise
        finally:
            if self._staging is not None:
                self._staging.stop()
            self.rejects.close()
            self.store.finish_run(report.run_id, report.status, self.clock.now(),
                                  {f.path: f.__dict__ for f in report.files})
        return report

    # ------------------------------------------------------------ shared steps

    def _read(self, source: SourceFile, report: FileReport) -> Iterator[ReadRow]:
        """Valid rows of ``source``; invalid ones go to the rejects."""
        name = source.path.name

        def reject(number: int, problems: list[Problem]) -> None:
            self.rejects.add(report, name, number, problems)

        def progress(done: int, total: int) -> None:
            self.progress(name, done, total)
            if self._staging is not None:
                self._staging.show_progress()

        return _valid_rows(source, self.mapping, report, reject, progress)

    def _reference_problems(self, conn: Connection, schema: FileSchema,
                            batch: list[ReadRow]) -> dict[int, list[Problem]]:
        problems: dict[int, list[Problem]] = {}
        refs = [(i, c.name, c.refers_to) for i, c in enumerate(schema.columns)
                if c.refers_to in ("party", "licence", "item")]
        item_at = [i for i, _, kind in refs if kind == "item"]
        known_items: set[str] = set()
        if item_at:
            wanted = {values[i] for _, values, _ in batch for i in item_at} - {None}
            known_items = self.store.existing_ids(conn, "items", wanted)
        known = {"party": self.parties, "licence": self.licences, "item": known_items}
        for number, values, _ in batch:
            for i, column, kind in refs:
                value = values[i]
                if value is not None and value not in known[kind]:
                    problems.setdefault(number, []).append(Problem(
                        column, f"unknown {kind} (not in this import nor the store)", value))
        return problems

    # ------------------------------------------------------------ parties .. recoveries

    def _import_records(self, source: SourceFile, report: FileReport) -> None:
        schema = SCHEMA_BY_NAME[source.contract_file]
        if schema.name == "parties":
            # Parents may come later in the same file: learn every id first.
            reader = RowReader(source, self.mapping)
            for _, row in reader:
                result = validate_row(schema, row)
                if result.record is not None:
                    self.parties.add(result.record.party_id)
        batch: list[ReadRow] = []
        for entry in self._read(source, report):
            batch.append(entry)
            if len(batch) >= BATCH:
                self._store_records(schema, source, report, batch)
                batch = []
        self._store_records(schema, source, report, batch)
        if schema.name == "licences":
            self.licences |= self.store.all_ids("licences")

    def _store_records(self, schema: FileSchema, source: SourceFile, report: FileReport,
                       batch: list[ReadRow]) -> None:
        name = source.path.name
        names = schema.column_names
        with self.store.transaction() as conn:
            bad = self._reference_problems(conn, schema, batch)
            rows: dict[int, dict[str, Any]] = {}
            for number, values, extra in batch:
                row = dict(zip(names, values, strict=True))
                row["extra"] = extra
                rows[number] = row
            columns = [c for c in names if c != schema.key] + ["extra"]
            stored = self.store.stored_rows(conn, schema.name, [r[schema.key] for r in rows.values()],
                                            columns)
            fresh: dict[str, tuple[int, dict[str, Any]]] = {}
            for number, row in rows.items():
                if number in bad:
                    self.rejects.add(report, name, number, bad[number])
                    continue
                key = row[schema.key]
                values = tuple(row[c] for c in columns)
                previous = stored.get(key) or (tuple(fresh[key][1][c] for c in columns)
                                               if key in fresh else None)
                if previous is None:
                    fresh[key] = (number, row)
                elif _same(previous, values):
                    report.already_stored += 1
                else:
                    where = "the store" if key in stored else f"row {fresh[key][0]}"
                    diff = [c for c, a, b in zip(columns, previous, values, strict=True)
                            if not _same((a,), (b,))]
                    self.rejects.add(report, name, number, [Problem(
                        schema.key, f"already recorded in {where} with different {', '.join(diff)}; "
                        "records are never overwritten", key)])
            run_id = self.report.run_id
            new_rows = [row for _, row in fresh.values()]
            for row in new_rows:
                row["import_run_id"] = run_id
            self.store.insert(conn, schema.name, new_rows)
            self.rejects.flush(conn)
            report.taken += len(new_rows)

    # ------------------------------------------------------------ custody events

    def _import_events(self, source: SourceFile, report: FileReport) -> None:
        name = source.path.name
        if self._staging is not None:
            process, self._staging = self._staging, None
            with process.staging as staging:
                try:
                    own = process.share(self.mapping)
                    report.rows = process.finish() + own
                    for number, problems in staging.refused():
                        self.rejects.add(report, name, number, [Problem(*p) for p in problems])
                    self._check_and_append(staging, source, report, process)
                finally:
                    process.end()
            return
        with EventStaging() as staging:
            _stage(self._read(source, report), staging)
            self._check_and_append(staging, source, report, None)

    def _check_and_append(self, staging: EventStaging, source: SourceFile, report: FileReport,
                          process: _StagingProcess | None) -> None:
        name = source.path.name
        skip: set[int] = set()
        rejected: dict[int, list[Problem]] = {}
        repeats: set[int] = set()  # later rows of an event id: never appended, never hashed ahead
        for event_id, group in staging.repeated_ids():
            first = group[0]
            for row in group[1:]:
                skip.add(row[ROW_NO])
                repeats.add(row[ROW_NO])
                if row[EVENT_ID:] == first[EVENT_ID:]:
                    report.already_stored += 1
                else:
                    rejected[row[ROW_NO]] = [Problem("event_id", f"repeats row {first[ROW_NO]} with "
                                                     "different content", event_id)]
        self._check_sequences(staging, report, skip, rejected)
        for number in sorted(rejected):
            self.rejects.add(report, name, number, rejected[number])
        with self.store.transaction() as conn:
            self.rejects.flush(conn)
        self._append(staging, report, skip | set(rejected), process, repeats)

    def _check_sequences(self, staging: EventStaging, report: FileReport, skip: set[int],
                         rejected: dict[int, list[Problem]]) -> None:
        groups: list[tuple[str, list[StagedRow]]] = []
        done = 0
        for item_id, group in staging.by_item():
            groups.append((item_id, [g for g in group if g[ROW_NO] not in skip] if skip else group))
            if len(groups) >= ITEM_GROUP:
                self._check_groups(staging, groups, report, skip, rejected)
                done += sum(len(g) for _, g in groups)
                self.progress("checking custody sequences", done, staging.count)
                groups = []
        self._check_groups(staging, groups, report, skip, rejected)

    def _check_groups(self, staging: EventStaging, groups: list[tuple[str, list[StagedRow]]],
                      report: FileReport, skip: set[int], rejected: dict[int, list[Problem]]) -> None:
        if not groups:
            return
        with self.store.connection() as conn:
            item_ids = [item_id for item_id, _ in groups]
            known_items = self.store.existing_ids(conn, "items", item_ids)
            stored = self.store.event_rows_for_items(conn, item_ids)
            stored_by_id = {e[0]: e for events in stored.values() for e in events}
            new_ids = [e[EVENT_ID] for _, g in groups for e in g]
            elsewhere = self.store.event_rows_by_id(conn, [i for i in new_ids if i not in stored_by_id])
        parties = self.parties
        for item_id, group in groups:
            fresh: list[StagedRow] = []
            item_known = item_id in known_items
            for row in group:
                number, event_id = row[ROW_NO], row[EVENT_ID]
                previous = stored_by_id.get(event_id) or elsewhere.get(event_id)
                source, target = row[FROM_PARTY], row[TO_PARTY]
                if (item_known and previous is None and (source is None or source in parties)
                        and (target is None or target in parties)):
                    fresh.append(row)  # the common case, decided without building anything
                    continue
                problems = self._event_problems(row, item_known)
                if previous is not None:
                    if _same_event(previous, row):
                        skip.add(number)
                        report.already_stored += 1
                        continue
                    problems.append(Problem("event_id", "already recorded with different content; "
                                            "record a correction instead", event_id))
                if problems:
                    rejected[number] = problems
                else:
                    fresh.append(row)
            by_id = {r[EVENT_ID]: r for r in fresh}
            for row in list(fresh):
                target = row[CORRECTS]
                if target and target not in stored_by_id and target not in by_id:
                    owner = staging.item_of(target)
                    if owner == item_id:
                        reason = f"corrects event {target}, which was itself rejected"
                    elif owner is not None or self.store.event_exists(target):
                        reason = f"corrects event {target}, which belongs to another item"
                    else:
                        reason = f"corrects event {target}, which is not recorded"
                    rejected[row[ROW_NO]] = [Problem("corrects_event_id", reason, target)]
                    fresh.remove(row)
                    del by_id[row[EVENT_ID]]
            earlier = stored.get(item_id)
            if not earlier and surely_possible(fresh, EVENT_TYPE, OCCURRED_AT, TO_PARTY, CORRECTS):
                continue
            events = [_stored_event(e) for e in earlier or ()]
            for problem in sequence_problems(events, [_event(r) for r in fresh]):
                row = by_id[problem.event_id]
                column = "corrects_event_id" if "correct" in problem.reason else "occurred_at"
                value = row[CORRECTS if column == "corrects_event_id" else OCCURRED_AT]
                rejected.setdefault(row[ROW_NO], []).append(Problem(column, problem.reason, value or ""))

    def _event_problems(self, row: StagedRow, item_known: bool) -> list[Problem]:
        problems = []
        if not item_known:
            problems.append(Problem("item_id", "unknown item (not in this import nor the store)",
                                    row[ITEM_ID]))
        for column, at in (("from_party_id", FROM_PARTY), ("to_party_id", TO_PARTY)):
            party = row[at]
            if party is not None and party not in self.parties:
                problems.append(Problem(column, "unknown party (not in this import nor the store)",
                                        party))
        return problems

    def _append(self, staging: EventStaging, report: FileReport, leave_out: set[int],
                process: _StagingProcess | None, repeats: set[int]) -> None:
        """Link the accepted events onto the chain in the order the file recorded them.

        A small import commits batch by batch. A bulk one (at least BULK_FROM new
        events, and more than the ledger already holds) runs in one transaction
        that drops the ledger's secondary indexes and rebuilds them at the end:
        several times faster, and just as safe, since an interruption rolls the
        whole append back and the next run does it again.
        """
        accepted = staging.count - len(leave_out)
        bulk = accepted >= BULK_FROM and accepted > self.store.count("custody_events")
        if not bulk:
            self._append_rows(staging, report, leave_out)
            return
        run_id, recorded_at = self.report.run_id, self.recorded_at
        ahead = process.hashes(self.progress) if process is not None else None
        if ahead is not None and self.store.can_copy_staged and not leave_out - repeats:
            try:
                self._append_by_copy(staging, report, ahead)
                return
            except _ChainMoved:
                report.taken = 0  # rolled back; appended below with hashes of its own
        with self.store.transaction() as conn:
            self.store.lock_chain(conn)
            self.store.drop_event_indexes(conn)
            seq, head = self.store.chain_tail(conn)
            with _BackgroundWriter(lambda rows: self.store.append_events(conn, rows, run_id,
                                                                         recorded_at)) as writer:
                for batch, contents in self._with_hashes(self._accepted_batches(staging, leave_out, True),
                                                         ahead, seq + 1):
                    rows, head = linked_rows(batch, seq + 1, recorded_at, head, (run_id,), contents)
                    seq += len(rows)
                    writer.put(rows)
                    report.taken += len(rows)
                    self.progress("appending to the ledger", report.taken, staging.count)
            self.progress("rebuilding ledger indexes", 0, None)
            self.store.create_event_indexes(conn)

    def _append_by_copy(self, staging: EventStaging, report: FileReport, ahead: Path) -> None:
        """The bulk append when every staged event is appended with the seq it was hashed
        for: only the links cross from Python, the database copies the events from the
        staging file. Raises ``_ChainMoved`` (nothing written) if the chain moved since
        the guess.

        Why: a million rows of fifteen values bound one by one from Python were the
        largest single cost of a bulk import; the chain itself needs only each row's
        content hash, which the staging process already computed.
        """
        run_id, recorded_at = self.report.run_id, self.recorded_at
        sha = hashlib.sha256
        with self.store.staged_append(staging.path) as conn:
            self.store.lock_chain(conn)
            seq, head = self.store.chain_tail(conn)
            self.store.drop_event_indexes(conn)
            links: list[tuple[int, int, bytes, bytes]] = []
            for number, guess, content in hashed_ahead(ahead):
                seq += 1
                if guess != seq:
                    raise _ChainMoved
                head = sha(head + content).digest()
                links.append((seq, number, content, head))
                if len(links) >= EVENT_BATCH:
                    self.store.append_staged(conn, links, run_id, recorded_at)
                    report.taken += len(links)
                    self.progress("appending to the ledger", report.taken, staging.count)
                    links = []
            if links:
                self.store.append_staged(conn, links, run_id, recorded_at)
                report.taken += len(links)
            self.progress("rebuilding ledger indexes", 0, None)
            self.store.create_event_indexes(conn)

    def _accepted_batches(self, staging: EventStaging, leave_out: set[int],
                          numbered: bool = False) -> Iterator[list[StagedRow]]:
        """Accepted events in file order, EVENT_BATCH at a time, as canonical fields
        (``numbered``: as whole staged rows, row number first)."""
        batch: list[StagedRow] = []
        for row in staging.in_file_order():
            if leave_out and row[ROW_NO] in leave_out:
                continue
            batch.append(row if numbered else row[EVENT_ID:])
            if len(batch) >= EVENT_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    @staticmethod
    def _with_hashes(batches: Iterable[list[StagedRow]], ahead: Path | None, first_seq: int
                     ) -> Iterator[tuple[list[StagedRow], list[bytes | None] | None]]:
        """Each batch of staged rows as canonical fields, with the content hashes computed
        ahead for them where each row gets the seq they were computed for (else None)."""
        if ahead is None:
            for batch in batches:
                yield [row[EVENT_ID:] for row in batch], None
            return
        hashed = hashed_ahead(ahead)
        pending = next(hashed, None)
        seq = first_seq
        for batch in batches:
            contents: list[bytes | None] = []
            for row in batch:
                number = row[ROW_NO]
                while pending is not None and pending[0] < number:
                    pending = next(hashed, None)
                contents.append(pending[2] if pending is not None and pending[0] == number
                                and pending[1] == seq else None)
                seq += 1
            yield [row[EVENT_ID:] for row in batch], contents

    def _append_rows(self, staging: EventStaging, report: FileReport, leave_out: set[int]) -> None:
        """Batch by batch, each in a transaction of its own: a small import on a live ledger."""
        for batch in self._accepted_batches(staging, leave_out):
            self._append_batch(batch)
            report.taken += len(batch)
            self.progress("appending to the ledger", report.taken, staging.count)

    def _append_batch(self, events: list[tuple[Any, ...]]) -> None:
        """Append staged rows (event fields in canonical order, extra as JSON text) in a
        transaction of their own, re-linked on the new tail if another writer got there first."""
        for _attempt in range(20):
            try:
                with self.store.transaction() as own:
                    self.store.lock_chain(own)
                    self._link_and_store(own, events)
                return
            except ChainConflict:
                continue
        raise ChainConflict("the ledger kept moving under this import; try again")

    def _link_and_store(self, conn: Connection, events: list[tuple[Any, ...]]) -> None:
        seq, previous = self.store.chain_tail(conn)
        rows, _head = linked_rows(events, seq + 1, self.recorded_at, previous, (self.report.run_id,))
        self.store.append_events(conn, rows, self.report.run_id, self.recorded_at)


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Stored and new values agree (numbers compared as numbers, blanks as None)."""
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        if x in (None, "") and y in (None, ""):
            continue
        try:
            if x is not None and y is not None and float(x) == float(y):
                continue
        except (TypeError, ValueError):
            pass
        return False
    return True
