"""Reading contract files (CSV or XLSX) as numbered rows of text, streamed.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first
record row 2. Every value arrives as text (or ``None``) so that validation is the
same whichever format the file came in.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from armstrace.adapters.io.mappings import ColumnMapping

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

SUFFIXES = (".csv", ".xlsx")


class FileFormatError(ValueError):
    """A file that cannot be read at all (not a row-level problem)."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    contract_file: str


def find_sources(folder: Path, mapping: ColumnMapping) -> list[SourceFile]:
    """Every file in ``folder`` that names a contract file, directly or through the mapping."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            name = mapping.contract_file(path.stem)
            if name is not None:
                found.append(SourceFile(path, name))
    return found


class _CountingReader(io.RawIOBase):
    """Counts bytes as they are read so progress can be shown in bytes of the file."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


class RowReader:
    """Iterates ``(row_number, {column: text})`` over one CSV or XLSX file."""

    def __init__(self, source: SourceFile, mapping: ColumnMapping) -> None:
        self.source = source
        self.mapping = mapping
        self.size = source.path.stat().st_size
        self._counter: _CountingReader | None = None
        self.header: list[str] = []
        self.duplicate_headers: list[str] = []
        self.rows_read = 0
        self._csv_format = True

    @property
    def bytes_read(self) -> int:
        if self._counter is not None:
            return self._counter.count
        return self.size if self.rows_read else 0

    def _columns(self, raw_header: list[str]) -> list[str]:
        renamed = self.mapping.rename(self.source.contract_file, raw_header)
        seen: set[str] = set()
        columns = []
        for original, name in zip(raw_header, renamed, strict=True):
            if name in seen:
                # Two headers mean the same column: keep the first, keep the other as extra.
                self.duplicate_headers.append(original)
                name = f"{original.strip()} (duplicate)"
            seen.add(name)
            columns.append(name)
        self.header = columns
        return columns

    def __iter__(self) -> Iterator[tuple[int, dict[str, str | None]]]:
        for number, cells in self.cells():
            yield number, self.as_dict(cells)

    def as_dict(self, cells: list[str]) -> dict[str, str | None]:
        """One row of ``cells()`` as ``{column: text}``: what validation of a single row reads."""
        row: dict[str, str | None] = dict(zip(self.header, cells, strict=False))
        if self._csv_format and len(cells) > len(self.header):
            row["(extra cells)"] = ",".join(cells[len(self.header):])
        return row

    def cells(self) -> Iterator[tuple[int, list[str]]]:
        """``(row_number, cells)`` in file order, cells by position under ``header``.

        Lists, not dicts: the importer reads them by position at a million rows.
        Empty spreadsheet cells arrive as "" (blank, as in a CSV).
        """
        if self.source.path.suffix.lower() == ".xlsx":
            self._csv_format = False
            yield from self._xlsx()
        else:
            self._csv_format = True
            yield from self._csv()

    def _csv(self) -> Iterator[tuple[int, list[str]]]:
        with self.source.path.open("rb") as raw:
            self._counter = _CountingReader(raw)
            text = io.TextIOWrapper(io.BufferedReader(self._counter, buffer_size=1 << 20),
                                    encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            try:
                raw_header = next(reader)
            except StopIteration:
                raise FileFormatError(f"{self.source.path}: the file is empty (no header row)") from None
            except UnicodeDecodeError as exc:
                raise FileFormatError(f"{self.source.path}: not UTF-8 text ({exc.reason})") from None
            self._columns(raw_header)
            number = 1
            try:
                for record in reader:
                    number += 1
                    if not record or (len(record) == 1 and not record[0]):
                        continue
                    self.rows_read += 1
                    yield number, record
            except UnicodeDecodeError as exc:
                raise FileFormatError(
                    f"{self.source.path}: not UTF-8 text near row {number + 1} ({exc.reason})"
                ) from None
            except csv.Error as exc:
                raise FileFormatError(f"{self.source.path}: row {number + 1}: {exc}") from None

    def _xlsx(self) -> Iterator[tuple[int, list[str]]]:
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.source.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise FileFormatError(f"{self.source.path}: not a readable XLSX workbook ({exc})") from None
        try:
            sheet = book.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            try:
                raw_header = [_cell_text(c) or "" for c in next(rows)]
            except StopIteration:
                raise FileFormatError(f"{self.source.path}: the first sheet is empty") from None
            width = len(self._columns(raw_header))
            for number, values in enumerate(rows, start=2):
                cells = [_cell_text(c) or "" for c in values]
                if not any(cells):
                    continue
                self.rows_read += 1
                # Cells past the header's width were never read from a workbook.
                yield number, cells[:width]
        finally:
            book.close()


def _cell_text(value: object) -> str | None:
    """Spreadsheet cells as the text a CSV would have held."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
