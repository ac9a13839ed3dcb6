"""Proofs over a real store (SQLite and PostgreSQL): the cached tree gives the same
roots and paths as the naive definition over the events' canonical encodings."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text
from tests.integration.ledger_builders import append_events
from tests.unit import merkle_reference as ref

from armstrace.adapters.db.proof_store import ProofStore
from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.signing import load_or_create_signer
from armstrace.domain import merkle as m
from armstrace.domain.ledger import canonical_bytes
from armstrace.domain.tree_heads import InclusionProof, verify_offline, verify_tree_head
from armstrace.services import proofs


def leaf_inputs(store: SqlStore) -> list[bytes]:
    """Every event's canonical encoding, read one row at a time (independent of ProofStore)."""
    _low, high, _count = store.chain_bounds()
    links = [store.stored_link(seq) for seq in range(1, high + 1)]
    return [canonical_bytes(link[0]) for link in links if link is not None]


def test_roots_and_proofs_match_the_reference_as_the_ledger_grows(store: SqlStore) -> None:
    level = 2  # blocks of 4 events, so small ledgers exercise cached and computed nodes
    assert proofs.tree_root(store, cache_level=level) == (0, m.EMPTY_ROOT)
    sizes = []
    for batch in (1, 2, 5, 9, 3, 17):
        append_events(store, batch, note="grow")
        sizes.append(sum([1, 2, 5, 9, 3, 17][:len(sizes) + 1]))
        leaves = leaf_inputs(store)
        size, root = proofs.tree_root(store, cache_level=level)
        assert size == len(leaves) and root == ref.mth(leaves)
    leaves = leaf_inputs(store)
    n = len(leaves)
    ids = [f"E-{i + 1}" for i in range(n)]
    for size in range(1, n + 1):
        for index in {0, size // 2, size - 1}:
            answer = proofs.inclusion_proof(store, ids[index], size, cache_level=level)
            assert answer.leaf_index == index and answer.leaf_input == leaves[index]
            assert answer.audit_path == ref.path(index, leaves[:size])
    for first, second in itertools.combinations(range(1, n + 1), 2):
        if (first * 7 + second) % 5:  # a fifth of all pairs keeps it quick; sizes still cover every edge
            continue
        answer = proofs.consistency_proof(store, first, second, cache_level=level)
        assert answer.proof == ref.proof(first, leaves[:second])
    cached = ProofStore(store).cached_count(level)
    assert cached == n >> level


def test_default_cache_level_and_a_deleted_cache_is_rebuilt(store: SqlStore) -> None:
    append_events(store, 300)
    leaves = leaf_inputs(store)
    assert proofs.tree_root(store) == (300, ref.mth(leaves))
    answer = proofs.inclusion_proof(store, "E-290")
    m.verify_inclusion(289, 300, m.leaf_hash(answer.leaf_input), answer.audit_path, ref.mth(leaves))
    ProofStore(store).clear_nodes()
    assert proofs.tree_root(store, 299)[1] == ref.mth(leaves[:299])
    with store.transaction() as conn:  # a cache with a hole in its right edge is rebuilt whole
        conn.execute(text(f"DELETE FROM merkle_nodes WHERE level = {proofs.CACHE_LEVEL}"))
    append_events(store, 300)
    assert proofs.tree_root(store)[1] == ref.mth(leaf_inputs(store))


def test_signed_heads_are_reused_until_the_ledger_changes(store: SqlStore, tmp_path) -> None:  # type: ignore[no-untyped-def]
    signer = load_or_create_signer(tmp_path / "key.pem")
    append_events(store, 10)
    clock = iter(range(1_000, 10_000, 10))
    head = proofs.tree_head(store, signer, now_ms=lambda: next(clock))
    verify_tree_head(head, signer.public_key)
    again = proofs.tree_head(store, signer, now_ms=lambda: next(clock))
    assert again == head
    assert ProofStore(store).tree_heads_issued() == 1
    append_events(store, 3)
    later = proofs.tree_head(store, signer, now_ms=lambda: 5)  # a clock gone backwards
    assert later.tree_size == 13 and later.timestamp > head.timestamp
    consistency = proofs.consistency_proof(store, head.tree_size, later.tree_size)
    m.verify_consistency(head.tree_size, later.tree_size, head.root_hash, later.root_hash, consistency.proof)
    inclusion = proofs.inclusion_proof(store, "E-4", later.tree_size)
    result = verify_offline(later, InclusionProof(inclusion.leaf_index, inclusion.tree_size,
                                                  tuple(inclusion.audit_path), "E-4"),
                            inclusion.leaf_input, signer.public_key)
    assert result.event["event_id"] == "E-4" and result.event["seq"] == 4


def test_bad_requests_are_named(store: SqlStore) -> None:
    append_events(store, 5)
    with pytest.raises(proofs.UnknownEvent):
        proofs.inclusion_proof(store, "E-99")
    with pytest.raises(proofs.BadTreeSize, match="not in a tree of size 3"):
        proofs.inclusion_proof(store, "E-5", 3)
    with pytest.raises(proofs.BadTreeSize, match="larger than the ledger"):
        proofs.inclusion_proof(store, "E-1", 6)
    for first, second in [(0, 3), (4, 3), (2, 6)]:
        with pytest.raises(proofs.BadTreeSize):
            proofs.consistency_proof(store, first, second)
    assert proofs.consistency_proof(store, 5, 5).proof == []
    page = proofs.entries(store, 3, 100)
    assert [e.leaf_index for e in page] == [3, 4] and page[0].event_id == "E-4"
    for start, end in [(-1, 2), (3, 2), (5, 9)]:
        with pytest.raises(proofs.BadTreeSize):
            proofs.entries(store, start, end)
    with store.transaction() as conn:
        conn.execute(text("DELETE FROM custody_events WHERE seq = 3"))
    with pytest.raises(proofs.LedgerNotContiguous):
        proofs.tree_root(store)
