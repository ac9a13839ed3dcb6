"""Licence-splitting detection on hand-built licences."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from armstrace.domain.records import Licence
from armstrace.domain.splits import (
    DETECTOR_VERSION,
    RULE_PURCHASE_ORDER,
    RULE_TIME_WINDOW,
    Threshold,
    ThresholdTable,
    detect_splits,
    group_id_for,
    parse_thresholds,
)
from armstrace.services.splitting import CSV_COLUMNS, find_splits, load_thresholds, write_splits_csv

TABLE = load_thresholds()


def lic(licence_id: str, value: str | None, *, po: str | None = "PO-1", applied: str = "2012-01-10",
        exporter: str = "P-US-COLT", consignee: str = "P-SEDENA", end_user: str = "P-MX-MIC-GOV",
        regime: str | None = "DDTC", category: str | None = "USML-I",
        status: str = "approved") -> Licence:
    return Licence(licence_id=licence_id, exporter_id=exporter, destination_country="MX",
                   regime=regime, consignee_id=consignee, end_user_id=end_user,
                   category=category, value_usd=None if value is None else Decimal(value),
                   purchase_order=po, applied_on=applied, status=status)


def test_packaged_thresholds() -> None:
    by_cat = {(r.regime, r.category): r.threshold_usd for r in TABLE.rows}
    assert by_cat == {("DDTC", "USML-I"): Decimal(1_000_000),
                      ("BIS", "ECCN-0A501"): Decimal(4_000_000)}


def test_true_split_by_purchase_order() -> None:
    licences = [lic("A", "600000"), lic("B", "700000", applied="2012-03-01"),
                lic("C", "440000", applied="2012-05-01"), lic("X", "900000", po="PO-2")]
    [g] = detect_splits(licences, TABLE)
    assert g.rule == RULE_PURCHASE_ORDER
    assert g.licence_ids == ("A", "B", "C")
    assert g.total_usd == Decimal("1740000")
    assert g.threshold_usd == Decimal(1_000_000)
    assert (g.exporter_id, g.purchase_order, g.regime) == ("P-US-COLT", "PO-1", "DDTC")
    assert g.detector_version == DETECTOR_VERSION
    assert "3 licences share purchase order PO-1" in g.evidence
    assert "each under $1,000,000 (DDTC USML-I); together $1,740,000" in g.evidence
    assert any(e.startswith("threshold: AECA") for e in g.evidence)


def test_order_shared_through_end_user_only() -> None:
    licences = [lic("A", "600000", exporter="P-US-COLT"), lic("B", "600000", exporter="P-US-SIG")]
    [g] = detect_splits(licences, TABLE)
    assert g.exporter_id is None
    assert any("end user P-MX-MIC-GOV" in e for e in g.evidence)
    unlinked = [lic("A", "600000", exporter="P-US-COLT", consignee="C1", end_user="U1"),
                lic("B", "600000", exporter="P-US-SIG", consignee="C2", end_user="U2")]
    assert detect_splits(unlinked, TABLE) == []


def test_shared_order_under_threshold_is_not_a_split() -> None:
    assert detect_splits([lic("A", "300000"), lic("B", "400000")], TABLE) == []


def test_single_licence_over_threshold_is_not_a_split() -> None:
    assert detect_splits([lic("A", "2500000")], TABLE) == []
    # nor is an order one of whose licences was itself over the threshold (notified)
    assert detect_splits([lic("A", "2500000"), lic("B", "600000"), lic("C", "600000")],
                         TABLE) == []


def test_time_window_split_without_purchase_order() -> None:
    licences = [lic("A", "400000", po=None, applied="2012-01-01"),
                lic("B", "400000", po="PO-7", applied="2012-01-25"),
                lic("C", "400000", po="", applied="2012-02-20"),  # 26 days after B: chained
                lic("D", "400000", po=None, applied="2012-05-01"),  # too late
                lic("E", "400000", po=None, applied="2012-01-05", end_user="P-MX-PGR")]
    [g] = detect_splits(licences, TABLE)
    assert g.rule == RULE_TIME_WINDOW
    assert g.licence_ids == ("A", "B", "C")
    assert g.purchase_order is None
    assert g.total_usd == Decimal(1_200_000)
    assert any("within 30 days" in e and "same category USML-I" in e for e in g.evidence)
    assert detect_splits(licences, TABLE, window_days=20) == []


def test_time_window_needs_same_category() -> None:
    licences = [lic("A", "600000", po=None), lic("B", "600000", po=None, category="USML-III")]
    assert detect_splits(licences, TABLE) == []


def test_bis_and_ddtc_thresholds() -> None:
    bis = [lic(f"D{i}", "1500000", po="PO-B", regime="BIS", category="ECCN-0A501")
           for i in range(2)]
    assert detect_splits(bis, TABLE) == []  # $3M under the $4M BIS threshold
    third = lic("D9", "1500000", po="PO-B", regime="BIS", category="ECCN-0A501")
    [g] = detect_splits([*bis, third], TABLE)
    assert (g.regime, g.threshold_usd, g.total_usd) == ("BIS", Decimal(4_000_000),
                                                         Decimal(4_500_000))
    # the same values under DDTC: each over $1M, so each would have been notified
    assert detect_splits([lic("A", "1500000"), lic("B", "1500000")], TABLE) == []
    # a licence without a regime matches on its category alone
    [g2] = detect_splits([lic("A", "600000", regime=None), lic("B", "600000", regime=None)],
                         TABLE)
    assert g2.regime == "DDTC"
    # an unknown category has no threshold: never a split
    assert detect_splits([lic("A", "9e5", category="USML-XX"),
                          lic("B", "9e5", category="USML-XX")], TABLE) == []


def test_missing_values_and_denied_licences() -> None:
    licences = [lic("A", "700000"), lic("B", None), lic("C", "500000", status="denied")]
    [g] = detect_splits(licences, TABLE)
    assert g.licence_ids == ("A", "B", "C")
    assert g.total_usd == Decimal(1_200_000)
    assert "1 with no recorded value, left out of the total: B" in g.evidence
    assert any("C denied" in e and "attempt to structure" in e for e in g.evidence)
    # without the denied one the known values fall short
    assert detect_splits(licences[:2], TABLE) == []


def test_group_ids_are_deterministic() -> None:
    licences = [lic("A", "600000"), lic("B", "700000"), lic("C", "440000")]
    one = detect_splits(licences, TABLE)
    two = detect_splits(list(reversed(licences)), TABLE)
    assert one == two
    assert one[0].group_id == group_id_for(["C", "A", "B"]) == group_id_for(["A", "B", "C"])
    assert one[0].group_id != group_id_for(["A", "B"])


def test_thresholds_are_user_extendable(tmp_path: Path) -> None:
    extra = tmp_path / "t.csv"
    extra.write_text("regime,category,threshold_usd,basis\nDDTC,USML-I,2000000,test\n"
                     "DDTC,USML-III,1000000,ammunition\n", encoding="utf-8")
    table = load_thresholds(extra)
    licences = [lic("A", "600000"), lic("B", "700000")]
    assert detect_splits(licences, TABLE) != []
    assert detect_splits(licences, table) == []
    ammo = [lic("A", "600000", category="USML-III"), lic("B", "700000", category="USML-III")]
    assert len(detect_splits(ammo, table)) == 1
    assert len(detect_splits(ammo, ThresholdTable([Threshold("DDTC", "USML-III",
                                                             Decimal(1), "")]))) == 0
    with pytest.raises(ValueError, match="threshold_usd"):
        parse_thresholds("regime,category,threshold_usd\nDDTC,USML-I,lots\n")


class _Store:
    def __init__(self, licences: list[Licence]) -> None:
        self._l = {x.licence_id: x for x in licences}

    def licences_all(self) -> dict[str, Licence]:
        return self._l


def test_service_and_csv(tmp_path: Path) -> None:
    groups = find_splits(_Store([lic("A", "600000"), lic("B", None), lic("C", "700000")]))
    path = tmp_path / "splits.csv"
    assert write_splits_csv(groups, path) == 3
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    assert [r["licence_id"] for r in rows] == ["A", "B", "C"]
    assert {r["group_total_usd"] for r in rows} == {"1300000"}
    assert rows[1]["value_usd"] == ""
    assert {r["detector_version"] for r in rows} == {DETECTOR_VERSION}
    assert all(r["threshold_usd"] == "1000000" and r["rule"] == RULE_PURCHASE_ORDER
               for r in rows)
