"""What Merkle proofs read and write in the store: leaves, cached node hashes, tree heads.

Leaves are the events' canonical encodings, in ``seq`` order (leaf i is event
seq i + 1). On SQLite the database writes the canonical text itself, as for
``verify``; a row whose text does not hash to its stored content hash is
re-encoded in Python, so the leaf is always this module's canonical encoding of
the row as it stands now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from armstrace.adapters.db import tables as t
from armstrace.adapters.db.store import SqlStore
from armstrace.domain.ledger import canonical_bytes
from armstrace.domain.tree_heads import SignedTreeHead

NodeKey = tuple[int, int]
_INSERT_CHUNK = 5_000


class LedgerNotContiguous(Exception):
    """Events are missing from the ledger, so it is not a tree of consecutive leaves."""


class ProofStore:
    """Reads leaves and cached nodes for proofs; never touches the events themselves."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.engine = store.engine

    # ------------------------------------------------------------ leaves

    def tree_size(self) -> int:
        """The number of events: the last ``seq``, provided the chain starts at 1.

        Two index look-ups, not a count: counting a million rows on every proof
        would cost more than the proof. A gap in the middle is found where a proof
        or the cache reads the leaves around it (and always by ``armstrace verify``).
        """
        ev = t.custody_events
        with self.engine.connect() as conn:
            last = conn.execute(select(ev.c.seq).order_by(ev.c.seq.desc()).limit(1)).scalar()
            first = conn.execute(select(ev.c.seq).order_by(ev.c.seq).limit(1)).scalar()
        if last is None or first is None:
            return 0
        if int(first) != 1:
            raise LedgerNotContiguous(
                f"the ledger starts at event #{int(first):,}, not #1: events were removed, so no tree "
                "can be built over it (run `armstrace verify`)")
        return int(last)

    def leaves(self, start: int, end: int) -> Iterator[tuple[str, bytes]]:
        """(event_id, leaf input) for leaves ``start <= i < end``, streamed in order."""
        if end <= start:
            return
        first, last = start + 1, end
        fast = self.store.canonical_rows(first, last)
        expected = first
        if fast is not None:
            sha = hashlib.sha256
            for seq, event_id, text, content, _chain in fast:  # the hot loop of building the cache
                if seq != expected:
                    raise LedgerNotContiguous(f"event #{expected:,} is missing from the ledger")
                expected += 1
                data = text.encode("utf-8")
                if sha(data).digest() != content:
                    data = self._reencode(int(seq))
                yield event_id, data
        else:
            for row in self.store.chain_rows(first, last):
                if int(row[0]) != expected:
                    raise LedgerNotContiguous(f"event #{expected:,} is missing from the ledger")
                expected += 1
                yield str(row[2]), canonical_bytes(row[:12])
        if expected != last + 1:
            raise LedgerNotContiguous(f"event #{expected:,} is missing from the ledger")

    def _reencode(self, seq: int) -> bytes:
        link = self.store.stored_link(seq)
        if link is None:
            raise LedgerNotContiguous(f"event #{seq:,} is missing from the ledger")
        return canonical_bytes(link[0])

    def leaf_index(self, event_id: str) -> int | None:
        if "\x00" in event_id:  # no stored id holds one, and PostgreSQL refuses it in a parameter
            return None
        ev = t.custody_events
        with self.engine.connect() as conn:
            seq = conn.execute(select(ev.c.seq).where(ev.c.event_id == event_id)).scalar()
        return None if seq is None else int(seq) - 1

    # ------------------------------------------------------------ cached nodes

    def cached_count(self, level: int) -> int:
        """How many nodes at ``level`` are cached: they always run from index 0 up."""
        mn = t.merkle_nodes
        with self.engine.connect() as conn:
            top = conn.execute(select(func.max(mn.c.idx)).where(mn.c.level == level)).scalar()
        return 0 if top is None else int(top) + 1

    def nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        """Cached hashes for (level, index) keys, in one round trip per few hundred keys.

        Driver-level SQL with bound parameters: a proof needs a few dozen keys, and
        building the same condition as an expression tree cost more than the query.
        """
        wanted = sorted(set(keys))
        found: dict[NodeKey, bytes] = {}
        mark = "?" if self.store.backend == "sqlite" else "%s"
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 400):
                chunk = wanted[i:i + 400]
                where = " OR ".join([f"(level = {mark} AND idx = {mark})"] * len(chunk))
                params = tuple(v for key in chunk for v in key)
                sql = f"SELECT level, idx, hash FROM merkle_nodes WHERE {where}"
                for level, idx, h in conn.exec_driver_sql(sql, params):
                    found[(int(level), int(idx))] = bytes(h)
        return found

    def add_nodes(self, conn: Connection, rows: Sequence[tuple[int, int, bytes]]) -> None:
        """Insert node hashes, skipping any another process cached first (same values)."""
        mn = t.merkle_nodes
        dialect = sqlite if self.store.backend == "sqlite" else postgresql
        for i in range(0, len(rows), _INSERT_CHUNK):
            chunk = [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in rows[i:i + _INSERT_CHUNK]]
            conn.execute(dialect.insert(mn).on_conflict_do_nothing(), chunk)

    def clear_nodes(self) -> None:
        with self.store.transaction() as conn:
            conn.execute(t.merkle_nodes.delete())

    # ------------------------------------------------------------ tree heads

    def latest_tree_head(self, key: str) -> SignedTreeHead | None:
        th = t.tree_heads
        with self.engine.connect() as conn:
            row = conn.execute(select(th.c.tree_size, th.c.timestamp, th.c.root_hash, th.c.signature,
                                      th.c.key_id).where(th.c.key_id == key)
                               .order_by(th.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        return SignedTreeHead(int(row[0]), int(row[1]), bytes(row[2]), bytes(row[3]), str(row[4]))

    def record_tree_head(self, head: SignedTreeHead) -> None:
        with self.store.transaction() as conn:
            conn.execute(t.tree_heads.insert(), {
                "tree_size": head.tree_size, "timestamp": head.timestamp, "root_hash": head.root_hash,
                "signature": head.signature, "key_id": head.key_id})

    def tree_heads_issued(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.tree_heads)).scalar_one())
