"""Reads through the API: traces scoped by role, lookups, imports, reports with suppression."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from tests.integration.api_world import FIXTURE, ApiWorld, build

from armstrace.domain.access import Role

EXP, SED, STATE = Role.EXPORTING_AUTHORITY, Role.IMPORTING_AUTHORITY, Role.STATE_AUTHORITY
LAW, ANALYST, PUBLIC = Role.LAW_ENFORCEMENT, Role.ANALYST, Role.PUBLIC


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> ApiWorld:
    w = build(store_url, tmp_path)
    run = w.client.post("/v1/traces/runs", headers=w.headers(LAW))
    assert run.status_code == 201 and run.json()["recoveries"] == 2
    return w


def test_traces_are_scoped_to_the_state(world: ApiWorld) -> None:
    everything = world.client.get("/v1/traces", headers=world.headers(LAW)).json()
    assert everything["total"] == 2
    mine = world.client.get("/v1/traces", headers=world.headers(STATE)).json()
    named = [t for t in everything["traces"] if t["last_custodian_id"] == "P-MIC-GOV"
             and (t["status"] == "matched" or t["shared_custodian"])]
    assert mine["total"] == len(named)
    assert world.client.get("/v1/traces", headers=world.headers("jalisco")).json()["total"] == 0


def test_lookup_gives_the_custody_timeline_and_survives_odd_readings(world: ApiWorld) -> None:
    found = world.client.get("/v1/traces/lookup", headers=world.headers(LAW), params={
        "serial": "BFI-100001", "make": "BUSHMASTER", "calibre": ".223", "recovered_on": "2009-11-30"}).json()
    assert found["chosen_item_id"] == "I-1" and found["last_custodian_id"] == "P-MIC-GOV"
    assert [e["event_type"] for e in found["timeline"]] == ["ship", "receive", "transfer", "receive"]
    # A wildcard reading longer than any registry serial (found by schemathesis: was a 500).
    odd = world.client.get("/v1/traces/lookup", headers=world.headers(LAW),
                           params={"serial": "00000000000000?*\u3031"})
    assert odd.status_code == 200 and odd.json()["chosen_item_id"] is None
    # A custody event recorded after the tracer was built shows in the next lookup.
    world.client.post("/v1/events", headers=world.headers(STATE), json={
        "event_type": "assign", "item_id": "I-1", "from_party_id": "P-MIC-GOV", "to_party_id": "P-MIC-SSP",
        "occurred_at": "2010-01-01"})
    again = world.client.get("/v1/traces/lookup", headers=world.headers(LAW),
                             params={"serial": "BFI100001", "make": "Bushmaster"}).json()
    assert again["timeline"][-1]["event_type"] == "assign"


def test_import_by_upload_and_by_zip(world: ApiWorld) -> None:
    files = [("files", (p.name, p.read_bytes(), "text/csv")) for p in sorted(FIXTURE.glob("*.csv"))]
    again = world.client.post("/v1/imports", headers=world.headers(SED), files=files)
    assert again.status_code == 201, again.text
    body = again.json()
    assert body["taken"] == 0 and body["rejected"] == 2
    assert {r["column"] for r in body["rejects"]} == {"to_party_id", "corrects_event_id"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil/parties.csv", "party_id,name,kind\nP-NEW,New police,state_police\n")
        archive.writestr("notes.txt", "ignored")
    zipped = world.client.post("/v1/imports", headers=world.headers(EXP),
                               files=[("files", ("world.zip", buffer.getvalue(), "application/zip"))])
    assert zipped.status_code == 201 and zipped.json()["taken"] == 1
    bad = world.client.post("/v1/imports", headers=world.headers(EXP),
                            files=[("files", ("x.zip", b"not a zip", "application/zip"))])
    assert bad.status_code == 422
    nothing = world.client.post("/v1/imports", headers=world.headers(EXP),
                                files=[("files", ("readme.csv", b"a,b\n1,2\n", "text/csv"))])
    assert nothing.status_code == 422 and "none of parties" in nothing.json()["detail"]


def test_small_counts_are_suppressed_for_analysts_and_the_public(world: ApiWorld) -> None:
    full = world.client.get("/v1/reports/summary", headers=world.headers(EXP)).json()
    assert full["suppressed_below"] is None and any(isinstance(r["weapons"], int) and 0 < r["weapons"] < 5
                                                    for r in full["by_kind"])
    assert "licence_problems" in full
    analyst = world.client.get("/v1/reports/summary", headers=world.headers(ANALYST)).json()
    assert analyst["suppressed_below"] == 5 and "licence_problems" not in analyst
    assert all(r["weapons"] == "<5" or r["weapons"] == 0 or r["weapons"] >= 5 for r in analyst["by_kind"])
    assert any(r["weapons"] == "<5" for r in analyst["by_kind"])
    assert all(g["top_parties"] is None for g in analyst["gaps"])
    public = world.client.get("/v1/public/summary", headers=world.headers(PUBLIC)).json()
    assert public["weapons_registered"] == "<5" and public["recoveries"] == "<5"
    rates = world.client.get("/v1/reports/diversion", headers=world.headers(ANALYST),
                             params={"group": "custodian"}).json()
    assert rates["rows"] and all(r["rate"] is None for r in rates["rows"]
                                 if r["recovered"] == "<5" or r["exposed"] == "<5")
    exact = world.client.get("/v1/reports/diversion", headers=world.headers(SED),
                             params={"group": "custodian"}).json()
    assert any(isinstance(r["rate"], float) for r in exact["rows"])


def test_risk_queue_names_its_reasons(world: ApiWorld) -> None:
    queue = world.client.get("/v1/risk/queue", headers=world.headers(EXP), params={"budget": 3}).json()
    assert queue["level"] == "licence" and queue["budget"] == 3 and queue["risk_version"]
    assert queue["queue"] and queue["queue"][0]["subject_id"] == "DSP5-050123"
    assert all(f["reason"] and f["records"] for q in queue["queue"] for f in q["flags"])
    custodians = world.client.get("/v1/risk/queue", headers=world.headers(SED),
                                  params={"level": "custodian"}).json()
    assert custodians["level"] == "custodian"
