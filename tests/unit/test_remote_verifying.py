"""verify --remote's checks against a fake server that can lie in every way that matters."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from armstrace.adapters.http.ledger_client import RemoteRefused
from armstrace.adapters.signing import Ed25519Signer
from armstrace.domain import merkle as m
from armstrace.domain.tree_heads import InclusionProof, SignedTreeHead, signing_input
from armstrace.services.remote_verifying import RemoteOptions, verify_remote


def leaf(seq: int, to_party: str = "P-B") -> bytes:
    row = [seq, "2026-01-01T00:00:00Z", f"E-{seq}", "transfer", "2009-01-01", "I-1", "P-A", to_party,
           None, None, None, None]
    return json.dumps(row, separators=(",", ":")).encode()


@dataclass
class FakeServer:
    """A ledger server in memory. Its attributes let a test make it lie."""

    leaves: list[bytes]
    signer: Ed25519Signer = field(default_factory=lambda: Ed25519Signer(Ed25519PrivateKey.generate()))
    entries_forbidden: bool = False
    swap_leaf: dict[int, bytes] = field(default_factory=dict)  # leaf inputs it serves instead of the real
    stamp: int = 1_700_000_000_000

    def _subtree(self, a: int, b: int) -> bytes:
        return m.root_from_leaf_hashes(m.leaf_hash(x) for x in self.leaves[a:b])

    def tree_head(self) -> SignedTreeHead:
        n = len(self.leaves)
        root = self._subtree(0, n)
        self.stamp += 1
        return SignedTreeHead(n, self.stamp, root, self.signer.sign(signing_input(n, self.stamp, root)),
                              self.signer.key_id, self.signer.public_key)

    def inclusion(self, event_id: str, tree_size: int) -> tuple[InclusionProof, bytes]:
        index = int(event_id.split("-")[1]) - 1
        path = m.inclusion_path(index, tree_size, self._subtree)
        return InclusionProof(index, tree_size, tuple(path), event_id), self.swap_leaf.get(index,
                                                                                          self.leaves[index])

    def consistency(self, first: int, second: int) -> list[bytes]:
        return m.consistency_path(first, second, self._subtree)

    def entries(self, start: int, end: int) -> list[tuple[int, str, bytes]]:
        if self.entries_forbidden:
            raise RemoteRefused("403: the analyst role may not call GET /v1/ledger/entries")
        return [(i, f"E-{i + 1}", self.swap_leaf.get(i, self.leaves[i]))
                for i in range(start, min(end + 1, len(self.leaves)))]


def server(n: int = 37) -> FakeServer:
    return FakeServer([leaf(i + 1) for i in range(n)])


def test_an_honest_server_passes_and_first_use_is_flagged() -> None:
    s = server()
    report = verify_remote(s, RemoteOptions(seed=1, full=True))
    assert report.ok and report.trust_on_first_use
    names = [c.name for c in report.checks]
    assert names[0] == "signature" and names[-1] == "full download"
    assert "inclusion of E-1" in names and "inclusion of E-37" in names
    pinned = verify_remote(s, RemoteOptions(public_key=s.signer.public_key, seed=1))
    assert pinned.ok and not pinned.trust_on_first_use


def test_a_key_other_than_the_pinned_one_fails_and_stops() -> None:
    s = server()
    other = Ed25519Signer(Ed25519PrivateKey.generate())
    report = verify_remote(s, RemoteOptions(public_key=other.public_key))
    assert not report.ok and [c.name for c in report.checks] == ["signature"]
    assert "not the trusted key" in report.checks[0].detail


def test_appending_keeps_consistency_and_rewriting_breaks_it() -> None:
    s = server(20)
    saved = s.tree_head()
    s.leaves += [leaf(i) for i in range(21, 30)]
    report = verify_remote(s, RemoteOptions(trusted_head=saved, sample=3, seed=2))
    assert report.ok, report.failures
    assert report.checks[1].name == "consistency 20 -> 29" and report.checks[1].ok
    s.leaves[4] = leaf(5, to_party="P-ELSEWHERE")
    report = verify_remote(s, RemoteOptions(trusted_head=saved, sample=3, seed=2))
    assert not report.ok
    assert [c.name for c in report.failures] == ["consistency 20 -> 29"]
    assert "not a prefix" in report.failures[0].detail
    same_size = FakeServer(s.leaves[:20], signer=s.signer)
    report = verify_remote(same_size, RemoteOptions(trusted_head=saved, sample=0))
    assert "two different roots for the same tree size 20" in report.failures[0].detail


def test_a_shrunk_tree_fails() -> None:
    s = server(20)
    saved = s.tree_head()
    del s.leaves[15:]
    report = verify_remote(s, RemoteOptions(trusted_head=saved, sample=0))
    assert "history was cut" in report.failures[0].detail


def test_a_trusted_head_signed_by_another_key_fails() -> None:
    s = server(10)
    saved = s.tree_head()
    other = Ed25519Signer(Ed25519PrivateKey.generate())
    report = verify_remote(s, RemoteOptions(trusted_head=saved, public_key=other.public_key))
    assert report.failures[0].name == "signature"


def test_a_leaf_served_with_other_content_fails_its_inclusion() -> None:
    s = server(16)
    s.swap_leaf[3] = leaf(4, to_party="P-FORGED")
    report = verify_remote(s, RemoteOptions(events=["E-4", "E-5"], full=True))
    assert [c.name for c in report.failures] == ["inclusion of E-4", "full download"]
    assert "does not lead to the root" in report.failures[0].detail
    s.swap_leaf = {3: leaf(9)}
    report = verify_remote(s, RemoteOptions(events=["E-4"]))
    assert "is event E-9, not E-4" in report.failures[0].detail


def test_a_role_without_entries_skips_the_sample_but_checks_named_events() -> None:
    s = server(12)
    s.entries_forbidden = True
    report = verify_remote(s, RemoteOptions(full=True))
    assert report.ok
    skipped = [(c.name, c.ok) for c in report.checks[1:]]
    assert skipped == [("inclusion sample", None), ("full download", None)]
    report = verify_remote(s, RemoteOptions(events=["E-3"]))
    assert report.ok and report.checks[-1].ok


@pytest.mark.parametrize("size", [0, 1, 2])
def test_tiny_ledgers(size: int) -> None:
    report = verify_remote(server(size), RemoteOptions(full=True, seed=3))
    assert report.ok, report.failures
