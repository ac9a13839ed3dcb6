"""Proofs use cases: signed tree heads, inclusion and consistency proofs, leaf entries.

The tree is ``domain.merkle`` over the custody events in ``seq`` order. Node hashes
come from two places: complete subtrees of 2**CACHE_LEVEL events and above are
cached in ``merkle_nodes`` (extended lazily, only with events not yet covered),
and anything smaller is recomputed from at most a couple of blocks of events. So
a proof costs O(log n) cached rows plus at most 2 * 2**CACHE_LEVEL leaves, at any
ledger size, while the cache itself holds about n / 2**(CACHE_LEVEL - 1) rows.

The cache is derived data and is not trusted by anyone who checks a proof: a wrong
cached node only produces proofs that fail against the signed head.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

from armstrace.adapters.db.proof_store import LedgerNotContiguous, NodeKey, ProofStore
from armstrace.adapters.db.store import SqlStore
from armstrace.domain.merkle import (
    EMPTY_ROOT,
    LEAF_PREFIX,
    Subtree,
    TreeBuilder,
    consistency_path,
    decomposition,
    inclusion_path,
    leaf_hash,
    node_hash,
    perfect_root,
    range_hash,
)
from armstrace.domain.tree_heads import SignedTreeHead, signing_input
from armstrace.services.ports import Progress, no_progress

__all__ = ["CACHE_LEVEL", "MAX_ENTRIES", "BadTreeSize", "ConsistencyAnswer", "Entry", "InclusionAnswer",
           "LedgerNotContiguous", "Signer", "UnknownEvent", "consistency_proof", "ensure_cache", "entries",
           "inclusion_proof", "tree_head", "tree_root"]

CACHE_LEVEL: Final = 6  # cached subtrees of 64 events and up; see docs/proofs.md for the measurements
MAX_ENTRIES: Final = 1_000  # leaf entries per page
_COMMIT_BLOCKS: Final = 512  # cache rows are committed every this many blocks while building

T = TypeVar("T")


class Signer(Protocol):
    @property
    def public_key(self) -> bytes: ...

    @property
    def key_id(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


class UnknownEvent(LookupError):
    """No event with that id is on the ledger."""


class BadTreeSize(ValueError):
    """Sizes or indices a proof cannot be given for; the message says why."""


@dataclass(frozen=True, slots=True)
class InclusionAnswer:
    event_id: str
    leaf_index: int
    tree_size: int
    leaf_input: bytes
    audit_path: list[bytes]


@dataclass(frozen=True, slots=True)
class ConsistencyAnswer:
    first: int
    second: int
    proof: list[bytes]


@dataclass(frozen=True, slots=True)
class Entry:
    leaf_index: int
    event_id: str
    leaf_input: bytes


class _Tree:
    """Node hashes of the tree of one size: cached above the cache level, computed below."""

    def __init__(self, proofs: ProofStore, size: int, level: int) -> None:
        self.proofs, self.size, self.level = proofs, size, level
        self.cached: dict[NodeKey, bytes] = {}
        self.low: dict[NodeKey, bytes] = {}

    def run(self, compute: Callable[[Subtree], T]) -> T:
        """Run ``compute`` over this tree's nodes, fetching what it needs in one pass first.

        A dry run with placeholder hashes lists the cached nodes and the blocks of
        leaves the computation touches (the shape of a proof does not depend on
        hash values), so the store is read once for all nodes, not once per node.
        """
        nodes: set[NodeKey] = set()
        blocks: set[int] = set()
        placeholder = bytes(32)

        def plan(level: int, index: int) -> bytes:
            if level >= self.level:
                nodes.add((level, index))
            else:
                blocks.add((index << level) >> self.level)
            return placeholder

        compute(lambda start, end: range_hash(start, end, plan))
        self.cached.update(self.proofs.nodes(nodes - self.cached.keys()))
        missing = nodes - self.cached.keys()
        if missing:
            raise RuntimeError(f"Merkle node cache lacks {len(missing)} node(s), e.g. {min(missing)}")
        for block in sorted(blocks):
            self._load_block(block)
        return compute(lambda start, end: range_hash(start, end, self._perfect))

    def _perfect(self, level: int, index: int) -> bytes:
        return (self.cached if level >= self.level else self.low)[(level, index)]

    def _load_block(self, block: int) -> None:
        """Every perfect subtree inside one block of leaves (the last block may be partial)."""
        start = block << self.level
        end = min(start + (1 << self.level), self.size)
        level_hashes = [leaf_hash(data) for _event_id, data in self.proofs.leaves(start, end)]
        low = self.low
        height = 0
        while level_hashes:
            base = start >> height
            low.update(((height, base + i), h) for i, h in enumerate(level_hashes))
            # zip drops an odd last hash: it has no sibling yet, so no parent in this tree.
            pairs = zip(level_hashes[0::2], level_hashes[1::2], strict=False)
            level_hashes = [node_hash(a, b) for a, b in pairs]
            height += 1


def ensure_cache(store: SqlStore, *, cache_level: int = CACHE_LEVEL,
                 progress: Progress = no_progress) -> int:
    """Cache the nodes of every complete block of events not yet covered; return the tree size.

    Continues from the cached right edge (the perfect subtrees that make up the
    covered prefix), so appending k events costs O(k) work, not O(n). One process:
    hashing ranges in two worker processes was no faster on this 2-core machine under
    load, spawning them cost seconds, and forking inside a threaded server is unsafe.
    """
    proofs = ProofStore(store)
    size = proofs.tree_size()
    blocks = size >> cache_level
    have = proofs.cached_count(cache_level)
    if have >= blocks:
        return size
    edge = [(cache_level + j, idx) for j, idx in decomposition(have)]
    found = proofs.nodes(edge)
    if len(found) != len(edge):  # an incomplete cache (rows deleted by hand): start again
        proofs.clear_nodes()
        have, edge, found = 0, [], {}
    builder = TreeBuilder(base_level=cache_level, stack=[(lv, found[(lv, ix)]) for lv, ix in edge],
                          count=have, record=True)
    roots = _block_roots(proofs, have, blocks, cache_level)
    for done, root in enumerate(roots, start=1):
        builder.append(root)
        if done % _COMMIT_BLOCKS == 0:
            _flush(proofs, builder)
            progress("caching Merkle nodes", have + done, blocks)
    _flush(proofs, builder)
    progress("caching Merkle nodes", blocks, blocks)
    return size


def _block_roots(proofs: ProofStore, first: int, last: int, level: int) -> Iterator[bytes]:
    """The root of each complete block ``first <= b < last`` of 2**level events, streamed."""
    width = 1 << level
    block: list[bytes] = []
    sha = hashlib.sha256
    for _event_id, data in proofs.leaves(first * width, last * width):
        block.append(sha(LEAF_PREFIX + data).digest())  # leaf_hash, inlined: a million calls
        if len(block) == width:
            yield perfect_root(block)
            block = []


def _flush(proofs: ProofStore, builder: TreeBuilder) -> None:
    if builder.formed:
        with proofs.store.transaction() as conn:
            proofs.add_nodes(conn, builder.formed)
        builder.formed = []


def tree_root(store: SqlStore, size: int | None = None, *,
              cache_level: int = CACHE_LEVEL) -> tuple[int, bytes]:
    """(size, MTH) of the first ``size`` events (default: all of them)."""
    current = ensure_cache(store, cache_level=cache_level)
    size = current if size is None else size
    if not 0 <= size <= current:
        raise BadTreeSize(f"tree size {size:,} is not between 0 and the ledger's {current:,} events")
    if size == 0:
        return 0, EMPTY_ROOT
    tree = _Tree(ProofStore(store), size, cache_level)
    return size, tree.run(lambda subtree: subtree(0, size))


def tree_head(store: SqlStore, signer: Signer, *, now_ms: Callable[[], int] | None = None,
              cache_level: int = CACHE_LEVEL) -> SignedTreeHead:
    """The signed head of the whole ledger now.

    A new head is signed (and kept in ``tree_heads``) only when the size or the root
    has changed since the last one this key signed; otherwise that one is returned,
    so polling clients do not grow the table.
    """
    size, root = tree_root(store, cache_level=cache_level)
    proofs = ProofStore(store)
    latest = proofs.latest_tree_head(signer.key_id)
    if latest is not None and latest.tree_size == size and latest.root_hash == root:
        return SignedTreeHead(latest.tree_size, latest.timestamp, latest.root_hash, latest.signature,
                              latest.key_id, signer.public_key)
    stamp = (now_ms or _now_ms)()
    if latest is not None:
        stamp = max(stamp, latest.timestamp + 1)  # timestamps never go back, whatever the clock does
    signature = signer.sign(signing_input(size, stamp, root))
    head = SignedTreeHead(size, stamp, root, signature, signer.key_id, signer.public_key)
    proofs.record_tree_head(head)
    return head


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def inclusion_proof(store: SqlStore, event_id: str, tree_size: int | None = None, *,
                    cache_level: int = CACHE_LEVEL) -> InclusionAnswer:
    """The audit path of ``event_id`` in the tree of ``tree_size`` events (default: all)."""
    proofs = ProofStore(store)
    index = proofs.leaf_index(event_id)
    if index is None:
        raise UnknownEvent(f"no event {event_id!r} on the ledger")
    current = ensure_cache(store, cache_level=cache_level)
    size = current if tree_size is None else tree_size
    if size > current:
        raise BadTreeSize(f"tree size {size:,} is larger than the ledger ({current:,} events)")
    if not index < size:
        raise BadTreeSize(f"event {event_id} is leaf {index:,} (event #{index + 1:,}), so it is not in "
                          f"a tree of size {size:,}")
    path = _Tree(proofs, size, cache_level).run(lambda subtree: inclusion_path(index, size, subtree))
    event, data = next(iter(proofs.leaves(index, index + 1)))
    return InclusionAnswer(event, index, size, data, path)


def consistency_proof(store: SqlStore, first: int, second: int, *,
                      cache_level: int = CACHE_LEVEL) -> ConsistencyAnswer:
    """The proof that the tree of ``second`` events extends the tree of ``first`` events."""
    current = ensure_cache(store, cache_level=cache_level)
    if first < 1:
        raise BadTreeSize(f"first tree size must be at least 1 (got {first:,}); every tree extends "
                          "the empty tree, with an empty proof")
    if first > second:
        raise BadTreeSize(f"first tree size {first:,} is larger than second {second:,}")
    if second > current:
        raise BadTreeSize(f"tree size {second:,} is larger than the ledger ({current:,} events)")
    tree = _Tree(ProofStore(store), second, cache_level)
    return ConsistencyAnswer(first, second,
                             tree.run(lambda subtree: consistency_path(first, second, subtree)))


def entries(store: SqlStore, start: int, end: int) -> list[Entry]:
    """Leaves ``start..end`` inclusive (0-based, as RFC 9162 get-entries), at most MAX_ENTRIES.

    As in CT, the answer may stop early (page size, or the end of the ledger); a
    client asks again from where it stopped.
    """
    proofs = ProofStore(store)
    current = proofs.tree_size()
    if start < 0 or end < start:
        raise BadTreeSize(f"need 0 <= start <= end (got start={start:,}, end={end:,})")
    if start >= current:
        raise BadTreeSize(f"start {start:,} is past the last leaf ({current - 1:,})")
    stop = min(end + 1, current, start + MAX_ENTRIES)
    return [Entry(start + i, event_id, data)
            for i, (event_id, data) in enumerate(proofs.leaves(start, stop))]
