"""domain.exposure: custody spells and the final custodian that a diversion rate's n counts."""

from __future__ import annotations

from armstrace.domain.exposure import item_exposure
from armstrace.domain.records import CustodyEvent


def ev(eid: str, etype: str, when: str, frm: str | None = None, to: str | None = None,
       corrects: str | None = None) -> CustodyEvent:
    return CustodyEvent(eid, etype, when, "I1", frm, to, corrects_event_id=corrects)


CHAIN = [
    ev("E1", "ship", "2009-01-01", "EXP", "SEDENA"),
    ev("E2", "receive", "2009-01-05", None, "SEDENA"),
    ev("E3", "transfer", "2009-02-01", "SEDENA", "GOV"),
    ev("E4", "assign", "2009-03-01", "GOV", "UNIT"),
]


def test_spells_of_a_plain_chain() -> None:
    exp = item_exposure("I1", CHAIN)
    assert [(s.party_id, s.since, s.end) for s in exp.spells] == [
        ("SEDENA", "2009-01-01", "passed_on"), ("GOV", "2009-02-01", "passed_on"),
        ("UNIT", "2009-03-01", None)]
    assert exp.spells[0].confirmed  # the receipt confirmed the shipment's custody
    assert exp.final_custodian == "UNIT" and exp.final_since == "2009-03-01"
    assert exp.first_ship_at == "2009-01-01" and exp.recovered_at is None
    assert exp.arrival({"GOV", "UNIT"}) == exp.spells[1]
    assert exp.arrival({"NOBODY"}) is None


def test_theft_stays_with_the_holder_and_recovery_freezes_the_final_custodian() -> None:
    events = [*CHAIN, ev("E5", "theft", "2010-01-01", "UNIT"),
              ev("E6", "recover", "2011-01-01", None, "PGR"),
              ev("E7", "transfer", "2011-02-01", "PGR", "WAREHOUSE")]
    exp = item_exposure("I1", events)
    assert [(s.party_id, s.end) for s in exp.spells] == [
        ("SEDENA", "passed_on"), ("GOV", "passed_on"), ("UNIT", "theft"),
        ("PGR", "passed_on"), ("WAREHOUSE", None)]
    # the unit is accountable: custody after the recovery is the seizure's, not the licence's
    assert exp.final_custodian == "UNIT" and exp.recovered_at == "2011-01-01"


def test_corrected_assignment_counts_the_right_unit() -> None:
    events = [*CHAIN[:3], ev("E4", "assign", "2009-03-01", "GOV", "WRONG"),
              ev("E5", "correction", "2009-03-10", corrects="E4"),
              ev("E6", "assign", "2009-03-10", "GOV", "UNIT", corrects="E4")]
    exp = item_exposure("I1", events)
    assert "WRONG" not in {s.party_id for s in exp.spells}
    assert exp.final_custodian == "UNIT"


def test_unconfirmed_shipment_is_a_spell_without_receipt() -> None:
    exp = item_exposure("I1", [ev("E1", "ship", "2009-01-01", "EXP", "BROKER")])
    assert len(exp.spells) == 1 and not exp.spells[0].confirmed
    assert exp.final_custodian == "BROKER"


def test_no_events() -> None:
    exp = item_exposure("I1", [])
    assert exp.spells == () and exp.final_custodian is None
