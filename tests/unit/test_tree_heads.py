"""Signed tree heads, the signing key file, and checking a proof offline."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from armstrace.adapters.signing import Ed25519Signer, KeyFileError, default_key_path, load_or_create_signer
from armstrace.domain import merkle as m
from armstrace.domain.tree_heads import (
    InclusionProof,
    SignatureError,
    SignedTreeHead,
    load_public_key,
    signing_input,
    verify_offline,
    verify_tree_head,
)

LEAVES = [json.dumps([i + 1, "2026-01-01T00:00:00Z", f"E-{i + 1}", "ship", "2009-01-01", "I-1", "P-A",
                      "P-B", None, None, None, None], separators=(",", ":")).encode() for i in range(11)]


def signer() -> Ed25519Signer:
    return Ed25519Signer(Ed25519PrivateKey.generate())


def head_for(s: Ed25519Signer, leaves: list[bytes], stamp: int = 1_700_000_000_000) -> SignedTreeHead:
    root = m.root_from_leaf_hashes(m.leaf_hash(x) for x in leaves)
    return SignedTreeHead(len(leaves), stamp, root, s.sign(signing_input(len(leaves), stamp, root)),
                          s.key_id, s.public_key)


def proof_for(index: int, leaves: list[bytes]) -> InclusionProof:
    def subtree(a: int, b: int) -> bytes:
        return m.root_from_leaf_hashes(m.leaf_hash(x) for x in leaves[a:b])

    return InclusionProof(index, len(leaves), tuple(m.inclusion_path(index, len(leaves), subtree)),
                          f"E-{index + 1}")


def test_the_signed_bytes_are_fixed_width_and_documented() -> None:
    data = signing_input(5, 258, bytes(range(32)))
    assert data == b"armstrace-sth-v1" + (5).to_bytes(8, "big") + (258).to_bytes(8, "big") + bytes(range(32))
    with pytest.raises(ValueError):
        signing_input(5, 1, b"short")


def test_a_head_verifies_with_its_key_and_fails_with_any_change() -> None:
    s = signer()
    head = head_for(s, LEAVES)
    verify_tree_head(head, s.public_key)
    assert SignedTreeHead.from_json(json.loads(head.dumps())) == head
    changed = [
        SignedTreeHead(head.tree_size + 1, head.timestamp, head.root_hash, head.signature, head.key_id),
        SignedTreeHead(head.tree_size, head.timestamp + 1, head.root_hash, head.signature, head.key_id),
        SignedTreeHead(head.tree_size, head.timestamp, m.EMPTY_ROOT, head.signature, head.key_id),
        SignedTreeHead(head.tree_size, head.timestamp, head.root_hash,
                       bytes([head.signature[0] ^ 1]) + head.signature[1:], head.key_id),
    ]
    for bad in changed:
        with pytest.raises(SignatureError):
            verify_tree_head(bad, s.public_key)
    with pytest.raises(SignatureError, match="not the trusted key"):
        verify_tree_head(head, signer().public_key)


@pytest.mark.parametrize("broken", [
    {"tree_size": 1},
    {"tree_size": "x", "timestamp": 1, "root_hash": "00" * 32, "signature": "", "key_id": ""},
    {"tree_size": 1, "timestamp": 1, "root_hash": "00" * 31, "signature": "", "key_id": ""},
    {"tree_size": 1, "timestamp": 1, "root_hash": "00" * 32, "signature": "***", "key_id": ""},
    {"tree_size": -1, "timestamp": 1, "root_hash": "00" * 32, "signature": "", "key_id": ""},
])
def test_malformed_heads_are_named(broken: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SignedTreeHead.from_json(broken)


def test_public_keys_load_from_pem_base64_or_raw() -> None:
    s = signer()
    assert load_public_key(s.public_pem().encode()) == s.public_key
    assert load_public_key(base64.b64encode(s.public_key) + b"\n") == s.public_key
    assert load_public_key(s.public_key) == s.public_key
    for bad in (b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n", b"c2hvcnQ=", b"not base64!"):
        with pytest.raises(ValueError):
            load_public_key(bad)


def test_an_inclusion_proof_checks_offline_and_any_change_fails() -> None:
    s = signer()
    head = head_for(s, LEAVES)
    proof = proof_for(6, LEAVES)
    result = verify_offline(head, proof, LEAVES[6], s.public_pem().encode())
    assert result.event["event_id"] == "E-7" and result.leaf_index == 6 and result.tree_size == 11
    other = signer()
    with pytest.raises(SignatureError):
        verify_offline(head, proof, LEAVES[6], other.public_key)
    with pytest.raises(m.ProofError, match="event #8"):
        verify_offline(head, proof, LEAVES[7], s.public_key)
    forged = LEAVES[6].replace(b"P-B", b"P-C")
    with pytest.raises(m.ProofError, match="does not lead to the root"):
        verify_offline(head, proof, forged, s.public_key)
    with pytest.raises(m.ProofError, match="size 10"):
        verify_offline(head, proof_for(6, LEAVES[:10]), LEAVES[6], s.public_key)
    with pytest.raises(m.ProofError, match="names E-9"):
        verify_offline(head, InclusionProof(6, 11, proof.audit_path, "E-9"), LEAVES[6], s.public_key)
    with pytest.raises(m.ProofError, match="canonical JSON"):
        verify_offline(head, proof, b"\xff", s.public_key)


def test_the_key_file_is_created_once_private_and_refused_when_readable(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "armstrace" / "signing-key.pem"
    first = load_or_create_signer(path)
    assert first.created and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = load_or_create_signer(path)
    assert not again.created and again.key_id == first.key_id
    assert [p.name for p in path.parent.iterdir()] == ["signing-key.pem"]
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_or_create_signer(path)
    os.chmod(path, 0o600)
    path.write_text("not a key")
    with pytest.raises(KeyFileError, match="not an unencrypted PEM"):
        load_or_create_signer(path)


def test_where_the_key_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARMSTRACE_SIGNING_KEY", str(tmp_path / "env.pem"))
    assert default_key_path() == tmp_path / "env.pem"
    assert default_key_path(tmp_path / "explicit.pem") == tmp_path / "explicit.pem"
    monkeypatch.delenv("ARMSTRACE_SIGNING_KEY")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_key_path() == tmp_path / "xdg" / "armstrace" / "signing-key.pem"
