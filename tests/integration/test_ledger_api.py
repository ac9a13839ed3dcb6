"""The proof routes over HTTP (in process), on both backends: shapes, errors, OpenAPI."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.integration.ledger_builders import append_events

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.signing import load_or_create_signer
from armstrace.domain import merkle as m
from armstrace.domain.tree_heads import SignedTreeHead, verify_tree_head
from armstrace.entrypoints.api.ledger_app import create_ledger_app


@pytest.fixture
def client(store: SqlStore, tmp_path: Path) -> TestClient:
    append_events(store, 150)
    return TestClient(create_ledger_app(store, load_or_create_signer(tmp_path / "key.pem")))


def test_tree_head_and_proofs_verify(client: TestClient) -> None:
    body = client.get("/v1/ledger/tree-head").json()
    assert set(body) == {"tree_size", "timestamp", "root_hash", "signature", "key_id", "public_key"}
    head = SignedTreeHead.from_json(body)
    verify_tree_head(head, base64.b64decode(body["public_key"]))
    assert head.tree_size == 150
    inclusion = client.get("/v1/ledger/proofs/inclusion", params={"event_id": "E-77"}).json()
    assert inclusion["leaf_index"] == 76 and inclusion["tree_size"] == 150
    leaf_input = bytes.fromhex(inclusion["leaf_input"])
    assert leaf_input.startswith(b'[77,"2026-11-22T00:00:00Z","E-77"')
    m.verify_inclusion(76, 150, m.leaf_hash(leaf_input), [bytes.fromhex(h) for h in inclusion["audit_path"]],
                       head.root_hash)
    older = client.get("/v1/ledger/proofs/inclusion", params={"event_id": "E-77", "tree_size": 100}).json()
    assert older["tree_size"] == 100
    consistency = client.get("/v1/ledger/proofs/consistency", params={"first": 100, "second": 150}).json()
    assert consistency["first"] == 100 and consistency["second"] == 150
    entries = client.get("/v1/ledger/entries", params={"start": 0, "end": 99}).json()["entries"]
    first_root = m.root_from_leaf_hashes(m.leaf_hash(bytes.fromhex(e["leaf_input"])) for e in entries)
    m.verify_consistency(100, 150, first_root, head.root_hash,
                         [bytes.fromhex(h) for h in consistency["proof"]])


def test_entries_are_paged_and_bounded(client: TestClient) -> None:
    page = client.get("/v1/ledger/entries", params={"start": 140, "end": 10_000}).json()
    assert page["start"] == 140 and page["end"] == 149 and len(page["entries"]) == 10
    assert page["entries"][0] == {"leaf_index": 140, "event_id": "E-141",
                                  "leaf_input": page["entries"][0]["leaf_input"]}
    default = client.get("/v1/ledger/entries", params={"start": 5}).json()
    assert default["end"] == 149


@pytest.mark.parametrize(("path", "params", "status", "words"), [
    ("proofs/inclusion", {"event_id": "NOPE"}, 404, "no event 'NOPE'"),
    ("proofs/inclusion", {"event_id": "E-1\x00"}, 404, "no event"),
    ("proofs/inclusion", {"event_id": "E-7", "tree_size": 5}, 400, "not in a tree of size 5"),
    ("proofs/inclusion", {"event_id": "E-7", "tree_size": 151}, 400, "larger than the ledger"),
    ("proofs/consistency", {"first": 0, "second": 10}, 400, "at least 1"),
    ("proofs/consistency", {"first": 20, "second": 10}, 400, "larger than second"),
    ("proofs/consistency", {"first": 1, "second": 10**30}, 400, "larger than the ledger"),
    ("entries", {"start": 150}, 400, "past the last leaf"),
    ("entries", {"start": -1}, 400, "0 <= start"),
])
def test_bad_requests_get_a_clear_json_detail(client: TestClient, path: str, params: dict[str, object],
                                              status: int, words: str) -> None:
    response = client.get(f"/v1/ledger/{path}", params=params)
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_a_ledger_with_a_hole_is_not_a_tree(client: TestClient, store: SqlStore) -> None:
    with store.transaction() as conn:
        conn.execute(text("DELETE FROM custody_events WHERE seq = 1"))
    response = client.get("/v1/ledger/tree-head")
    assert response.status_code == 409 and "events were removed" in response.json()["detail"]


def test_openapi_documents_the_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    head = spec["paths"]["/v1/ledger/tree-head"]["get"]["responses"]["200"]
    assert head["content"]["application/json"]["schema"]["$ref"].endswith("/TreeHeadOut")
    fields = spec["components"]["schemas"]["InclusionOut"]["properties"]
    assert "SHA-256(0x00 || leaf_input)" in fields["leaf_input"]["description"]
    assert "404" in spec["paths"]["/v1/ledger/proofs/inclusion"]["get"]["responses"]


def test_a_token_when_the_app_asks_for_one(store: SqlStore, tmp_path: Path) -> None:
    app = create_ledger_app(store, load_or_create_signer(tmp_path / "key.pem"), token="s3cret")
    client = TestClient(app)
    assert client.get("/v1/ledger/tree-head").status_code == 401
    assert client.get("/v1/ledger/tree-head", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/v1/ledger/tree-head", headers={"Authorization": "Bearer s3cret"}).status_code == 200
