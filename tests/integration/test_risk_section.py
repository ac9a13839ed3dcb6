"""The risk section of the report: both queues, the weights and the checks summary."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.integration.analytics_world import build

from armstrace.adapters.db.store import SqlStore
from armstrace.services.analytics_data import load_dataset
from armstrace.services.checks import CheckService
from armstrace.services.ports import SystemClock
from armstrace.services.reporting import SECTIONS, build_report
from armstrace.services.risk_section import risk_section


def test_the_report_shows_the_queues_weights_and_checks(store: SqlStore, tmp_path: Path) -> None:
    build(store, tmp_path)
    licence = sorted(store.licences_all())[0]
    checks = CheckService(store, SystemClock())
    check = checks.open("licence", licence, "post_shipment")
    checks.record(check.check_id, "unfavourable", ["retransfer"])
    ds = load_dataset(store)
    assert risk_section in SECTIONS
    report = build_report(ds, store=store, sections=[risk_section],
                          now=datetime(2026, 11, 22, tzinfo=UTC))
    (section,) = report.sections
    tables = {t.key: t for t in section.tables}
    assert set(tables) == {"risk-licence", "risk-custodian", "risk-weights", "checks-summary"}
    assert tables["risk-licence"].rows and tables["risk-licence"].rows[0][0] == 1
    assert all("_v1]" in str(r[5]) for r in tables["risk-licence"].rows)
    assert {r[0] for r in tables["risk-weights"].rows} == {"licence", "custodian"}
    (summary,) = tables["checks-summary"].rows
    assert summary[1:] == ("post-shipment", 0, 1, 0, 1)
    assert "retransfer 1" in tables["checks-summary"].note
    figures = {f.label: f.value for f in section.figures}
    assert figures["checks recorded"] == "1"
    assert build_report(ds, sections=[risk_section]).sections == []  # no store: no section
