"""A scratch SQLite file that holds one import's custody events while they are checked.

Custody events cannot be judged row by row: a receipt is impossible only if its
item's shipment is dated later, wherever that row sits in the file. Staging them
on disk lets the importer sort by item and then by time with bounded memory, for
any store backend, and throw the scratch file away afterwards.

Rows stay plain tuples from the file to the ledger (``StagedRow``): at a million
events, an object per row per pass cost more than the checks themselves.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

# (row number in the file, event_id, event_type, occurred_at, item_id, from_party_id,
#  to_party_id, region, document_ref, corrects_event_id, extra JSON or None):
# after the row number, the ledger's canonical field order.
StagedRow = tuple[Any, ...]
ROW_NO, EVENT_ID, EVENT_TYPE, OCCURRED_AT, ITEM_ID, FROM_PARTY, TO_PARTY, REGION, DOCUMENT, \
    CORRECTS, EXTRA = range(11)

_COLUMNS = ("row_no", "event_id", "event_type", "occurred_at", "item_id", "from_party_id",
            "to_party_id", "region", "document_ref", "corrects_event_id", "extra")


def _grouped(rows: Iterator[StagedRow], column: int) -> Iterator[tuple[str, list[StagedRow]]]:
    """Consecutive rows sharing ``column`` (rows arrive sorted by it)."""
    current: str | None = None
    group: list[StagedRow] = []
    for row in rows:
        if row[column] != current:
            if group and current is not None:
                yield current, group
            current, group = row[column], []
        group.append(row)
    if group and current is not None:
        yield current, group


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    # A scratch file thrown away after the import: no journal, no fsync. Never the store.
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-65536")
    return db


class _Filling:
    """Writing staged rows: shared by the importer and a process staging on its behalf."""

    db: sqlite3.Connection
    count: int

    def add(self, batch: Sequence[StagedRow]) -> None:
        """Rows in ``StagedRow`` layout, in file order."""
        self.db.executemany("INSERT INTO staged VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch)
        self.count += len(batch)

    def finish_loading(self) -> None:
        self.db.commit()
        self.db.execute("CREATE INDEX by_item ON staged (item_id, occurred_at, row_no)")
        self.db.execute("CREATE INDEX by_id ON staged (event_id)")


def _create(db: sqlite3.Connection) -> None:
    # row_no as INTEGER PRIMARY KEY is the rowid: file order is the table's own order.
    db.execute(f"CREATE TABLE staged (row_no INTEGER PRIMARY KEY, {', '.join(_COLUMNS[1:])})")
    # Rows refused while staging in another process (or a share of the file), to report later.
    db.execute("CREATE TABLE refused (row_no INTEGER, column_name, reason, value)")
    db.commit()


class StagingWriter(_Filling):
    """Stages a share of a file for an ``EventStaging`` that is elsewhere: in another
    process (``EventStaging.hand_over``) or in a file of its own (``create=True``, merged by
    ``EventStaging.absorb``). Keeps the rows it refused (``refuse``) for the importer."""

    def __init__(self, path: Path, create: bool = False) -> None:
        self.db = _connect(path)
        if create:
            _create(self.db)
        self.count = 0

    def commit(self) -> None:
        self.db.commit()

    def refuse(self, number: int, problems: Sequence[tuple[str, str, str]]) -> None:
        self.db.executemany("INSERT INTO refused VALUES (?,?,?,?)", [(number, *p) for p in problems])

    def close(self) -> None:
        self.db.commit()
        self.db.close()


class EventStaging(_Filling):
    def __init__(self, folder: Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="armstrace-stage-", dir=folder)
        self.path = Path(self._dir.name) / "staged.db"
        self.db = _connect(self.path)
        _create(self.db)
        self.count = 0

    def __enter__(self) -> EventStaging:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self._dir.cleanup()

    def hand_over(self) -> Path:
        """Close this process's connection so another process can fill the file (``StagingWriter``)."""
        self.db.close()
        return self.path

    def take_back(self, count: int) -> None:
        """Reopen the file another process filled and indexed with ``count`` rows."""
        self.db = _connect(self.path)
        self.count = count

    def absorb(self, part: Path) -> None:
        """Add the rows (staged and refused) of a share staged in a file of its own."""
        self.db.commit()
        self.db.execute("ATTACH DATABASE ? AS part", (str(part),))
        try:
            added = self.db.execute("INSERT INTO staged SELECT * FROM part.staged").rowcount
            self.db.execute("INSERT INTO refused SELECT * FROM part.refused ORDER BY rowid")
            self.db.commit()
        finally:
            self.db.execute("DETACH DATABASE part")
        self.count += added

    def refused(self) -> Iterator[tuple[int, list[tuple[str, str, str]]]]:
        """Rows refused elsewhere: (row number, [(column, reason, value), ...]), in file order."""
        rows = self.db.execute("SELECT row_no, column_name, reason, value FROM refused "
                               "ORDER BY row_no, rowid")
        current: int | None = None
        problems: list[tuple[str, str, str]] = []
        for number, column, reason, value in rows:
            if number != current:
                if current is not None:
                    yield current, problems
                current, problems = number, []
            problems.append((column, reason, value))
        if current is not None:
            yield current, problems

    def repeated_ids(self) -> Iterator[tuple[str, list[StagedRow]]]:
        """Event ids that occur on more than one row, with those rows in file order."""
        query = ("SELECT * FROM staged WHERE event_id IN "
                 "(SELECT event_id FROM staged GROUP BY event_id HAVING count(*) > 1) "
                 "ORDER BY event_id, row_no")
        return _grouped(self.db.execute(query), EVENT_ID)

    def item_of(self, event_id: str) -> str | None:
        """The item of a staged event, or None when the file has no such event."""
        row = self.db.execute("SELECT item_id FROM staged WHERE event_id = ? LIMIT 1",
                              (event_id,)).fetchone()
        return None if row is None else str(row[0])

    def by_item(self) -> Iterator[tuple[str, list[StagedRow]]]:
        """Staged rows grouped per item, each group in time then file order."""
        return _grouped(self.db.execute("SELECT * FROM staged ORDER BY item_id, occurred_at, row_no"),
                        ITEM_ID)

    def in_file_order(self) -> Iterator[StagedRow]:
        """Rows in file order (``StagedRow`` layout)."""
        cursor = self.db.execute("SELECT * FROM staged ORDER BY row_no")
        while True:
            rows = cursor.fetchmany(10_000)
            if not rows:
                return
            yield from rows


def hash_ahead(path: Path, first_seq: int, recorded_at: str,
               content_hash: Callable[[tuple[Any, ...]], bytes]) -> Path:
    """Content hashes of the staged rows as if every one were appended, in file order,
    from ``first_seq``: (row_no, seq, content) in a file beside the staging file.

    Why: the staging process has nothing to do while the importer checks sequences,
    and hashing is a third of the append. The guess (nothing refused, the chain tail
    unchanged) holds for a clean bulk load; the importer uses a hash only when the
    row gets exactly that seq, and computes the others itself. Later repeats of an
    event id are never appended, so they are left out here as well.
    """
    staged = _connect(path)
    out_path = path.with_name("hashed.db")
    out = _connect(out_path)
    out.execute("CREATE TABLE hashed (row_no INTEGER PRIMARY KEY, seq INTEGER, content BLOB)")
    repeats: set[int] = set()
    first: set[str] = set()
    for event_id, number in staged.execute(
            "SELECT event_id, row_no FROM staged WHERE event_id IN "
            "(SELECT event_id FROM staged GROUP BY event_id HAVING count(*) > 1) ORDER BY event_id, row_no"):
        if event_id in first:
            repeats.add(number)
        first.add(event_id)
    cursor = staged.execute("SELECT * FROM staged ORDER BY row_no")
    seq = first_seq
    while rows := cursor.fetchmany(20_000):
        batch = []
        for row in rows:
            if row[ROW_NO] in repeats:
                continue
            batch.append((row[ROW_NO], seq, content_hash((seq, recorded_at, *row[EVENT_ID:]))))
            seq += 1
        out.executemany("INSERT INTO hashed VALUES (?,?,?)", batch)
    out.commit()
    out.close()
    staged.close()
    return out_path


def hashed_ahead(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """What ``hash_ahead`` wrote, in file order."""
    db = _connect(path)
    try:
        cursor = db.execute("SELECT row_no, seq, content FROM hashed ORDER BY row_no")
        while rows := cursor.fetchmany(20_000):
            yield from rows
    finally:
        db.close()
