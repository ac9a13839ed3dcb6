"""Interchange format v1 as declared schemas, and the row validator that enforces it.

One declaration per file says which columns exist, which are required, how each
value is read and what it refers to. The importer, the docs and the tests all
read these declarations, so the contract lives in one place.

Validation is pure: a row (column -> text) becomes a record or a list of
problems, each naming the column and the reason. Reference checks against the
store are the import service's job; the schema only says what refers to what.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from armstrace.domain import vocabulary as v
from armstrace.domain.records import CustodyEvent, Item, Licence, Party, Recovery


class ValueProblem(ValueError):
    """A cell that cannot be read as its column requires."""


@dataclass(frozen=True, slots=True)
class Problem:
    column: str
    reason: str
    value: str = ""


Parser = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    parse: Parser
    required: bool = False
    refers_to: str | None = None  # "party", "licence", "item", "event"
    doc: str = ""

    @property
    def plain(self) -> bool:
        """Free text or identifiers: taken as they are once the row has no control characters."""
        return self.parse is _text or self.parse is _identifier


@dataclass(frozen=True)
class FileSchema:
    """One contract file: its name, key column, columns and the record it builds."""

    name: str
    key: str
    columns: tuple[Column, ...]
    build: Callable[..., Any]
    check: Callable[[dict[str, Any]], list[Problem]] = field(default=lambda _r: [])

    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        # Precomputed once: validation runs per row, millions of times.
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))
        object.__setattr__(self, "_known", frozenset(self.column_names))
        object.__setattr__(self, "_plan", tuple((c.name, c.parse, c.required, c.plain)
                                                for c in self.columns))


# ---------------------------------------------------------------- value readers

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_REGION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def _text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueProblem("contains a control character")
    return value


def _identifier(value: str) -> str:
    value = _text(value)
    if len(value) > 200:
        raise ValueProblem("identifier longer than 200 characters")
    return value


def _country(value: str) -> str:
    code = value.strip().upper()
    if not _COUNTRY.match(code):
        raise ValueProblem("not an ISO 3166-1 alpha-2 country code (e.g. US, MX)")
    return code


def _region(value: str) -> str:
    code = value.strip().upper()
    if not _REGION.match(code):
        raise ValueProblem("not an ISO 3166-2 region code (e.g. MX-MIC)")
    return code


def _int(value: str) -> int:
    try:
        number = int(value.strip().replace(",", ""))
    except ValueError:
        raise ValueProblem("not a whole number") from None
    if number < 0:
        raise ValueProblem("must not be negative")
    return number


def _year(value: str) -> int:
    year = _int(value)
    if not 1800 <= year <= 2100:
        raise ValueProblem("not a plausible year")
    return year


def _decimal(value: str) -> Decimal:
    try:
        number = Decimal(value.strip().replace(",", "").lstrip("$"))
    except InvalidOperation:
        raise ValueProblem("not a number") from None
    if not number.is_finite() or number < 0:
        raise ValueProblem("must be a non-negative number")
    return number


def _coordinate(limit: float) -> Parser:
    def parse(value: str) -> float:
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueProblem("not a number") from None
        if not -limit <= number <= limit:
            raise ValueProblem(f"outside -{limit:g}..{limit:g}")
        return number

    return parse


def parse_date(value: str) -> str:
    """An ISO 8601 date, returned as ``YYYY-MM-DD``."""
    text = value.strip()
    try:
        day = date.fromisoformat(text[:10] if "T" in text else text)
    except ValueError:
        raise ValueProblem("not an ISO 8601 date (YYYY-MM-DD)") from None
    if not 1800 <= day.year <= 2100:
        raise ValueProblem("not a plausible date (year outside 1800-2100)")
    return day.isoformat()


def parse_when(value: str) -> str:
    """A date or datetime in canonical form; datetimes are stored in UTC with ``Z``.

    A datetime without an offset is read as UTC, which the user guide states.
    """
    text = value.strip()
    if len(text) == 10:
        return parse_date(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueProblem("not an ISO 8601 date or datetime") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    if not 1800 <= moment.year <= 2100:
        raise ValueProblem("not a plausible date (year outside 1800-2100)")
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return moment.strftime(fmt)


def _fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: how enumeration values are compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _enum(terms: Mapping[str, v.Term], aliases: Mapping[str, str] | None = None) -> Parser:
    """Accept the code or its English or Spanish label, case- and accent-insensitively."""
    lookup: dict[str, str] = {}
    for term in terms.values():
        for spelling in (term.code, term.en, term.es, term.code.replace("_", " ")):
            lookup[_fold(spelling)] = term.code
    for alias, code in (aliases or {}).items():
        lookup[_fold(alias)] = code
    allowed = ", ".join(terms)

    def parse(value: str) -> str:
        code = lookup.get(value) or lookup.get(_fold(value))
        if code is None:
            raise ValueProblem(f"not one of: {allowed}")
        return code

    return parse


_OBLITERATION_ALIASES: Final = {
    "si": "yes", "true": "yes", "y": "yes", "1": "yes", "s": "yes",
    "false": "no", "n": "no", "0": "no",
    "parcial": "partial", "parcialmente": "partial",
}

# ---------------------------------------------------------------- cross-field checks


def _check_licence(row: dict[str, Any]) -> list[Problem]:
    applied, decided = row.get("applied_on"), row.get("decided_on")
    if applied and decided and decided < applied:
        return [Problem("decided_on", "decided before it was applied for", decided)]
    return []


def _check_event(row: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    kind = row["event_type"]
    need_from, need_to = v.EVENT_PARTIES[kind]
    if need_from and not row.get("from_party_id"):
        problems.append(Problem("from_party_id", f"required for a {kind} event"))
    if need_to and not row.get("to_party_id"):
        problems.append(Problem("to_party_id", f"required for a {kind} event"))
    if kind == "correction" and not row.get("corrects_event_id"):
        problems.append(Problem("corrects_event_id", "required for a correction event"))
    if row.get("corrects_event_id") == row.get("event_id"):
        problems.append(Problem("corrects_event_id", "an event cannot correct itself"))
    return problems


def _check_recovery(row: dict[str, Any]) -> list[Problem]:
    if (row.get("latitude") is None) != (row.get("longitude") is None):
        column = "longitude" if row.get("longitude") is None else "latitude"
        return [Problem(column, "latitude and longitude come together")]
    return []


# ---------------------------------------------------------------- the five files

PARTIES = FileSchema(
    "parties", "party_id",
    (
        Column("party_id", _identifier, True, doc="stable identifier"),
        Column("name", _text, True),
        Column("kind", _enum(v.PARTY_KINDS), True),
        Column("country", _country),
        Column("region", _region),
        Column("parent_id", _identifier, refers_to="party"),
    ),
    Party,
)

LICENCES = FileSchema(
    "licences", "licence_id",
    (
        Column("licence_id", _identifier, True),
        Column("regime", _enum(v.REGIMES, {"state": "DDTC", "itar": "DDTC", "ear": "BIS",
                                            "commerce": "BIS"})),
        Column("exporter_id", _identifier, True, "party"),
        Column("consignee_id", _identifier, refers_to="party"),
        Column("end_user_id", _identifier, refers_to="party"),
        Column("destination_country", _country, True),
        Column("category", _text),
        Column("description", _text),
        Column("quantity", _int),
        Column("value_usd", _decimal),
        Column("purchase_order", _text),
        Column("applied_on", parse_date),
        Column("decided_on", parse_date),
        Column("status", _enum(v.LICENCE_STATUSES)),
    ),
    Licence,
    _check_licence,
)

ITEMS = FileSchema(
    "items", "item_id",
    (
        Column("item_id", _identifier, True),
        Column("manufacturer", _text, True),
        Column("serial", _text, True),
        Column("model", _text),
        Column("calibre", _text),
        Column("weapon_type", _text),
        Column("country_of_manufacture", _country),
        Column("year_of_manufacture", _year),
        Column("import_marks", _text),
        Column("licence_id", _identifier, refers_to="licence"),
    ),
    Item,
)

CUSTODY_EVENTS = FileSchema(
    "custody_events", "event_id",
    (
        Column("event_id", _identifier, True),
        Column("event_type", _enum(v.EVENT_TYPES), True),
        Column("occurred_at", parse_when, True),
        Column("item_id", _identifier, True, "item"),
        Column("from_party_id", _identifier, refers_to="party"),
        Column("to_party_id", _identifier, refers_to="party"),
        Column("region", _region),
        Column("document_ref", _text),
        Column("corrects_event_id", _identifier, refers_to="event"),
    ),
    CustodyEvent,
    _check_event,
)

RECOVERIES = FileSchema(
    "recoveries", "recovery_id",
    (
        Column("recovery_id", _identifier, True),
        Column("recovered_on", parse_date, True),
        Column("country", _country),
        Column("region", _region),
        Column("municipality", _text),
        Column("latitude", _coordinate(90)),
        Column("longitude", _coordinate(180)),
        Column("agency", _text),
        Column("case_ref", _text),
        Column("circumstance", _enum(v.CIRCUMSTANCES, {"escena": "crime_scene",
                                                      "retén": "checkpoint",
                                                      "reten": "checkpoint"})),
        Column("manufacturer", _text),
        Column("model", _text),
        Column("calibre", _text),
        Column("weapon_type", _text),
        Column("serial", _text),
        Column("serial_obliterated", _enum(v.OBLITERATION, _OBLITERATION_ALIASES)),
        Column("notes", _text),
    ),
    Recovery,
    _check_recovery,
)

SCHEMAS: Final = (PARTIES, LICENCES, ITEMS, CUSTODY_EVENTS, RECOVERIES)
SCHEMA_BY_NAME: Final = {s.name: s for s in SCHEMAS}


@dataclass(frozen=True, slots=True)
class RowResult:
    record: Any | None
    problems: list[Problem]


def validate_row(schema: FileSchema, row: Mapping[str, str | None]) -> RowResult:
    """Read one row against its schema.

    Blank cells are unknown (``None``); required blanks are problems. Columns the
    schema does not know are kept as ``extra`` so nothing is dropped. Every
    problem in the row is reported, not just the first, so a user fixes a file in
    one pass.
    """
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    clean = _CONTROL.search("".join([v for v in row.values() if v])) is None
    for name, parse, required, plain in schema._plan:  # type: ignore[attr-defined]
        raw = row.get(name)
        if not raw or raw.isspace():
            if required:
                problems.append(Problem(name, "required but empty"))
            values[name] = None
            continue
        if clean and plain:
            if parse is _text:
                values[name] = raw
                continue
            stripped = raw.strip()
            if len(stripped) <= 200:
                values[name] = stripped
                continue
        try:
            values[name] = parse(raw if parse is _text else raw.strip())
        except ValueProblem as exc:
            problems.append(Problem(name, str(exc), raw))
    if not problems:
        problems.extend(schema.check(values))
    if problems:
        return RowResult(None, problems)
    known = schema._known  # type: ignore[attr-defined]
    extra = {k: val for k, val in row.items() if k not in known and val}
    if extra and not clean:
        return RowResult(None, [Problem(k, "contains a control character") for k, val in extra.items()
                                if val is not None and _CONTROL.search(val)])
    return RowResult(schema.build(**values, extra=dict(sorted(extra.items())) if extra else {}), [])



# ---------------------------------------------------------------- rows by position, at speed

_KIND_TEXT, _KIND_IDENTIFIER, _KIND_PARSED = 0, 1, 2
_MEMO_LIMIT = 50_000


class RowPlan:
    """``validate_row`` for one file's rows as lists of cells, compiled once for its header.

    Why: at a million rows, a dict per row, a frozen dataclass per record and a
    fresh parse of every date and code cost more than reading the file. The plan
    reads cells by position, memoises the parsers of repetitive columns (dates,
    codes, enumerations, numbers: pure functions of the cell's text) and returns a
    plain tuple of values in schema column order plus the extra columns as JSON.

    It only ever *accepts* a row: anything it does not take outright (a blank
    required cell, a value its parser refuses, a control character, a ragged row,
    a failed cross-field check) makes ``values`` return None, and the caller runs
    that row through ``validate_row``, so problems are found and worded in exactly
    one place. For a row it accepts, the values are those ``validate_row`` gives.
    """

    def __init__(self, schema: FileSchema, header: list[str]) -> None:
        self.schema = schema
        self.width = len(header)
        position = {name: i for i, name in enumerate(header)}
        plan: list[tuple[int, Parser, bool, int, dict[str, Any]]] = []
        for column in schema.columns:
            kind = (_KIND_TEXT if column.parse is _text else
                    _KIND_IDENTIFIER if column.parse is _identifier else _KIND_PARSED)
            plan.append((position.get(column.name, -1), column.parse, column.required, kind, {}))
        self._plan = tuple(plan)
        known = schema._known  # type: ignore[attr-defined]
        # Header cells that are not contract columns, in key order: kept as extra.
        self._extra = tuple(sorted((name, i) for i, name in enumerate(header) if name not in known))
        self._names = schema.column_names
        self._check = schema.check

    def values(self, cells: list[str]) -> tuple[tuple[Any, ...], str | None] | None:
        """(values in schema column order, extra columns as JSON or None), or None to defer."""
        if len(cells) != self.width or _CONTROL.search("".join(cells)):
            return None
        out: list[Any] = []
        append = out.append
        for index, parse, required, kind, memo in self._plan:
            raw = cells[index] if index >= 0 else ""
            if not raw or raw.isspace():
                if required:
                    return None
                append(None)
            elif kind == _KIND_TEXT:
                append(raw)
            elif kind == _KIND_IDENTIFIER:
                stripped = raw.strip()
                if len(stripped) > 200:
                    return None
                append(stripped)
            else:
                value = memo.get(raw)
                if value is None:
                    try:
                        value = parse(raw.strip())
                    except ValueProblem:
                        return None
                    if len(memo) >= _MEMO_LIMIT:
                        memo.clear()
                    memo[raw] = value
                append(value)
        if self._check(dict(zip(self._names, out, strict=True))):
            return None
        extra = None
        if self._extra:
            found = {name: cells[i] for name, i in self._extra if cells[i]}
            if found:
                extra = json.dumps(found, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return tuple(out), extra
