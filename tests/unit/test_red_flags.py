"""Every red flag, firing and not firing, on small hand-built facts."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from armstrace.domain.records import Licence
from armstrace.domain.red_flags import (
    BY_CODE,
    CUSTODIAN,
    INDICATORS,
    LICENCE,
    Evidence,
    LossFact,
    RecoveryFact,
    RiskFacts,
    _median_without,
    evaluate,
)

KINDS = {"P-EXP": "exporter", "P-SED": "import_authority", "P-GOV": "state_government",
         "P-UNIT": "municipal_police", "P-GOV2": "state_government", "P-BRK": "broker",
         "P-AA": "customs_broker", "P-ZM": "military_unit", "P-ALM": "warehouse"}
PARENT: dict[str, str | None] = {p: None for p in KINDS} | {
    "P-UNIT": "P-GOV", "P-ZM": "P-SED", "P-ALM": "P-SED"}


def lic(lid: str, *, consignee: str = "P-SED", end_user: str = "P-GOV", quantity: int = 10,
        applied: str = "2010-01-01", status: str = "approved") -> Licence:
    return Licence(lid, "P-EXP", "MX", consignee_id=consignee, end_user_id=end_user,
                   quantity=quantity, applied_on=applied, status=status)


def facts(*licences: Licence, **kw: Any) -> RiskFacts:
    return RiskFacts({x.licence_id: x for x in licences}, KINDS, PARENT, **kw)


def fired(flag: str, f: RiskFacts) -> dict[tuple[str, str], Evidence]:
    """The evidence of one flag per subject, via ``evaluate`` (as the service calls it)."""
    return {subject: ev for subject, evs in evaluate(f).items() for ev in evs if ev.flag == flag}


def rec(rid: str, licence: str | None = "L1", custodian: str | None = "P-UNIT", *,
        ttc: int | None = 2000, obliterated: bool = False, key: str | None = None) -> RecoveryFact:
    return RecoveryFact(rid, key or rid, licence, custodian, ttc, obliterated, "crime_scene")


BASE = (lic("L0", applied="2008-01-01"), lic("L1", applied="2009-06-01"))


def test_new_party_fires_only_for_a_party_on_no_earlier_licence() -> None:
    f = facts(*BASE, lic("L2", applied="2010-01-01"), lic("L3", end_user="P-GOV2", applied="2010-02-01"))
    hits = fired("new_party", f)
    assert set(hits) == {(LICENCE, "L3")}
    assert hits[(LICENCE, "L3")].records == ("P-GOV2",)


def test_new_party_is_not_judged_in_the_records_first_year() -> None:
    f = facts(lic("L0", applied="2008-01-01"), lic("L1", end_user="P-GOV2", applied="2008-06-01"))
    assert fired("new_party", f) == {}


def test_party_not_on_licence_ignores_the_lawful_path_and_the_end_users_units() -> None:
    lawful = {"L1": {"P-SED": "E1", "P-GOV": "E2", "P-UNIT": "E3", "P-ALM": "E4"}}
    assert fired("party_not_on_licence", facts(*BASE, custody_parties=lawful)) == {}
    strange = {"L1": lawful["L1"] | {"P-ZM": "E5", "P-GOV2": "E6"}}
    hits = fired("party_not_on_licence", facts(*BASE, custody_parties=strange))
    assert set(hits) == {(LICENCE, "L1")}
    assert hits[(LICENCE, "L1")].records == ("P-GOV2", "P-ZM")
    assert "P-ZM (E5)" in hits[(LICENCE, "L1")].detail


def test_broker_or_customs_broker_as_consignee() -> None:
    f = facts(*BASE, lic("L2", consignee="P-BRK"), lic("L3", consignee="P-AA"))
    hits = fired("broker_consignee", f)
    assert set(hits) == {(LICENCE, "L2"), (LICENCE, "L3")}
    assert "customs broker" in hits[(LICENCE, "L3")].detail


@pytest.mark.parametrize(("quantity", "fires"), [(100, True), (50, True), (40, False)])
def test_quantity_out_of_proportion_to_end_users_of_its_kind(quantity: int, fires: bool) -> None:
    peers = [lic(f"P{i}", quantity=10) for i in range(4)]
    hits = fired("quantity_out_of_proportion", facts(*peers, lic("BIG", quantity=quantity)))
    assert ((LICENCE, "BIG") in hits) is fires
    assert all(k == (LICENCE, "BIG") for k in hits)


def test_quantity_out_of_proportion_needs_enough_peers() -> None:
    f = facts(lic("A", quantity=10), lic("B", quantity=10), lic("BIG", quantity=1000))
    assert fired("quantity_out_of_proportion", f) == {}


def test_reconciliation_failure_on_licences_and_custodians() -> None:
    f = facts(*BASE, reconciliation_problems={"L0": (), "L1": ("3 items shipped but never received",)},
              unconfirmed={"P-GOV": 3, "P-UNIT": 0, "P-EXP": 5}, stockpiled={"P-SED": 2})
    hits = fired("reconciliation_failure", f)
    assert set(hits) == {(LICENCE, "L1"), (CUSTODIAN, "P-GOV"), (CUSTODIAN, "P-SED")}
    assert hits[(CUSTODIAN, "P-GOV")].count == 3
    assert "trail stops here" in hits[(CUSTODIAN, "P-SED")].detail


def test_losses_and_thefts_count_against_licence_and_custodian() -> None:
    losses = [LossFact("E9", "theft", "P-UNIT", "L1", "I1"), LossFact("E8", "loss", "P-UNIT", "L1", "I2")]
    hits = fired("losses_thefts", facts(*BASE, losses=losses))
    assert set(hits) == {(LICENCE, "L1"), (CUSTODIAN, "P-UNIT")}
    assert hits[(CUSTODIAN, "P-UNIT")].count == 2 and "1 lost and 1 stolen" in hits[(LICENCE, "L1")].detail
    assert fired("losses_thefts", facts(*BASE)) == {}


def test_recovered_serials_count_each_weapon_once() -> None:
    rows = [rec("R1", key="I1"), rec("R2", key="I1"), rec("R3", key="I2", custodian=None)]
    hits = fired("recovered_serials", facts(*BASE, recoveries=rows))
    assert set(hits) == {(LICENCE, "L1"), (CUSTODIAN, "P-UNIT")}
    assert hits[(LICENCE, "L1")].count == 2  # two weapons, three rows
    assert hits[(CUSTODIAN, "P-UNIT")].count == 1
    assert fired("recovered_serials", facts(*BASE)) == {}


def test_short_time_to_crime_under_three_years() -> None:
    rows = [rec("R1", ttc=200), rec("R2", ttc=2000), rec("R3", ttc=None)]
    hits = fired("short_time_to_crime", facts(*BASE, recoveries=rows))
    assert hits[(LICENCE, "L1")].records == ("R1",)
    assert "fastest 200 days" in hits[(LICENCE, "L1")].detail
    slow = [rec("R2", ttc=2000), rec("R3", ttc=None)]
    assert fired("short_time_to_crime", facts(*BASE, recoveries=slow)) == {}


def test_obliterated_serials_among_recoveries() -> None:
    rows = [rec("R1", obliterated=True), rec("R2")]
    hits = fired("obliterated_serials", facts(*BASE, recoveries=rows))
    assert hits[(CUSTODIAN, "P-UNIT")].records == ("R1",)
    assert fired("obliterated_serials", facts(*BASE, recoveries=[rec("R2")])) == {}


def test_recipient_record_carries_a_custodians_record_to_its_other_licences() -> None:
    rows = [rec("R1", licence="L0", custodian="P-GOV")]
    losses = [LossFact("E1", "theft", "P-GOV", "L0", "I1")]
    f = facts(lic("L0"), lic("L2"), lic("L3", end_user="P-GOV2"), recoveries=rows, losses=losses)
    hits = fired("recipient_record", f)
    assert set(hits) == {(LICENCE, "L2")}  # not L0 (its own record), not L3 (other end user)
    assert set(hits[(LICENCE, "L2")].records) == {"R1", "E1"}


def test_split_order() -> None:
    hits = fired("split_order", facts(*BASE, split_groups={"L1": "SPL-1"}))
    assert set(hits) == {(LICENCE, "L1")}
    assert fired("split_order", facts(*BASE)) == {}


def test_unfavourable_finding_on_the_subject_and_through_a_licences_recipient() -> None:
    outcomes = {(CUSTODIAN, "P-GOV"): [("CHK-1", "unfavourable")],
                (LICENCE, "L0"): [("CHK-2", "favourable")]}
    f = facts(*BASE, lic("L2", end_user="P-GOV2"), check_outcomes=outcomes)
    hits = fired("unfavourable_finding", f)
    assert set(hits) == {(CUSTODIAN, "P-GOV"), (LICENCE, "L1")}  # L0 was itself checked: favourable
    assert fired("unfavourable_finding", facts(*BASE)) == {}


def test_favourable_finding_only_when_never_unfavourable() -> None:
    outcomes = {(LICENCE, "L0"): [("CHK-1", "favourable")],
                (LICENCE, "L1"): [("CHK-2", "favourable"), ("CHK-3", "unfavourable")]}
    hits = fired("favourable_finding", facts(*BASE, check_outcomes=outcomes))
    assert set(hits) == {(LICENCE, "L0")}
    assert BY_CODE["favourable_finding"].prior < 0


def test_every_indicator_is_versioned_explained_and_tested() -> None:
    codes = [ind.code for ind, _ in INDICATORS]
    assert len(codes) == len(set(codes))
    for ind, rule in INDICATORS:
        assert ind.version.startswith(ind.code + "_v") and ind.label and ind.label_es and ind.rule
        assert rule.__doc__
    source = Path(__file__).read_text(encoding="utf-8")
    untested = [c for c in codes if f'fired("{c}"' not in source]
    assert untested == []


@given(st.lists(st.integers(1, 10_000), min_size=2, max_size=30), st.data())
def test_median_of_peers_without_one_licence(quantities: list[int], data: st.DataObject) -> None:
    ordered = sorted(quantities)
    i = data.draw(st.integers(0, len(ordered) - 1))
    assert _median_without(ordered, i) == statistics.median(ordered[:i] + ordered[i + 1:])
