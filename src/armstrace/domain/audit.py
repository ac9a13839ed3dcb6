"""The audit log's hash chain: who did what, when, with what outcome.

Every request the server answers becomes one audit entry. Entries are
append-only and chained exactly like the custody ledger (``domain.ledger``):

    canonical    = compact JSON array, UTF-8: [seq, at, org_id, token_id, role,
                   action, target, outcome, detail]
    content_hash = SHA-256(canonical)
    chain_hash   = SHA-256(previous chain_hash || content_hash), from 32 zero bytes

so deleting, editing or re-ordering an entry breaks every link after it, and
``armstrace audit verify`` names the first entry that no longer matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from armstrace.domain.ledger import GENESIS, canonical_bytes, chain_hash, content_hash

AUDIT_VERSION: Final = "audit_v1"
AUDIT_FIELDS: Final = ("seq", "at", "org_id", "token_id", "role", "action", "target", "outcome",
                       "detail")

AuditRow = tuple[int, str, str | None, str | None, str | None, str, str, int, str | None]


@dataclass(frozen=True, slots=True)
class AuditBreak:
    seq: int
    reason: str


def link(row: AuditRow, previous: bytes) -> tuple[bytes, bytes]:
    """(content hash, chain hash) of ``row`` following ``previous``."""
    content = content_hash(row)
    return content, chain_hash(previous, content)


def verify_audit(rows: Iterable[tuple[AuditRow, bytes, bytes]],
                 previous: bytes = GENESIS) -> tuple[int, AuditBreak | None]:
    """Recompute the chain over stored ``(row, content_hash, chain_hash)`` in seq order.

    Returns how many entries verified and the first break, if any.
    """
    expected = 1
    count = 0
    for row, stored_content, stored_chain in rows:
        seq = int(row[0])
        if seq != expected:
            return count, AuditBreak(seq, f"sequence jumps from {expected - 1} to {seq}: "
                                          "entries were removed")
        content = content_hash(row)
        if content != stored_content:
            return count, AuditBreak(seq, "content does not match its stored hash: the entry was changed")
        chained = chain_hash(previous, content)
        if chained != stored_chain:
            return count, AuditBreak(seq, "chain hash does not follow the entry before it")
        previous = chained
        expected += 1
        count += 1
    return count, None


def canonical_text(row: Sequence[object]) -> str:
    return canonical_bytes(row).decode("utf-8")
