"""Signed tree heads: a server's signed statement of the ledger's size and Merkle root.

An agency that saves a signed tree head (STH) can later ask the server to prove
that its current tree extends the saved one (a consistency proof) and that any
event is in it (an inclusion proof). The signature makes the head evidence: a
server that rewrote history and showed two agencies two different roots for the
same size has signed both, and either agency can show the other.

The bytes signed (Ed25519, RFC 8032) are fixed-width binary so that any language
reproduces them without a JSON canonicaliser:

    "armstrace-sth-v1" (16 ASCII bytes) || tree_size (8 bytes, big-endian)
        || timestamp (8 bytes, big-endian, milliseconds since the Unix epoch, UTC)
        || root_hash (32 bytes)

``key_id`` is the hex SHA-256 of the raw 32-byte Ed25519 public key. Everything
here is computation: it verifies with no server (``verify_offline``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from armstrace.domain.ledger import CANONICAL_FIELDS
from armstrace.domain.merkle import HASH_SIZE, ProofError, leaf_hash, verify_inclusion

STH_VERSION: Final = b"armstrace-sth-v1"
PUBLIC_KEY_SIZE: Final = 32
SIGNATURE_SIZE: Final = 64


class SignatureError(ProofError):
    """A tree head whose signature or key does not check."""


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def signing_input(tree_size: int, timestamp: int, root_hash: bytes) -> bytes:
    """The exact bytes an STH signature covers (see the module docstring)."""
    if len(root_hash) != HASH_SIZE:
        raise ValueError(f"root hash is {len(root_hash)} bytes, not {HASH_SIZE}")
    return STH_VERSION + tree_size.to_bytes(8, "big") + timestamp.to_bytes(8, "big") + root_hash


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    tree_size: int
    timestamp: int  # milliseconds since the Unix epoch, UTC
    root_hash: bytes
    signature: bytes
    key_id: str
    public_key: bytes | None = None  # raw Ed25519 key, carried for convenience; never trusted alone

    def to_json(self) -> dict[str, Any]:
        """The wire and file form: hashes in hex, signature and key in base64."""
        return {"tree_size": self.tree_size, "timestamp": self.timestamp,
                "root_hash": self.root_hash.hex(),
                "signature": base64.b64encode(self.signature).decode("ascii"),
                "key_id": self.key_id,
                "public_key": (base64.b64encode(self.public_key).decode("ascii")
                               if self.public_key is not None else None)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignedTreeHead:
        """Parse the wire form; ValueError names the field that is wrong."""
        try:
            size, stamp = int(data["tree_size"]), int(data["timestamp"])
            root = bytes.fromhex(str(data["root_hash"]))
            signature = base64.b64decode(str(data["signature"]), validate=True)
            kid = str(data["key_id"])
            raw_key = data.get("public_key")
            public = base64.b64decode(str(raw_key), validate=True) if raw_key else None
        except KeyError as exc:
            raise ValueError(f"tree head has no {exc.args[0]!r}") from exc
        except (TypeError, ValueError, binascii.Error) as exc:
            raise ValueError(f"tree head is malformed: {exc}") from exc
        if size < 0 or stamp < 0:
            raise ValueError("tree head has a negative size or timestamp")
        if len(root) != HASH_SIZE:
            raise ValueError(f"tree head root_hash is {len(root)} bytes, not {HASH_SIZE}")
        return cls(size, stamp, root, signature, kid, public)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"


def load_public_key(data: bytes) -> bytes:
    """A raw 32-byte Ed25519 public key from PEM, base64 text or raw bytes."""
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text)
        except ValueError as exc:
            raise ValueError(f"not a PEM public key: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM public key is not an Ed25519 key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if len(data) == PUBLIC_KEY_SIZE:
        return bytes(data)
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("public key is neither PEM, base64 nor 32 raw bytes") from exc
    if len(raw) != PUBLIC_KEY_SIZE:
        raise ValueError(f"public key is {len(raw)} bytes, not {PUBLIC_KEY_SIZE}")
    return raw


def public_key_pem(public_key: bytes) -> str:
    key = Ed25519PublicKey.from_public_bytes(public_key)
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def verify_tree_head(head: SignedTreeHead, public_key: bytes) -> None:
    """Raise SignatureError unless ``head`` is signed by ``public_key`` (raw 32 bytes)."""
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise SignatureError(f"public key is {len(public_key)} bytes, not {PUBLIC_KEY_SIZE}")
    expected = key_id(public_key)
    if head.key_id != expected:
        raise SignatureError(f"tree head was signed by key {head.key_id[:16]}…, not the trusted key "
                             f"{expected[:16]}…")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            head.signature, signing_input(head.tree_size, head.timestamp, head.root_hash))
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError(f"tree head signature does not verify for size {head.tree_size}") from exc


@dataclass(frozen=True, slots=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    audit_path: tuple[bytes, ...]
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class OfflineResult:
    """What an offline check established, in words a report can quote."""

    event: dict[str, Any]
    leaf_index: int
    tree_size: int
    root_hash: str


def verify_offline(saved_head: SignedTreeHead, proof: InclusionProof, leaf_input: bytes,
                   public_key: bytes) -> OfflineResult:
    """Check, with no server, that ``leaf_input`` is in the tree ``saved_head`` signed.

    The head's signature is checked against ``public_key`` (raw, PEM or base64), the
    leaf input is hashed here (never taken on trust) and the audit path must lead it
    to the head's root at the proof's leaf index. The leaf input is the event's
    canonical JSON, whose first field is ``seq``: it must name the same position.
    Returns the event as decoded; raises ProofError (or SignatureError) saying which
    check failed.
    """
    verify_tree_head(saved_head, load_public_key(public_key))
    if proof.tree_size != saved_head.tree_size:
        raise ProofError(f"the proof is for a tree of size {proof.tree_size}, the saved head for "
                         f"size {saved_head.tree_size}")
    event = decode_leaf(leaf_input)
    if event["seq"] != proof.leaf_index + 1:
        raise ProofError(f"leaf input is event #{event['seq']}, the proof is for leaf "
                         f"{proof.leaf_index} (event #{proof.leaf_index + 1})")
    if proof.event_id is not None and event["event_id"] != proof.event_id:
        raise ProofError(f"leaf input is event {event['event_id']}, the proof names {proof.event_id}")
    verify_inclusion(proof.leaf_index, proof.tree_size, leaf_hash(leaf_input), proof.audit_path,
                     saved_head.root_hash)
    return OfflineResult(event, proof.leaf_index, proof.tree_size, saved_head.root_hash.hex())


def decode_leaf(leaf_input: bytes) -> dict[str, Any]:
    """The event a leaf input encodes, by field name (``domain.ledger.CANONICAL_FIELDS``)."""
    try:
        values = json.loads(leaf_input.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProofError(f"leaf input is not the canonical JSON of an event: {exc}") from exc
    if not isinstance(values, list) or len(values) != len(CANONICAL_FIELDS) or not isinstance(values[0], int):
        raise ProofError("leaf input is not the canonical JSON array of an event")
    return dict(zip(CANONICAL_FIELDS, values, strict=True))
