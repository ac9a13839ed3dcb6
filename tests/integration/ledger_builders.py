"""Append synthetic custody events straight onto a store's chain, for proof tests.

The events go through the same linking and append path as an import
(``domain.ledger.link_rows`` and ``SqlStore.append_events``), without the
importer's reference checks, so a test can build a ledger of any length quickly.
"""

from __future__ import annotations

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
