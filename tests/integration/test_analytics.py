"""services.analytics and .reconciling on the hand-built world (analytics_world.py), both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.analytics_world import build

from armstrace.adapters.db.store import SqlStore
from armstrace.domain.statistics import wilson_interval
from armstrace.services import analytics as a
from armstrace.services import reconciling as rc
from armstrace.services.analytics_data import Dataset, fiscal_year, load_dataset


@pytest.fixture
def ds(store: SqlStore, tmp_path: Path) -> Dataset:
    build(store, tmp_path)
    return load_dataset(store)


def test_dataset_reads_only_the_current_completed_run(ds: Dataset) -> None:
    assert ds.runs == (("T-NOW", "scoring_v1"),)
    assert {t.recovery_id for t in ds.traces} == {"R1", "R2", "R3", "R4", "R5", "R6"}
    assert sum(ds.recoveries_by_year.values()) == 9
    assert ds.status_by_year[(2013, "not_traced")] == 1
    assert ds.parties["P-MIC-MUN"].region == "MX-MIC"  # from its parent
    assert "T-NOW (scoring_v1)" in ds.provenance.sources[1] and ds.provenance.grade == "computed"


def test_ledger_facts(ds: Dataset) -> None:
    led = ds.ledger
    assert dict(led.held) == {"P-MIC-GOV": 2, "P-MIC-MUN": 2, "P-BRK": 1, "P-JAL-SSP": 2,
                              "P-JAL-GOV": 1}
    assert led.received["P-SEDENA"] == 7 and led.received["P-BRK"] == 4
    assert led.received["P-MIC-GOV"] == 4 and led.received["P-JAL-GOV"] == 3
    assert led.state_intake["MX-MIC"] == 4 and led.state_intake["MX-JAL"] == 3
    assert led.registered == {"L1": 4, "L2": 4}


def test_custodian_rates_count_weapons_not_rows(ds: Dataset) -> None:
    table = a.diversion_rates(ds, "custodian")
    rows = {r.key: r for r in table.rows}
    gov = rows["P-MIC-GOV"]
    # R1 and R2 are one weapon; R4 (ambiguous, shared custodian) is another
    assert (gov.recovered, gov.recoveries, gov.exposed, gov.held, gov.received) == (2, 3, 2, 2, 4)
    assert (rows["P-MIC-MUN"].recovered, rows["P-MIC-MUN"].exposed) == (1, 2)
    # a broker is rated on everything that passed through it, not on what stopped there
    assert (rows["P-BRK"].recovered, rows["P-BRK"].exposed, rows["P-BRK"].held) == (1, 4, 1)
    assert rows["P-SEDENA"].exposed == 7 and rows["P-SEDENA"].recovered == 0
    # R5 is ambiguous between two custodians: it counts for neither
    assert rows["P-JAL-GOV"].recovered == 0 and rows["P-JAL-SSP"].recovered == 0
    assert [r.key for r in table.rows][:3] == ["P-MIC-GOV", "P-MIC-MUN", "P-BRK"]
    assert [r.rank for r in table.rows] == list(range(1, len(table.rows) + 1))
    assert gov.rate.wilson == wilson_interval(2, 2)
    assert table.overall.k == 4 and table.overall.n == 2 + 2 + 4 + 7 + 2 + 1
    assert gov.rate.p_above is not None and gov.rate.p_above > 0.9
    assert gov.median_ttc_days == pytest.approx((415 + 1086) / 2)
    assert "last custodian" in table.definition and table.ranking == "wilson_lower_95"


def test_denominator_variants(ds: Dataset) -> None:
    held = {r.key: r for r in a.diversion_rates(ds, denominator="held").rows}
    received = {r.key: r for r in a.diversion_rates(ds, denominator="received").rows}
    assert held["P-BRK"].exposed == 1 and received["P-MIC-GOV"].exposed == 4
    with pytest.raises(ValueError):
        a.diversion_rates(ds, denominator="weapon_years")
    with pytest.raises(ValueError):
        a.diversion_rates(ds, "planet")


def test_min_confidence_drops_weak_traces(ds: Dataset) -> None:
    rows = {r.key: r for r in a.diversion_rates(ds, min_confidence=0.6).rows}
    assert rows["P-MIC-GOV"].recovered == 1  # R4 (0.5) dropped; R1/R2 are one weapon


def test_group_rates(ds: Dataset) -> None:
    kind = {r.key: r for r in a.diversion_rates(ds, "kind").rows}
    assert (kind["state_government"].recovered, kind["state_government"].exposed) == (2, 3)
    assert (kind["broker"].recovered, kind["broker"].exposed) == (1, 4)
    state = {r.key: r for r in a.diversion_rates(ds, "state").rows}
    assert (state["MX-MIC"].recovered, state["MX-MIC"].exposed) == (3, 4)
    assert (state["MX-CMX"].recovered, state["MX-CMX"].exposed) == (1, 11)
    lic = {r.key: r for r in a.diversion_rates(ds, "licence").rows}
    # L1: I1, I4 and the ambiguous I1|I2; L2: I8 and the ambiguous I5|I7 (both under L2)
    assert (lic["L1"].recovered, lic["L1"].exposed) == (3, 4)
    assert (lic["L2"].recovered, lic["L2"].exposed) == (2, 4)
    exp = a.diversion_rates(ds, "exporter").rows
    assert [(r.key, r.label, r.recovered, r.exposed) for r in exp] == [
        ("P-EXP", "Example Arms Inc.", 5, 8)]


def test_time_to_crime(ds: Dataset) -> None:
    (overall,) = a.time_to_crime(ds)
    # one value per weapon: R1 (415) counts, R2 (same weapon) does not
    assert overall.summary.n == 4 and overall.summary.quantiles[0.5] == pytest.approx((468 + 850) / 2)
    assert overall.summary.under_three_years.k == 4
    assert dict(overall.bins)["1-2 years"] == 2 and dict(overall.bins)["2-3 years"] == 2
    by_kind = {r.key: r for r in a.time_to_crime(ds, "kind")}
    assert by_kind["state_government"].summary.n == 2
    assert {r.key for r in a.time_to_crime(ds, "exporter")} == {"P-EXP"}
    with pytest.raises(ValueError):
        a.time_to_crime(ds, "colour")


def test_year_coverage_and_trends(ds: Dataset) -> None:
    years = {y.year: y for y in a.year_coverage(ds)}
    assert sorted(years) == [2010, 2011, 2012, 2013]
    y2013 = years[2013]
    assert (y2013.recoveries, y2013.unmatched, y2013.untraceable, y2013.not_traced) == (3, 1, 1, 1)
    assert y2013.licensed_share.k == 0 and y2013.licensed_share.n == 1
    assert years[2010].naming_custodian == 2  # I1 and I8 (R2 repeats I1)
    trends = a.trends_by_year(ds, "custodian")
    assert [(t.year, t.key, t.recovered) for t in trends] == [
        (2010, "P-BRK", 1), (2010, "P-MIC-GOV", 1), (2011, "P-MIC-MUN", 1), (2012, "P-MIC-GOV", 1)]


def test_reconciliation_tables(ds: Dataset) -> None:
    lic = {r.licence_id: r for r in rc.licence_reconciliation(ds)}
    l1, l2 = lic["L1"], lic["L2"]
    assert (l1.licensed, l1.shipped, l1.received, l1.transferred, l1.assigned, l1.lost_or_stolen) == (
        4, 4, 4, 4, 2, 1)
    assert l1.state == "MX-MIC" and l1.recovered == 3
    # I1 and I2 were transferred into the state, so the licence's counts see no stall:
    # where they stopped is what stopping_points shows
    assert not any("never transferred" in p for p in l1.problems)
    assert (l2.shipped, l2.transferred, l2.assigned) == (4, 3, 2)
    states = {s.state: s for s in rc.state_reconciliation(ds)}
    assert states["MX-MIC"].licences == 1 and states["MX-JAL"].licensed == 4
    flows = {f.party_id: f for f in rc.custodian_flows(ds)}
    gov = flows["P-MIC-GOV"]
    assert (gov.received, gov.passed_on, gov.on_hand, gov.held, gov.recovered) == (4, 2, 2, 2, 2)
    assert flows["P-MIC-MUN"].stolen == 1 and flows["P-SEDENA"].passed_on == 7
    for f in flows.values():
        assert f.received == (f.passed_on + f.lost + f.stolen + f.destroyed + f.recovered_away
                              + f.on_hand)


def test_stopping_points_name_the_state_government(ds: Dataset) -> None:
    stops = {(s.gap, s.party_id): s for s in rc.stopping_points(ds)}
    mic = stops[("received_not_assigned", "P-MIC-GOV")]
    assert (mic.items, mic.recovered, mic.stockpile) == (2, 1, True)  # I1 recovered (matched)
    assert stops[("received_not_assigned", "P-JAL-GOV")].items == 1
    assert stops[("stolen", "P-MIC-MUN")].items == 1


def test_fiscal_year() -> None:
    assert fiscal_year("2008-09-30") == 2008 and fiscal_year("2008-10-01") == 2009
    assert fiscal_year("2009-12-31T23:59:00Z") == 2010
