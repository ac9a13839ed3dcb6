"""The hash chain that makes the custody record tamper-evident.

Every stored custody event has a canonical encoding: a compact JSON array of its
fields in a fixed order (UTF-8, no spaces, ``null`` for unknown, ``extra`` as a
JSON object with sorted keys, itself encoded as a string). JSON because any
agency can re-implement it in any language and get the same bytes, which is the
point of a record shared by parties that do not trust each other.

    content_hash = SHA-256(canonical)
    chain_hash   = SHA-256(previous chain_hash || content_hash)      (raw 32-byte digests)

The first event chains from 32 zero bytes. Changing, removing, inserting or
re-ordering any stored event changes every chain hash after it, so recomputing the
chain names the first event that no longer matches. Because each link depends
only on its own row and the stored hash of the row before, the check can be split
into ranges and run in parallel.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from armstrace.domain.records import CustodyEvent

HASH_VERSION: Final = "chain_v1"
GENESIS: Final = bytes(32)

# The canonical field order. Appending a field would need a new HASH_VERSION.
CANONICAL_FIELDS: Final = (
    "seq",
    "recorded_at",
    "event_id",
    "event_type",
    "occurred_at",
    "item_id",
    "from_party_id",
    "to_party_id",
    "region",
    "document_ref",
    "corrects_event_id",
    "extra",
)

def _reference_encode(row: Sequence[object]) -> str:
    """The definition of the canonical text: compact JSON, non-ASCII kept as UTF-8."""
    return json.dumps(list(row), ensure_ascii=False, separators=(",", ":"))


def _make_fast_encode() -> Callable[[Sequence[object]], str]:
    """CPython's C encoder called directly: the same text, without per-call set-up.

    Verification is bound by this call, a million times per million events; the
    property tests check it against ``_reference_encode``.
    """
    try:
        from json.encoder import c_encode_basestring, c_make_encoder  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - other Python implementations
        return _reference_encode
    if c_make_encoder is None or c_encode_basestring is None:  # pragma: no cover
        return _reference_encode
    encoder = c_make_encoder(None, None, c_encode_basestring, None, ":", ",", True, False, False)
    join = "".join

    def encode(row: Sequence[object]) -> str:
        return join(encoder(row, 0))

    return encode


_encode = _make_fast_encode()
_sha256 = hashlib.sha256

CanonicalRow = tuple[int, str, str, str, str, str, str | None, str | None, str | None,
                     str | None, str | None, str | None]


def encode_extra(extra: dict[str, str]) -> str | None:
    """Extra columns as a stable JSON object string; ``None`` when there are none."""
    if not extra:
        return None
    return json.dumps(extra, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_row(event: CustodyEvent, seq: int, recorded_at: str) -> CanonicalRow:
    """The values that the hash covers, in canonical order."""
    return (
        seq,
        recorded_at,
        event.event_id,
        event.event_type,
        event.occurred_at,
        event.item_id,
        event.from_party_id,
        event.to_party_id,
        event.region,
        event.document_ref,
        event.corrects_event_id,
        encode_extra(event.extra),
    )


def canonical_bytes(row: Sequence[object]) -> bytes:
    """The canonical encoding of one row of ``CANONICAL_FIELDS`` values."""
    return _encode(list(row)).encode("utf-8")


def content_hash(row: Sequence[object]) -> bytes:
    return _sha256(canonical_bytes(row)).digest()


def chain_hash(previous: bytes, content: bytes) -> bytes:
    return _sha256(previous + content).digest()


@dataclass(frozen=True, slots=True)
class Link:
    """One stored link: the row as read back and the hashes stored beside it."""

    row: CanonicalRow
    content_hash: bytes
    chain_hash: bytes


@dataclass(frozen=True, slots=True)
class Mismatch:
    """The first place where the stored chain and the recomputed chain disagree."""

    seq: int
    event_id: str
    reason: str


def link_rows(
    rows: Iterable[CanonicalRow], previous: bytes = GENESIS
) -> Iterable[tuple[CanonicalRow, bytes, bytes]]:
    """Yield each row with its content and chain hash (raw digests), continuing from ``previous``."""
    sha = _sha256
    enc = _encode
    for row in rows:
        content = sha(enc(row).encode("utf-8")).digest()
        previous = sha(previous + content).digest()
        yield row, content, previous


def linked_rows(
    events: Sequence[Sequence[object]], first_seq: int, recorded_at: str, previous: bytes,
    trailing: tuple[object, ...] = (), contents: Sequence[bytes | None] | None = None,
) -> tuple[list[tuple[object, ...]], bytes]:
    """Number events from ``first_seq`` and link them: rows ready to store, and the new head.

    Each event is its canonical fields after ``seq`` and ``recorded_at``; each row is
    ``(seq, recorded_at, *fields, content_hash, chain_hash, *trailing)``. The hashes are
    exactly ``link_rows``'s; this builds one tuple per event instead of three, which
    counts when a bulk import appends a million of them. ``contents``, when given,
    holds for each event its content hash computed ahead for exactly this seq and
    recorded_at (``content_hash``), or None to compute it here.
    """
    sha = _sha256
    enc = _encode
    out: list[tuple[object, ...]] = []
    append = out.append
    seq = first_seq
    for i, fields in enumerate(events):
        row = (seq, recorded_at, *fields)
        content = contents[i] if contents is not None else None
        if content is None:
            content = sha(enc(row).encode("utf-8")).digest()
        previous = sha(previous + content).digest()
        append((*row, content, previous, *trailing))
        seq += 1
    return out, previous


def verify_links(
    links: Iterable[tuple[object, ...]], previous: bytes = GENESIS, expected_seq: int | None = None
) -> tuple[int, bytes, Mismatch | None]:
    """Recompute a run of stored links; stop at the first that does not match.

    Each link is the canonical row followed by its stored content hash and chain
    hash (raw 32-byte digests). Returns how many links matched, the last good chain hash, and the
    first mismatch if any. ``expected_seq`` catches deleted or inserted rows.
    """
    sha = _sha256
    enc = _encode
    count = 0
    for link in links:
        row = link[:12]
        stored_content, stored_chain = link[12], link[13]
        seq = row[0]
        if expected_seq is not None:
            if seq != expected_seq:
                return count, previous, Mismatch(
                    int(str(seq)), str(row[2]),
                    f"sequence jumps from {expected_seq - 1} to {seq}: an event was removed or inserted",
                )
            expected_seq += 1
        content = sha(enc(row).encode("utf-8")).digest()
        if content != stored_content:
            return count, previous, Mismatch(
                int(str(seq)), str(row[2]), "content does not match its stored hash: the row was changed"
            )
        chained = sha(previous + content).digest()
        if chained != stored_chain:
            return count, previous, Mismatch(
                int(str(seq)), str(row[2]),
                "chain hash does not follow from the previous event: the chain was rewritten",
            )
        previous = chained
        count += 1
    return count, previous, None


def verify_encoded(
    links: Iterable[tuple[Any, ...]], previous: bytes, expected_seq: int,
    reencode: Callable[[int], bytes | None],
) -> tuple[int, bytes, Mismatch | None]:
    """``verify_links`` for links whose canonical text was produced by the database.

    Each link is (seq, event_id, canonical text, stored content hash, stored chain
    hash). Where the database's text does not hash to the stored content hash,
    ``reencode(seq)`` supplies this module's own canonical bytes for that row
    before anything is called broken: a difference between two JSON encoders
    must never be reported as tampering.
    """
    sha = _sha256
    count = 0
    for seq, event_id, text, stored_content, stored_chain in links:
        if seq != expected_seq:
            return count, previous, Mismatch(
                int(seq), str(event_id),
                f"sequence jumps from {expected_seq - 1} to {seq}: an event was removed or inserted")
        expected_seq += 1
        content = sha(text.encode("utf-8")).digest()
        if content != stored_content:
            own = reencode(seq)
            content = sha(own).digest() if own is not None else content
            if content != stored_content:
                return count, previous, Mismatch(
                    int(seq), str(event_id), "content does not match its stored hash: the row was changed")
        chained = sha(previous + content).digest()
        if chained != stored_chain:
            return count, previous, Mismatch(
                int(seq), str(event_id),
                "chain hash does not follow from the previous event: the chain was rewritten")
        previous = chained
        count += 1
    return count, previous, None
