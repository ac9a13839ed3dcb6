"""Custody chains, holders, last lawful custodian and import sequencing, by example."""

from __future__ import annotations

from tests.unit.custody_builders import ev

from armstrace.domain.custody import (
    ChainEntry,
    Custody,
    custody_chain,
    holder_at,
    last_lawful_custodian,
    live_events,
    sequence_problems,
)

ITEM = "BM-L507-0042"  # a Bushmaster AR-15 from the 507-rifle lot




# The 2009 Michoacán case: delivered to SEDENA, passed to the state government,
# never assigned to a police unit, found at a crime scene.
MICHOACAN = [
    ev("E1", "ship", "2006-02-10", "BUSHMASTER", "SEDENA"),
    ev("E2", "receive", "2006-03-01", to="SEDENA"),
    ev("E3", "transfer", "2006-06-15", "SEDENA", "GOB-MICH"),
    ev("E4", "recover", "2009-11-30T18:14:00Z", to="PGR"),
]


def ids(entries: list[ChainEntry]) -> list[str]:
    return [c.event.event_id for c in entries]


# ------------------------------------------------------------------ custody_chain


def test_chain_orders_by_date_then_record_order() -> None:
    events = [
        ev("B", "receive", "2006-03-01", to="SEDENA"),
        ev("A", "ship", "2006-02-10", "BUSHMASTER", "SEDENA"),
        ev("C2", "inventory", "2006-03-01T09:00:00Z", to="SEDENA"),
        ev("C1", "inventory", "2006-03-01", to="SEDENA"),
    ]
    chain = custody_chain(events)
    # same date keeps record order; a date-only value sorts before that day's datetimes
    assert ids(chain) == ["A", "B", "C1", "C2"]
    assert not any(c.void for c in chain)
    assert all(c.voided_by is None for c in chain)


def test_chain_correction_retracts_and_is_kept() -> None:
    events = [
        *MICHOACAN[:3],
        ev("X1", "assign", "2007-01-10", "GOB-MICH", "SSP-MICH"),
        ev("X2", "correction", "2007-02-01", corrects="X1"),
    ]
    chain = custody_chain(events)
    assert len(chain) == 5
    by_id = {c.event.event_id: c for c in chain}
    assert by_id["X1"] == ChainEntry(events[3], True, "X2")
    assert not by_id["X2"].void
    assert [e.event_id for e in live_events(events)] == ["E1", "E2", "E3", "X2"]


def test_chain_replacement_voids_original_and_stands() -> None:
    events = [
        ev("E1", "ship", "2006-02-10", "BUSHMASTER", "SEDENA"),
        ev("E2", "receive", "2006-03-11", to="SEDENA"),
        # wrong date keyed in: the receipt is re-recorded with the right one
        ev("E2b", "receive", "2006-03-01", to="SEDENA", corrects="E2"),
    ]
    chain = custody_chain(events)
    assert ids(chain) == ["E1", "E2b", "E2"]
    assert [c.void for c in chain] == [False, False, True]
    assert chain[2].voided_by == "E2b"


def test_correction_of_correction_unvoids_nothing() -> None:
    events = [
        ev("E1", "ship", "2006-02-10", "BUSHMASTER", "SEDENA"),
        ev("C1", "correction", "2006-02-11", corrects="E1"),
        ev("C2", "correction", "2006-02-12", corrects="C1"),
    ]
    void = {c.event.event_id: c.voided_by for c in custody_chain(events)}
    assert void == {"E1": "C1", "C1": "C2", "C2": None}
    assert holder_at(events, "2007-01-01") is None


def test_chain_first_voider_is_named_and_dangling_correction_is_inert() -> None:
    events = [
        ev("E1", "ship", "2006-02-10", "BUSHMASTER", "SEDENA"),
        ev("C1", "correction", "2006-02-11", corrects="E1"),
        ev("C2", "correction", "2006-02-12", corrects="E1"),
        ev("C3", "correction", "2006-02-13", corrects="NOT-HERE"),
        ev("S", "inventory", "2006-02-14", to="SEDENA", corrects="S"),  # names itself
    ]
    chain = {c.event.event_id: c for c in custody_chain(events)}
    assert chain["E1"].voided_by == "C1"
    assert not chain["C3"].void
    assert not chain["S"].void


def test_chain_empty() -> None:
    assert custody_chain([]) == []
    assert custody_chain(iter(MICHOACAN))[0].event is MICHOACAN[0]


# ---------------------------------------------------------------------- holder_at


def test_holder_before_first_event_is_none() -> None:
    assert holder_at(MICHOACAN, "2006-01-01") is None
    assert holder_at([], "2006-01-01") is None


def test_holder_shipped_is_unconfirmed_until_received() -> None:
    assert holder_at(MICHOACAN, "2006-02-10") == Custody("SEDENA", "2006-02-10", "E1", False)
    assert holder_at(MICHOACAN, "2006-03-01") == Custody("SEDENA", "2006-03-01", "E2", True)
    assert holder_at(MICHOACAN, "2008-01-01") == Custody("GOB-MICH", "2006-06-15", "E3", True)


def test_holder_date_only_when_is_start_of_day() -> None:
    # the recovery happened at 18:14 on 2009-11-30: at the start of that day the
    # state government still held the rifle on paper
    assert holder_at(MICHOACAN, "2009-11-30") == Custody("GOB-MICH", "2006-06-15", "E3", True)
    assert holder_at(MICHOACAN, "2009-12-01") == Custody("PGR", "2009-11-30T18:14:00Z", "E4", True)


def test_holder_none_after_loss_theft_destroy() -> None:
    base = MICHOACAN[:3]
    for kind in ("loss", "theft"):
        events = [*base, ev("L", kind, "2008-05-05", frm="GOB-MICH")]
        assert holder_at(events, "2008-05-04") is not None
        assert holder_at(events, "2008-05-05") is None
    destroyed = [*base, ev("D", "destroy", "2012-01-01")]
    assert holder_at(destroyed, "2013-01-01") is None


def test_holder_events_after_loss_do_not_restore_custody_but_recover_does() -> None:
    events = [
        *MICHOACAN[:3],
        ev("L", "theft", "2008-05-05", frm="GOB-MICH"),
        ev("T", "transfer", "2008-06-01", "GOB-MICH", "SSP-MICH"),  # out of place
        ev("R", "recover", "2009-01-10", to="PGR"),
        ev("R2", "transfer", "2009-03-01", "PGR", "SEDENA"),
    ]
    assert holder_at(events, "2008-07-01") is None
    assert holder_at(events, "2009-02-01") == Custody("PGR", "2009-01-10", "R", True)
    assert holder_at(events, "2010-01-01") == Custody("SEDENA", "2009-03-01", "R2", True)


def test_holder_recover_to_no_known_party() -> None:
    events = [*MICHOACAN[:3], ev("R", "recover", "2009-11-30")]
    assert holder_at(events, "2010-01-01") is None


def test_holder_inventory_confirms_or_reveals_holder() -> None:
    shipped = [ev("E1", "ship", "2006-02-10", "BUSHMASTER", "SEDENA")]
    confirmed = [*shipped, ev("I1", "inventory", "2006-12-31", to="SEDENA")]
    assert holder_at(confirmed, "2007-01-01") == Custody("SEDENA", "2006-02-10", "E1", True)
    elsewhere = [*shipped, ev("I2", "inventory", "2006-12-31", to="GOB-MICH")]
    assert holder_at(elsewhere, "2007-01-01") == Custody("GOB-MICH", "2006-12-31", "I2", True)


def test_holder_ignores_void_events() -> None:
    events = [
        *MICHOACAN[:3],
        ev("A1", "assign", "2007-01-10", "GOB-MICH", "SSP-MICH"),
        ev("A1x", "correction", "2007-01-11", corrects="A1"),
    ]
    assert holder_at(events, "2008-01-01") == Custody("GOB-MICH", "2006-06-15", "E3", True)


# ---------------------------------------------------------- last_lawful_custodian


def test_last_custodian_michoacan_is_the_state_government() -> None:
    last = last_lawful_custodian(MICHOACAN, "2009-11-30")
    assert last == Custody("GOB-MICH", "2006-06-15", "E3", True)
    # a later question sees the prosecutor who took the rifle in
    later = last_lawful_custodian(MICHOACAN, "2010-01-01")
    assert later is not None and later.party_id == "PGR"


def test_last_custodian_is_strictly_before() -> None:
    assert last_lawful_custodian(MICHOACAN, "2006-06-15") == Custody(
        "SEDENA", "2006-03-01", "E2", True
    )
    assert last_lawful_custodian(MICHOACAN, "2006-02-10") is None
    assert last_lawful_custodian([], "2006-02-10") is None


def test_last_custodian_after_theft_is_who_lost_it_with_the_loss_noted() -> None:
    events = [
        *MICHOACAN[:3],
        ev("A1", "assign", "2007-01-10", "GOB-MICH", "SSP-MICH-U12"),
        ev("T1", "theft", "2008-05-05", frm="SSP-MICH-U12"),
        ev("X", "transfer", "2008-09-01", "SSP-MICH-U12", "OTHER"),  # after the theft
    ]
    last = last_lawful_custodian(events, "2009-11-30")
    assert last == Custody(
        "SSP-MICH-U12",
        "2007-01-10",
        "A1",
        True,
        ended_by="T1",
        ended_at="2008-05-05",
        end_type="theft",
    )


def test_last_custodian_loss_reported_by_other_party() -> None:
    events = [*MICHOACAN[:3], ev("L1", "loss", "2008-05-05", frm="SSP-MICH")]
    last = last_lawful_custodian(events, "2009-11-30")
    assert last == Custody("SSP-MICH", "2008-05-05", "L1", True, "L1", "2008-05-05", "loss")


def test_last_custodian_loss_without_party_is_the_holder() -> None:
    events = [*MICHOACAN[:3], ev("L1", "loss", "2008-05-05")]
    last = last_lawful_custodian(events, "2009-11-30")
    assert last is not None
    assert (last.party_id, last.event_id, last.ended_by) == ("GOB-MICH", "E3", "L1")


def test_last_custodian_after_destroy_and_shipment_only() -> None:
    destroyed = [*MICHOACAN[:3], ev("D", "destroy", "2012-01-01")]
    last = last_lawful_custodian(destroyed, "2014-02-02")
    assert last is not None
    assert (last.party_id, last.end_type, last.ended_by) == ("GOB-MICH", "destroy", "D")
    shipped = MICHOACAN[:1]
    assert last_lawful_custodian(shipped, "2009-11-30") == Custody(
        "SEDENA", "2006-02-10", "E1", False
    )


def test_last_custodian_inventory_keeps_custody_start() -> None:
    events = [*MICHOACAN[:3], ev("I", "inventory", "2008-12-31", to="GOB-MICH")]
    # time-to-crime runs from the transfer, not from the stock count
    assert last_lawful_custodian(events, "2009-11-30") == Custody(
        "GOB-MICH", "2006-06-15", "E3", True
    )


# -------------------------------------------------------------- sequence_problems


def test_sequence_valid_chain_has_no_problems() -> None:
    assert sequence_problems([], MICHOACAN) == []
    assert sequence_problems(MICHOACAN[:2], MICHOACAN[2:]) == []
    assert sequence_problems(MICHOACAN, []) == []


def test_sequence_receive_before_its_ship_rejects_the_receive_only() -> None:
    ship = ev("S1", "ship", "2006-02-10", "BUSHMASTER", "SEDENA")
    recv = ev("R1", "receive", "2006-01-20", to="SEDENA")
    problems = sequence_problems([], [recv, ship])
    assert [(p.event_id, p.reason) for p in problems] == [
        ("R1", "received before it was shipped (ship S1 on 2006-02-10)")
    ]
    # the ship already stored: same verdict
    assert [p.event_id for p in sequence_problems([ship], [recv])] == ["R1"]


def test_sequence_receive_before_transfer_and_undocumented_receipts() -> None:
    stored = MICHOACAN[:2]
    early = ev("R2", "receive", "2006-05-01", to="GOB-MICH")
    transfer = ev("T", "transfer", "2006-06-15", "SEDENA", "GOB-MICH")
    problems = sequence_problems(stored, [early, transfer])
    assert [(p.event_id, p.reason) for p in problems] == [
        ("R2", "received before it was shipped (transfer T on 2006-06-15)")
    ]
    # a receipt with no shipment to that party on record is a gap, not impossible
    assert sequence_problems(stored, [ev("R3", "receive", "2006-05-01", to="SSP")]) == []


def test_sequence_receive_same_day_is_not_impossible() -> None:
    ship = ev("S1", "ship", "2006-02-10T15:00:00Z", "BUSHMASTER", "SEDENA")
    same_day = ev("R1", "receive", "2006-02-10", to="SEDENA")
    assert sequence_problems([ship], [same_day]) == []
    earlier = ev("R2", "receive", "2006-02-10T09:00:00Z", to="SEDENA")
    assert [p.event_id for p in sequence_problems([ship], [earlier])] == ["R2"]


def test_sequence_nothing_after_destruction() -> None:
    destroy = ev("D", "destroy", "2012-01-01", frm="SEDENA")
    late = ev("T9", "transfer", "2013-03-03", "SEDENA", "GOB-MICH")
    fix = ev("C9", "correction", "2013-03-04", corrects="E3")
    problems = sequence_problems([*MICHOACAN[:3], destroy], [late, fix])
    assert [(p.event_id, p.reason) for p in problems] == [
        ("T9", "dated after the item was destroyed (destroy D on 2012-01-01)")
    ]
    # the destroy arriving in the same batch counts too
    assert [p.event_id for p in sequence_problems(MICHOACAN[:3], [late, destroy])] == ["T9"]
    # a second, later destroy is also after the first
    again = ev("D2", "destroy", "2014-01-01")
    assert [p.event_id for p in sequence_problems([destroy], [again])] == ["D2"]


def test_sequence_new_destroy_before_recorded_events_is_rejected() -> None:
    destroy = ev("D", "destroy", "2006-04-01")
    problems = sequence_problems(MICHOACAN, [destroy])
    assert [(p.event_id, p.reason) for p in problems] == [
        ("D", "destroyed before recorded event E4 (recover on 2009-11-30T18:14:00Z)")
    ]


def test_sequence_retracted_destroy_blocks_nothing() -> None:
    destroy = ev("D", "destroy", "2012-01-01")
    retract = ev("DX", "correction", "2012-02-01", corrects="D")
    late = ev("T9", "transfer", "2013-03-03", "SEDENA", "GOB-MICH")
    assert sequence_problems([destroy, retract], [late]) == []
    assert sequence_problems([destroy], [retract, late]) == []


def test_sequence_corrections() -> None:
    stored = MICHOACAN[:3]
    # a correction may be dated before what it corrects: record time matters
    backdated = ev("C1", "correction", "2006-01-01", corrects="E3")
    assert sequence_problems(stored, [backdated]) == []
    # its target may arrive in the same batch
    new_evt = ev("A1", "assign", "2007-01-10", "GOB-MICH", "SSP")
    assert (
        sequence_problems(stored, [new_evt, ev("C2", "correction", "2007-02-01", corrects="A1")])
        == []
    )
    bad = [
        ev("C3", "correction", "2007-02-01", corrects="E99"),
        ev("C4", "correction", "2007-02-01"),
        ev("C5", "correction", "2007-02-01", corrects="C5"),
    ]
    problems = sequence_problems(stored, bad)
    assert [(p.event_id, p.reason) for p in problems] == [
        ("C3", "corrects event E99, which is not recorded for this item"),
        ("C4", "correction does not name the event it corrects"),
        ("C5", "event C5 corrects itself"),
    ]


def test_sequence_retracted_bad_row_is_not_judged() -> None:
    ship = ev("S1", "ship", "2006-02-10", "BUSHMASTER", "SEDENA")
    recv = ev("R1", "receive", "2006-01-20", to="SEDENA")
    retract = ev("R1x", "correction", "2006-03-01", corrects="R1")
    assert sequence_problems([ship], [recv, retract]) == []
