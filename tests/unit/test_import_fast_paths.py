"""The importer's fast paths agree with the rules they stand in for.

``RowPlan`` and ``surely_possible`` exist only for speed: they may decline a row or
an item (the full rule then decides), but whatever they accept must be exactly what
``validate_row`` and ``sequence_problems`` accept.
"""

from __future__ import annotations

import json

from hypothesis import event, given, settings
from hypothesis import strategies as st
from tests.unit.test_custody_properties import event_lists

from armstrace.domain.contract import CUSTODY_EVENTS, ITEMS, LICENCES, RECOVERIES, RowPlan, validate_row
from armstrace.domain.custody import sequence_problems, surely_possible
from armstrace.domain.ledger import encode_extra, link_rows, linked_rows

quick = settings(max_examples=150, deadline=None)

# Cells as they arrive from files: good values, near misses, blanks, padding, control characters.
CELLS = st.sampled_from([
    "", " ", "E-1", " E-2 ", "ship", "Receive", "recepción", "transfer", "correction", "destroy", "bogus",
    "2009-11-30", "2009-11-30T18:14:00Z", "2009-11-30T18:14:00-06:00", "2009-13-01", "1700-01-01",
    " 2009-01-02 ", "MX-MIC", "mx-mic", "MX", "P-1", "P-2", "I-1", "12", "1,200", "-3", "x" * 201,
    "a\x00b", "Colt", "1.5", "$1,000.50", "yes", "Sí", "parcial", "45.5", "200",
])


def _expected(schema: object, header: list[str],
              cells: list[str]) -> tuple[tuple[object, ...], str | None] | None:
    row = dict(zip(header, cells, strict=True))
    result = validate_row(schema, row)  # type: ignore[arg-type]
    if result.problems:
        return None
    record = result.record
    return (tuple(getattr(record, n) for n in schema.column_names),  # type: ignore[attr-defined]
            encode_extra(record.extra))


# Mostly-plausible values per column, so that many rows are accepted and compared.
GOOD = {
    "event_type": ["ship", "receive", "Recepción", "assign", "inventory", "loss"],
    "occurred_at": ["2009-11-30", "2009-11-30T18:14:00Z", "2009-11-30T18:14:00.5+02:00"],
    "recovered_on": ["2010-01-02", " 2010-01-03"], "region": ["MX-MIC", " mx-jal "],
    "country": ["MX", "us"], "destination_country": ["MX"], "year_of_manufacture": ["1999", "2101"],
    "quantity": ["1,200", "7"], "value_usd": ["$1,000.50", "12"], "latitude": ["19.4", "91"],
    "longitude": ["-99.1"], "circumstance": ["Escena del crimen", "reten"],
    "serial_obliterated": ["Sí", "no"], "regime": ["ITAR", "BIS"], "status": ["approved"],
    "applied_on": ["2008-01-02"], "decided_on": ["2008-01-01", "2008-02-01"],
}


@st.composite
def headed_rows(draw: st.DrawFn, schema: object) -> tuple[list[str], list[str]]:
    names = list(schema.column_names)  # type: ignore[attr-defined]
    required = [c.name for c in schema.columns if c.required]  # type: ignore[attr-defined]
    optional = draw(st.lists(st.sampled_from([*names, "notes", "Observaciones"]), unique=True))
    header = list(dict.fromkeys([*required, *optional]))
    header = draw(st.permutations(header))
    cells = [draw(st.sampled_from(GOOD.get(name, ["E-1", " I-2 ", "P-1", "Colt"])) | CELLS)
             for name in header]
    return header, cells


@quick
@given(st.sampled_from([CUSTODY_EVENTS, ITEMS, LICENCES, RECOVERIES]).flatmap(
    lambda schema: st.tuples(st.just(schema), headed_rows(schema))))
def test_a_row_plan_accepts_only_what_validate_row_accepts(case: tuple[object, tuple[list[str], list[str]]]
                                                           ) -> None:
    schema, (header, cells) = case
    taken = RowPlan(schema, header).values(cells)  # type: ignore[arg-type]
    expected = _expected(schema, header, cells)
    if taken is not None:
        event("taken")
        assert taken == expected
        if taken[1] is not None:
            assert json.loads(taken[1]) == json.loads(expected[1])  # type: ignore[index, arg-type]


def test_a_row_plan_takes_ordinary_rows_itself() -> None:
    header = ["event_id", "event_type", "occurred_at", "item_id", "from_party_id", "to_party_id", "notes"]
    plan = RowPlan(CUSTODY_EVENTS, header)
    taken = plan.values(["E-1", "Envío", "2009-11-30T12:14:00-06:00", "I-1", "P-1", "P-2", "caja 4"])
    assert taken == (("E-1", "ship", "2009-11-30T18:14:00Z", "I-1", "P-1", "P-2", None, None, None),
                     '{"notes":"caja 4"}')
    assert plan.values(["E-1", "ship", "2009-11-30", "I-1", "", "P-2", ""]) is None  # ship needs from
    assert plan.values(["E-1", "ship", "2009-11-30", "I-1", "P-1", "P-2"]) is None  # ragged row


@quick
@given(event_lists())
def test_surely_possible_never_hides_a_sequence_problem(events: list[object]) -> None:
    rows = [(e.event_type, e.occurred_at, e.to_party_id, e.corrects_event_id) for e in events]  # type: ignore[attr-defined]
    if surely_possible(rows, 0, 1, 2, 3):
        assert sequence_problems([], events) == []  # type: ignore[arg-type]


def test_surely_possible_answers_for_plain_chains_and_defers_otherwise() -> None:
    ship = ("ship", "2009-01-02", "P-2", None)
    assert surely_possible([ship, ("receive", "2009-01-03", "P-2", None)], 0, 1, 2, 3)
    assert not surely_possible([ship, ("receive", "2009-01-01", "P-2", None)], 0, 1, 2, 3)
    assert not surely_possible([ship, ("destroy", "2009-01-05", None, None)], 0, 1, 2, 3)
    assert not surely_possible([ship, ("assign", "2009-01-05", "P-3", "E-1")], 0, 1, 2, 3)


def test_linked_rows_hash_exactly_as_link_rows() -> None:
    events = [("E-1", "ship", "2009-01-02", "I-1", "P-1", "P-2", None, "Ñ-1", None, None),
              ("E-2", "receive", "2009-01-03T10:00:00Z", "I-1", None, "P-2", "MX-MIC", None, None,
               '{"notas":"caja"}')]
    head = b"\x01" * 32
    rows, last = linked_rows(events, 7, "2026-01-01T00:00:00Z", head, ("run",))
    reference = list(link_rows([(7 + i, "2026-01-01T00:00:00Z", *e) for i, e in enumerate(events)], head))
    assert rows == [(*row, content, chained, "run") for row, content, chained in reference]
    assert last == reference[-1][2]
