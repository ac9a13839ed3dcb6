"""Append synthetic custody events straight onto a store's chain, for proof tests.

The events go through the same linking and append path as an import
(``domain.ledger.link_rows`` and ``SqlStore.append_events``), without the
importer's reference checks, so a test can build a ledger of any length quickly.
"""

from __future__ import annotations

from sqlalchemy import text

from armstrace.adapters.db.store import SqlStore
from armstrace.domain.ledger import canonical_row, link_rows
from armstrace.domain.records import CustodyEvent


def append_events(store: SqlStore, count: int, *, prefix: str = "E", note: str = "") -> list[str]:
    """Append ``count`` events; return their ids in order."""
    with store.transaction() as conn:
        store.lock_chain(conn)
        seq, previous = store.chain_tail(conn)
        rows = []
        for i in range(count):
            n = seq + i + 1
            extra = {"note": f"{note} é{n}"} if note else {}
            event = CustodyEvent(f"{prefix}-{n}", "transfer", "2009-01-02", f"I-{n % 17}", "P-A",
                                 "P-B", "MX-MIC", f"DOC/{n}", None, extra)
            rows.append(canonical_row(event, n, "2026-11-22T00:00:00Z"))
        linked = [(*row, content, chained, "test-run") for row, content, chained in link_rows(rows, previous)]
        store.append_events(conn, linked, "test-run", "2026-11-22T00:00:00Z")
    return [str(r[2]) for r in linked]


def rewrite_history(store: SqlStore, seq: int, to_party_id: str) -> None:
    """What a forger with write access to the database does: change event ``seq`` and recompute
    every content and chain hash after it, so the local chain is consistent again.

    The Merkle node cache is cleared too, as a forger who wants a new root would; the
    checkpoints are rewritten to follow the new chain.
    """
    from armstrace.domain.ledger import GENESIS, link_rows

    with store.transaction() as conn:
        conn.execute(text("UPDATE custody_events SET to_party_id = :p WHERE seq = :s"),
                     {"p": to_party_id, "s": seq})
        previous = GENESIS if seq == 1 else bytes(conn.execute(
            text("SELECT chain_hash FROM custody_events WHERE seq = :s"), {"s": seq - 1}).scalar_one())
        columns = ("seq, recorded_at, event_id, event_type, occurred_at, item_id, from_party_id, "
                   "to_party_id, region, document_ref, corrects_event_id, extra")
        rows = [tuple(r) for r in conn.execute(
            text(f"SELECT {columns} FROM custody_events WHERE seq >= :s ORDER BY seq"), {"s": seq})]
        for row, content, chained in link_rows(rows, previous):  # type: ignore[arg-type]
            conn.execute(text("UPDATE custody_events SET content_hash = :c, chain_hash = :h WHERE seq = :s"),
                         {"c": content, "h": chained, "s": row[0]})
            conn.execute(text("UPDATE ledger_checkpoints SET chain_hash = :h WHERE seq = :s"),
                         {"h": chained, "s": row[0]})
        conn.execute(text("DELETE FROM merkle_nodes"))
