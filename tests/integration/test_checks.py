"""End-use check records on both backends, and how findings feed the risk queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import FIXTURES

from armstrace.adapters.db.check_store import CheckStore
from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.io.mappings import load_mapping
from armstrace.domain.checks import CheckError
from armstrace.services.checks import CheckService, SummaryRow
from armstrace.services.importing import Importer
from armstrace.services.risk import risk_report

LICENCE_ID = "DSP5-050123"


class Clock:
    """Each call one day later, so findings sort after the checks they answer."""

    def __init__(self) -> None:
        self.day = 0

    def now(self) -> str:
        self.day += 1
        return f"2009-09-{28 + self.day:02d}T12:00:00.000000Z" if self.day <= 2 else \
            f"2009-10-{self.day - 2:02d}T12:00:00.000000Z"


@pytest.fixture
def service(store: SqlStore, tmp_path: Path) -> CheckService:
    Importer(store, Clock(), load_mapping()).run(FIXTURES / "michoacan", tmp_path / "rejects.csv")
    return CheckService(store, Clock())


def test_checks_are_opened_found_and_summarised_append_only(service: CheckService,
                                                            store: SqlStore) -> None:
    c1 = service.open("licence", LICENCE_ID, "post_shipment", reason="recovered serial")
    c2 = service.open("custodian", "P-MIC-GOV", "pre_licence")
    assert (c1.check_id, c2.check_id) == ("CHK-2009-00001", "CHK-2009-00002")
    assert c1.opened_at.startswith("2009-09-29")
    service.record(c1.check_id, "pending", notes="letter sent")
    service.record(c1.check_id, "unfavourable", ["receipt_not_confirmed", "retransfer"])
    found = {o.check.check_id: o for o in service.list_checks()}
    assert found[c1.check_id].finding == "unfavourable"
    assert found[c1.check_id].causes == ("receipt_not_confirmed", "retransfer")
    assert [f.finding for f in found[c1.check_id].history] == ["pending", "unfavourable"]
    assert found[c2.check_id].open
    assert len(CheckStore(store).findings()) == 2  # a finding is a new row; nothing updated
    assert [o.check.check_id for o in service.list_checks(only_open=True)] == [c2.check_id]
    assert [o.check.check_id for o in service.list_checks("P-MIC-GOV")] == [c2.check_id]
    rows, causes = service.summary()
    assert rows == [SummaryRow(2009, "pre_licence", 0, 0, 1), SummaryRow(2009, "post_shipment", 0, 1, 0)]
    assert causes == {2009: {"receipt_not_confirmed": 1, "retransfer": 1}}
    assert service.summary(2010) == ([], {})
    assert CheckStore(store).get("CHK-2009-00009") is None


def test_unknown_subjects_checks_and_findings_are_refused(service: CheckService) -> None:
    with pytest.raises(CheckError, match="unknown licence 'NOPE'"):
        service.open("licence", "NOPE", "post_shipment")
    with pytest.raises(CheckError, match="unknown party 'P-NOPE'"):
        service.open("custodian", "P-NOPE", "post_shipment")
    with pytest.raises(CheckError, match="unknown check type"):
        service.open("licence", LICENCE_ID, "inspection")
    with pytest.raises(CheckError, match="unknown check 'CHK-1'"):
        service.record("CHK-1", "favourable")
    check = service.open("licence", LICENCE_ID, "post_shipment")
    with pytest.raises(CheckError, match="needs at least one --cause"):
        service.record(check.check_id, "unfavourable")


def test_findings_feed_back_into_the_queue(service: CheckService, store: SqlStore) -> None:
    before = risk_report(store, "licence", budget=5)
    base = next(s.score for s in before.scores if s.subject_id == LICENCE_ID)
    check = service.open("custodian", "P-MIC-GOV", "post_shipment")
    pending = risk_report(store, "custodian", budget=5)
    assert "P-MIC-GOV" in pending.open_checks
    assert "P-MIC-GOV" not in {s.subject_id for s in pending.queue}  # a check is already open
    service.record(check.check_id, "unfavourable", ["unauthorised_stockpiling"])
    after = risk_report(store, "licence", budget=5)
    scored = next(s for s in after.scores if s.subject_id == LICENCE_ID)
    assert scored.score > base
    assert any("unfavourable end-use check" in r and check.check_id in r for r in scored.reasons)
    custodians = risk_report(store, "custodian", budget=5)
    assert custodians.queue[0].subject_id == "P-MIC-GOV"
    assert custodians.weights["unfavourable_finding"].weight == 2.0
