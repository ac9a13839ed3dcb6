"""Coverage, the accountability bundle and the annual tables, on both backends; published figures."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from tests.integration.analytics_world import build

from armstrace.adapters.db.store import SqlStore
from armstrace.domain.statistics import manski_bounds
from armstrace.services import analytics as a
from armstrace.services.accountability import AccountabilityRow, accountability_bundle, write_csv
from armstrace.services.analytics_data import Dataset, load_dataset
from armstrace.services.annual import annual_table, reference_comparison
from armstrace.services.coverage import published_shares, reference_coverage, store_coverage
from armstrace.services.reference_figures import dcs_figures


@pytest.fixture
def ds(store: SqlStore, tmp_path: Path) -> Dataset:
    build(store, tmp_path)
    return load_dataset(store)


# ------------------------------------------------------------------ published figures


def test_published_share_2007_2011_is_reproduced_with_its_provenance() -> None:
    shares = {(s.period, s.agency): s for s in published_shares()}
    total = shares[("2007–2011", "ATF")]
    assert (total.positive, total.traced) == (68_161, 99_691)
    assert total.share_text == "68,161 of 99,691 (68.4%)"
    assert total.provenance.grade == "secondary"
    assert all(src.startswith("http") for src in total.provenance.sources)
    years = [shares[(str(y), "ATF")] for y in range(2007, 2012)]
    assert sum(s.positive for s in years) == 68_161 and sum(s.traced for s in years) == 99_691
    y2011 = shares[("2011", "ATF")]
    assert y2011.published_pct == 71.3 and round(100 * y2011.share, 1) == 71.3


def test_reference_coverage_bounds_keep_grades_and_caveats() -> None:
    figs = {(f.label, f.period): f for f in reference_coverage()}
    pgr = figs[("U.S.-origin share of firearms seized (PGR count)", "2008")]
    assert (pgr.positive, pgr.examined, pgr.total) == (6_264, 7_200, 30_000)
    assert pgr.bounds == manski_bounds(6_264, 7_200, 30_000)
    assert pgr.bounds.low == pytest.approx(0.2088) and pgr.bounds.high == pytest.approx(0.9688)
    assert pgr.provenance.grade == "primary_quoted"  # the weakest of primary and primary_quoted
    assert "wider period" in pgr.caveat
    gao = figs[("U.S.-sourced share of traced firearms, undetermined traces unexamined", "2009–2014")]
    assert (gao.positive, gao.examined, gao.total) == (73_684, 91_228, 104_850)
    # 2007 and 2008: SEDENA's own seizures are fewer than ATF's traces, so no pairing
    sedena = {p for (label, p) in figs if "SEDENA" in label}
    assert sedena == {"2009", "2010"}
    for f in figs.values():
        assert f.bounds.low <= f.missing_at_random.estimate <= f.bounds.high
        assert f.bounds.low <= f.alternative.estimate <= f.bounds.high
        assert f.provenance.sources and f.provenance.grade


def test_store_coverage(ds: Dataset) -> None:
    figs = {f.period: f for f in store_coverage(ds)}
    overall = figs["2010–2013"]
    # 9 rows; 7 traced to a conclusion; 6 of them licensed (4 matched rows, 2 ambiguous)
    assert (overall.positive, overall.examined, overall.total) == (6, 7, 9)
    assert overall.bounds.low == pytest.approx(6 / 9) and overall.bounds.high == pytest.approx(8 / 9)
    assert overall.missing_at_random.estimate == pytest.approx(6 / 7)
    assert "untraceable or not traced" in overall.caveat
    assert figs["2013"].positive == 0 and figs["2013"].total == 3
    assert overall.provenance.grade == "computed"


# -------------------------------------------------------------------- accountability


def test_accountability_bundle_for_michoacan(ds: Dataset) -> None:
    b = accountability_bundle(ds, "MX-MIC", "2010-01-01", "2011-12-31")
    assert b.state_name == "Michoacán de Ocampo" and b.transferred_total == 4
    assert [p for p, _name, _kind in b.authorities] == ["P-MIC-GOV", "P-MIC-MUN"]
    assert [r.recovery_id for r in b.rows] == ["R1", "R2", "R3"]
    r3 = b.rows[2]
    assert (r3.item_id, r3.serial_as_recorded, r3.serial_as_registered, r3.licence_id) == (
        "I4", "SN0004", "SN0004", "L1")
    assert (r3.exporter_name, r3.transferred_on, r3.transferred_to_id) == (
        "Example Arms Inc.", "2009-01-10", "P-MIC-GOV")
    assert (r3.last_custodian_id, r3.time_to_crime_days, r3.trace_status) == ("P-MIC-MUN", 850, "matched")
    assert r3.recovery_region == "MX-JAL"  # recovered elsewhere: still Michoacán's to explain
    assert b.by_last_custodian[0] == ("P-MIC-GOV", "Gobierno de Michoacán", 2)
    assert b.licences == ("L1",)
    # the ambiguous R4 joins once the period covers it, with both candidates listed
    wider = accountability_bundle(ds, "MX-MIC", "2010-01-01", "2012-12-31")
    r4 = wider.rows[-1]
    assert (r4.recovery_id, r4.item_id, r4.candidates, r4.serial_as_registered) == (
        "R4", "", "I1;I2", "SN0001;SN0002")
    with pytest.raises(ValueError):
        accountability_bundle(ds, "MX-MIC", "2012-01-01", "2010-01-01")


def test_accountability_bundle_for_jalisco_skips_unshared_ambiguity(ds: Dataset) -> None:
    b = accountability_bundle(ds, "MX-JAL", "2000-01-01", "2030-12-31")
    assert b.rows == () and b.transferred_total == 3


def test_accountability_csv(ds: Dataset) -> None:
    b = accountability_bundle(ds, "MX-MIC", "2010-01-01", "2012-12-31")
    out = io.StringIO()
    assert write_csv(b, out) == 4
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(AccountabilityRow.__dataclass_fields__)
    assert rows[0]["recovery_id"] == "R1" and rows[0]["time_to_crime_days"] == "415"


# ------------------------------------------------------------------------ annual


def test_annual_table_fiscal_years_and_pro_rating(ds: Dataset) -> None:
    t = annual_table(ds)
    rows = {(r.country, r.fiscal_year, r.category): r for r in t.rows}
    fy08, fy09 = rows[("MX", 2008, "USML-I")], rows[("MX", 2009, "USML-I")]
    # L2 decided 2008-09-30 (FY2008), shipped 2008-09-20; L1 decided 2008-10-01 (FY2009)
    assert (fy08.authorised_usd, fy08.authorised_licences, fy08.shipped_usd, fy08.shipped_items) == (
        Decimal("8000.00"), 1, Decimal("8000.00"), 4)
    assert (fy09.authorised_usd, fy09.shipped_usd, fy09.shipped_items) == (
        Decimal("4000.00"), Decimal("4000.00"), 4)
    assert all(r.authorised_usd != Decimal("1000.00") for r in t.rows)  # L3 was denied
    assert "Sep 30" in t.method and t.provenance.grade == "computed"
    totals = annual_table(ds, by_category=False)
    assert {r.category for r in totals.rows} == {None}


def test_reference_comparison_keeps_every_published_row(ds: Dataset) -> None:
    rows = reference_comparison(ds)
    assert len(rows) == len(dcs_figures())
    mx2009 = next(r for r in rows if r.country == "Mexico" and r.fiscal_year == 2009
                  and r.measure == "dcs_shipped_value")
    assert mx2009.published == 177_000_000 and mx2009.provenance.grade == "secondary"
    assert mx2009.stored_usd == Decimal("4000.00")
    seed = next(r for r in rows if r.fiscal_year == 2007 and r.measure == "dcs_authorized_value")
    assert seed.provenance.grade == "unverified_seed"  # the grade stays visible
    assert next(r for r in rows if r.country == "Iraq").stored_usd is None


# ------------------------------------------------------------ a tiny simulated world


def test_tiny_simulated_world_with_oracle_traces(store: SqlStore, tmp_path: Path) -> None:
    """Invariants on a generated world: k <= n everywhere, kinds and states sum to the custodians."""
    from bench.accuracy_ranking import write_oracle

    from armstrace.adapters.io.mappings import load_mapping
    from armstrace.services.importing import Importer
    from armstrace.services.ports import SystemClock
    from armstrace.simulate.world import generate_world

    world = tmp_path / "w"
    generate_world(world, seed=5, scale="tiny")
    Importer(store, SystemClock(), load_mapping(None)).run(world, tmp_path / "rej.csv")
    matched = write_oracle(store, world)
    ds = load_dataset(store)
    custodians = a.diversion_rates(ds, "custodian")
    assert sum(r.recovered for r in custodians.rows) == custodians.overall.k
    for group in ("custodian", "kind", "state", "licence", "exporter"):
        table = a.diversion_rates(ds, group)
        assert all(0 <= r.recovered <= r.exposed for r in table.rows)
        assert all(r.rate.wilson.low <= (r.rate.estimate or 0) <= r.rate.wilson.high
                   for r in table.rows)
        if group in ("kind", "state"):
            assert sum(r.recovered for r in table.rows) == custodians.overall.k
            assert sum(r.exposed for r in table.rows) == custodians.overall.n
    assert sum(ds.ledger.held.values()) <= ds.ledger.items + matched
    manifest = json.loads((world / "truth" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["recoveries"]["licensed_rows"] == matched
