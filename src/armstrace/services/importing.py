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
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from armstrace.adapters.db.staging import EventStaging, StagedEvent
from armstrace.adapters.db.store import ChainConflict, SqlStore
from armstrace.adapters.io.mappings import ColumnMapping
from armstrace.adapters.io.readers import RowReader, SourceFile, find_sources
from armstrace.domain.contract import SCHEMA_BY_NAME, SCHEMAS, FileSchema, Problem, validate_row
from armstrace.domain.custody import sequence_problems
from armstrace.domain.ledger import encode_extra, link_rows
from armstrace.domain.records import CustodyEvent
from armstrace.services.ports import Clock, Progress, no_progress

BATCH = 5_000
EVENT_BATCH = 20_000
BULK_FROM = 100_000
ITEM_GROUP = 2_000
ORDER = [s.name for s in SCHEMAS]
REJECT_COLUMNS = ("file", "row", "column", "reason", "value")


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


def _as_row(schema: FileSchema, record: Any) -> dict[str, Any]:
    row = {name: getattr(record, name) for name in schema.column_names}
    row["extra"] = encode_extra(record.extra)
    return row


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
        try:
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
        except BaseException:
            report.status = "interrupted"
            raise
        finally:
            self.rejects.close()
            self.store.finish_run(report.run_id, report.status, self.clock.now(),
                                  {f.path: f.__dict__ for f in report.files})
        return report

    # ------------------------------------------------------------ shared steps

    def _read(self, source: SourceFile, report: FileReport) -> Iterable[tuple[int, Any]]:
        """Valid records with their row numbers; invalid rows go to the rejects."""
        schema = SCHEMA_BY_NAME[source.contract_file]
        reader = RowReader(source, self.mapping)
        name = source.path.name
        for number, row in reader:
            report.rows += 1
            result = validate_row(schema, row)
            if result.problems:
                self.rejects.add(report, name, number, result.problems)
            else:
                yield number, result.record
            if report.rows % 2_000 == 0:
                self.progress(name, reader.bytes_read, reader.size)
        self.progress(name, reader.size, reader.size)

    def _reference_problems(self, conn: Connection, schema: FileSchema,
                            batch: list[tuple[int, Any]]) -> dict[int, list[Problem]]:
        problems: dict[int, list[Problem]] = {}
        item_columns = [c.name for c in schema.columns if c.refers_to == "item"]
        known_items: set[str] = set()
        if item_columns:
            wanted = {getattr(r, c) for _, r in batch for c in item_columns} - {None}
            known_items = self.store.existing_ids(conn, "items", wanted)
        known = {"party": self.parties, "licence": self.licences, "item": known_items}
        for number, record in batch:
            for column in schema.columns:
                if column.refers_to not in known:
                    continue
                value = getattr(record, column.name)
                if value is not None and value not in known[column.refers_to]:
                    problems.setdefault(number, []).append(Problem(
                        column.name, f"unknown {column.refers_to} (not in this import nor the store)",
                        value))
        return problems

    # ------------------------------------------------------------ parties .. recoveries

    def _import_records(self, source: SourceFile, report: FileReport) -> None:
        schema = SCHEMA_BY_NAME[source.contract_file]
        if schema.name == "parties":
            # Parents may come later in the same file: learn every id first.
            for _, row in RowReader(source, self.mapping):
                result = validate_row(schema, row)
                if result.record is not None:
                    self.parties.add(result.record.party_id)
        batch: list[tuple[int, Any]] = []
        for entry in self._read(source, report):
            batch.append(entry)
            if len(batch) >= BATCH:
                self._store_records(schema, source, report, batch)
                batch = []
        self._store_records(schema, source, report, batch)
        if schema.name == "licences":
            self.licences |= self.store.all_ids("licences")

    def _store_records(self, schema: FileSchema, source: SourceFile, report: FileReport,
                       batch: list[tuple[int, Any]]) -> None:
        name = source.path.name
        with self.store.transaction() as conn:
            bad = self._reference_problems(conn, schema, batch)
            rows = {number: _as_row(schema, record) for number, record in batch}
            columns = [c for c in schema.column_names if c != schema.key] + ["extra"]
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
            new_rows = [dict(r, import_run_id=self.report.run_id) for _, r in fresh.values()]
            self.store.insert(conn, schema.name, new_rows)
            self.rejects.flush(conn)
            report.taken += len(new_rows)

    # ------------------------------------------------------------ custody events

    def _import_events(self, source: SourceFile, report: FileReport) -> None:
        name = source.path.name
        with EventStaging() as staging:
            batch: list[StagedEvent] = []
            for entry in self._read(source, report):
                batch.append(entry)
                if len(batch) >= EVENT_BATCH:
                    staging.add(batch)
                    batch = []
            staging.add(batch)
            staging.finish_loading()
            skip: set[int] = set()
            rejected: dict[int, list[Problem]] = {}
            for event_id, group in staging.repeated_ids():
                first_no, first = group[0]
                for number, event in group[1:]:
                    skip.add(number)
                    if event == first:
                        report.already_stored += 1
                    else:
                        rejected[number] = [Problem("event_id", f"repeats row {first_no} with "
                                                    "different content", event_id)]
            self._check_sequences(staging, report, skip, rejected)
            for number in sorted(rejected):
                self.rejects.add(report, name, number, rejected[number])
            with self.store.transaction() as conn:
                self.rejects.flush(conn)
            self._append(staging, report, skip | set(rejected))

    def _check_sequences(self, staging: EventStaging, report: FileReport, skip: set[int],
                         rejected: dict[int, list[Problem]]) -> None:
        groups: list[tuple[str, list[StagedEvent]]] = []
        done = 0
        for item_id, group in staging.by_item():
            groups.append((item_id, [g for g in group if g[0] not in skip]))
            if len(groups) >= ITEM_GROUP:
                self._check_groups(staging, groups, report, skip, rejected)
                done += sum(len(g) for _, g in groups)
                self.progress("checking custody sequences", done, staging.count)
                groups = []
        self._check_groups(staging, groups, report, skip, rejected)

    def _check_groups(self, staging: EventStaging, groups: list[tuple[str, list[StagedEvent]]],
                      report: FileReport, skip: set[int], rejected: dict[int, list[Problem]]) -> None:
        if not groups:
            return
        with self.store.connection() as conn:
            item_ids = [item_id for item_id, _ in groups]
            known_items = self.store.existing_ids(conn, "items", item_ids)
            stored = self.store.events_for_items(conn, item_ids)
            stored_by_id = {e.event_id: e for events in stored.values() for e in events}
            new_ids = [e.event_id for _, g in groups for _, e in g]
            elsewhere = self.store.events_by_id(conn, [i for i in new_ids if i not in stored_by_id])
        for item_id, group in groups:
            fresh: list[StagedEvent] = []
            for number, event in group:
                problems = self._event_problems(event, item_id in known_items)
                previous = stored_by_id.get(event.event_id) or elsewhere.get(event.event_id)
                if previous is not None:
                    if previous == event:
                        skip.add(number)
                        report.already_stored += 1
                        continue
                    problems.append(Problem("event_id", "already recorded with different content; "
                                            "record a correction instead", event.event_id))
                if problems:
                    rejected[number] = problems
                else:
                    fresh.append((number, event))
            by_id = {e.event_id: (n, e) for n, e in fresh}
            for number, event in list(fresh):
                target = event.corrects_event_id
                if target and target not in stored_by_id and target not in by_id:
                    owner = staging.item_of(target)
                    if owner == item_id:
                        reason = f"corrects event {target}, which was itself rejected"
                    elif owner is not None or self.store.event_exists(target):
                        reason = f"corrects event {target}, which belongs to another item"
                    else:
                        reason = f"corrects event {target}, which is not recorded"
                    rejected[number] = [Problem("corrects_event_id", reason, target)]
                    fresh.remove((number, event))
                    del by_id[event.event_id]
            for problem in sequence_problems(stored.get(item_id, []), [e for _, e in fresh]):
                number, event = by_id[problem.event_id]
                column = "corrects_event_id" if "correct" in problem.reason else "occurred_at"
                rejected.setdefault(number, []).append(Problem(column, problem.reason,
                                                               getattr(event, column) or ""))

    def _event_problems(self, event: CustodyEvent, item_known: bool) -> list[Problem]:
        problems = []
        if not item_known:
            problems.append(Problem("item_id", "unknown item (not in this import nor the store)",
                                    event.item_id))
        for column in ("from_party_id", "to_party_id"):
            party = getattr(event, column)
            if party is not None and party not in self.parties:
                problems.append(Problem(column, "unknown party (not in this import nor the store)",
                                        party))
        return problems

    def _append(self, staging: EventStaging, report: FileReport, leave_out: set[int]) -> None:
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
            self._append_rows(staging, report, leave_out, None)
            return
        with self.store.transaction() as conn:
            self.store.lock_chain(conn)
            self.store.drop_event_indexes(conn)
            self._append_rows(staging, report, leave_out, conn)
            self.progress("rebuilding ledger indexes", 0, None)
            self.store.create_event_indexes(conn)

    def _append_rows(self, staging: EventStaging, report: FileReport, leave_out: set[int],
                     conn: Connection | None) -> None:
        batch: list[tuple[Any, ...]] = []
        for row in staging.in_file_order():
            if row[0] in leave_out:
                continue
            batch.append(row[1:])
            if len(batch) >= EVENT_BATCH:
                self._append_batch(batch, conn)
                report.taken += len(batch)
                self.progress("appending to the ledger", report.taken, staging.count)
                batch = []
        if batch:
            self._append_batch(batch, conn)
            report.taken += len(batch)

    def _append_batch(self, events: list[tuple[Any, ...]], conn: Connection | None) -> None:
        """Append staged rows (event fields in canonical order, extra as JSON text),
        in the bulk transaction ``conn`` or in a transaction of their own."""
        if conn is not None:
            self._link_and_store(conn, events)
            return
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
        run_id, recorded_at = self.report.run_id, self.recorded_at
        seq, previous = self.store.chain_tail(conn)
        canon = [(seq + i, recorded_at, *fields) for i, fields in enumerate(events, start=1)]
        rows = [(*row, content, chained, run_id) for row, content, chained in link_rows(canon, previous)]
        self.store.append_events(conn, rows, run_id, recorded_at)


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
