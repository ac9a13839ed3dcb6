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
from collections.abc import Iterator, Sequence
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


class EventStaging:
    def __init__(self, folder: Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="armstrace-stage-", dir=folder)
        self.path = Path(self._dir.name) / "staged.db"
        self.db = sqlite3.connect(self.path)
        # A scratch file thrown away after the import: no journal, no fsync. Never the store.
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-65536")
        # row_no as INTEGER PRIMARY KEY is the rowid: file order is the table's own order.
        self.db.execute(f"CREATE TABLE staged (row_no INTEGER PRIMARY KEY, {', '.join(_COLUMNS[1:])})")
        self.count = 0

    def __enter__(self) -> EventStaging:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self._dir.cleanup()

    def add(self, batch: Sequence[StagedRow]) -> None:
        """Rows in ``StagedRow`` layout, in file order."""
        self.db.executemany("INSERT INTO staged VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch)
        self.count += len(batch)

    def finish_loading(self) -> None:
        self.db.commit()
        self.db.execute("CREATE INDEX by_item ON staged (item_id, occurred_at, row_no)")
        self.db.execute("CREATE INDEX by_id ON staged (event_id)")

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
