"""Recording custody through the API: the acting party, the custody rules, corrections, audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.api_world import ApiWorld, build

from armstrace.bootstrap import open_store
from armstrace.domain.access import Role
from armstrace.services import audit
from armstrace.services.verifying import verify_ledger

SED, STATE, LAW = Role.IMPORTING_AUTHORITY, Role.STATE_AUTHORITY, Role.LAW_ENFORCEMENT


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> ApiWorld:
    return build(store_url, tmp_path)


def post(world: ApiWorld, who: Role | str, **event: Any) -> Any:
    return world.client.post("/v1/events", json=event, headers=world.headers(who))


def test_receipt_then_assignment_then_refusals(world: ApiWorld, store_url: str) -> None:
    ok = post(world, SED, event_type="receive", item_id="I-4", to_party_id="P-SEDENA",
              occurred_at="2006-05-21")
    assert ok.status_code == 201, ok.text
    assert ok.json()["seq"] == 15 and len(ok.json()["chain_hash"]) == 64
    again = post(world, SED, event_type="receive", item_id="I-4", to_party_id="P-SEDENA",
                 occurred_at="2006-05-22")
    assert again.status_code == 409 and "already holds" in again.json()["detail"]
    never = post(world, SED, event_type="receive", item_id="I-1", to_party_id="P-SEDENA",
                 occurred_at="2010-01-01")
    assert never.status_code == 409 and "never shipped or transferred to it" in never.json()["detail"]
    assigned = post(world, STATE, event_type="assign", item_id="I-1", from_party_id="P-MIC-GOV",
                    to_party_id="P-MIC-MUN-001", occurred_at="2010-01-02")
    assert assigned.status_code == 201, assigned.text
    not_held = post(world, STATE, event_type="assign", item_id="I-1", from_party_id="P-MIC-GOV",
                    to_party_id="P-MIC-SSP", occurred_at="2010-01-03")
    assert not_held.status_code == 409
    assert "P-MIC-GOV does not hold item I-1: P-MIC-MUN-001 does" in not_held.json()["detail"]
    after_theft = post(world, STATE, event_type="assign", item_id="I-2", from_party_id="P-MIC-SSP",
                       to_party_id="P-MIC-MUN-001", occurred_at="2010-01-03")
    assert after_theft.status_code == 409 and "ended with a theft" in after_theft.json()["detail"]
    report = verify_ledger(open_store(store_url))
    assert report.ok and report.events == 16


def test_only_the_acting_party_records(world: ApiWorld) -> None:
    other_state = post(world, "jalisco", event_type="assign", item_id="I-1", from_party_id="P-MIC-GOV",
                       to_party_id="P-MIC-SSP", occurred_at="2010-01-02")
    assert other_state.status_code == 403 and "does not act for P-MIC-GOV" in other_state.json()["detail"]
    sedena_for_state = post(world, SED, event_type="assign", item_id="I-1", from_party_id="P-MIC-GOV",
                            to_party_id="P-MIC-SSP", occurred_at="2010-01-02")
    assert sedena_for_state.status_code == 403
    analyst = post(world, Role.ANALYST, event_type="receive", item_id="I-4", to_party_id="P-SEDENA",
                   occurred_at="2006-05-21")
    assert analyst.status_code == 403


def test_destruction_ends_everything_and_corrections_are_new_events(world: ApiWorld) -> None:
    gone = post(world, STATE, event_type="destroy", item_id="I-3", from_party_id="P-MIC-GOV",
                occurred_at="2011-01-01", event_id="D-1")
    assert gone.status_code == 201, gone.text
    later = post(world, STATE, event_type="assign", item_id="I-3", from_party_id="P-MIC-GOV",
                 to_party_id="P-MIC-SSP", occurred_at="2011-02-01")
    assert later.status_code == 409 and "destroy" in later.json()["detail"]
    recovered = post(world, STATE, event_type="recover", item_id="I-3", to_party_id="P-MIC-SSP",
                     occurred_at="2011-02-01")
    assert recovered.status_code == 409
    # The destruction was recorded in error: retract it, and custody stands again.
    fix = post(world, STATE, event_type="correction", item_id="I-3", corrects_event_id="D-1",
               occurred_at="2011-01-02")
    assert fix.status_code == 201, fix.text
    again = post(world, STATE, event_type="assign", item_id="I-3", from_party_id="P-MIC-GOV",
                 to_party_id="P-MIC-SSP", occurred_at="2011-02-01")
    assert again.status_code == 201, again.text
    chain = world.client.get("/v1/items/I-3/custody", headers=world.headers(STATE)).json()
    assert chain["holder"] == "P-MIC-SSP"
    assert [e["void"] for e in chain["events"] if e["event_id"] == "D-1"] == [True]
    # Nobody can edit: re-sending D-1 with other content is refused, the same content is a repeat.
    edited = post(world, STATE, event_type="destroy", item_id="I-3", from_party_id="P-MIC-GOV",
                  occurred_at="2011-01-05", event_id="D-1")
    assert edited.status_code == 409 and "correction" in edited.json()["detail"]
    repeat = post(world, STATE, event_type="destroy", item_id="I-3", from_party_id="P-MIC-GOV",
                  occurred_at="2011-01-01", event_id="D-1")
    assert repeat.status_code == 200 and repeat.json()["created"] is False


def test_bad_requests_are_422_or_404(world: ApiWorld) -> None:
    assert post(world, SED, event_type="receive", item_id="NOPE", to_party_id="P-SEDENA",
                occurred_at="2006-05-21").status_code == 404
    assert post(world, SED, event_type="receive", item_id="I-4", to_party_id="P-SEDENA",
                occurred_at="21/05/2006").status_code == 422
    assert post(world, SED, event_type="receive", item_id="I-4",
                occurred_at="2006-05-21").status_code == 422
    assert post(world, SED, event_type="receive", item_id="I-4", to_party_id="P-NOBODY",
                occurred_at="2006-05-21").status_code == 422
    backdated = post(world, STATE, event_type="assign", item_id="I-1", from_party_id="P-MIC-GOV",
                     to_party_id="P-MIC-SSP", occurred_at="2006-07-02")
    assert backdated.status_code == 409 and "dated before" in backdated.json()["detail"]


def test_state_authority_sees_its_own_only(world: ApiWorld) -> None:
    mine = world.client.get("/v1/holdings", headers=world.headers(STATE)).json()
    assert {p["party_id"] for p in mine["parties"]} == {"P-MIC-GOV"}
    assert mine["parties"][0]["held"] == 2
    theirs = world.client.get("/v1/holdings", headers=world.headers("jalisco")).json()
    assert theirs["parties"] == []
    assert world.client.get("/v1/items/I-1/custody", headers=world.headers("jalisco")).status_code == 404
    assert world.client.get("/v1/items/I-1/custody", headers=world.headers(STATE)).status_code == 200
    one = world.client.get("/v1/holdings", params={"party_id": "P-MIC-GOV"},
                           headers=world.headers(STATE)).json()
    assert one["items"] == ["I-1", "I-3"]
    assert world.client.get("/v1/holdings", params={"party_id": "P-SEDENA"},
                            headers=world.headers(STATE)).status_code == 404


def test_every_request_is_audited_and_the_log_is_chained(world: ApiWorld, store_url: str) -> None:
    world.client.get("/v1/me", headers=world.headers(LAW))
    world.client.get("/v1/me", headers={"Authorization": "Bearer at_nothing_wrong"})
    post(world, SED, event_type="receive", item_id="I-4", to_party_id="P-SEDENA", occurred_at="2006-05-21")
    rows = list(audit.recent(world.server, 10))
    assert [(r[5], r[6], r[7]) for r in rows] == [("GET", "/v1/me", 200), ("GET", "/v1/me", 401),
                                                  ("POST", "/v1/events", 201)]
    assert rows[0][4] == "law_enforcement" and rows[1][2] is None
    assert rows[2][8] is not None and "seq 15" in rows[2][8]
    assert audit.verify(world.server).ok
    store = open_store(store_url)
    with store.transaction() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET outcome = 200 WHERE seq = 2")
    broken = audit.verify(world.server)
    assert not broken.ok and broken.problem is not None and broken.problem.seq == 2
