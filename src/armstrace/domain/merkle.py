"""The custody ledger as a Merkle tree, in the manner of Certificate Transparency.

RFC 9162 (CT v2, same tree and hashing as RFC 6962 v1) over the custody events in
``seq`` order: event ``seq`` is leaf ``seq - 1``.

    leaf_input = the event's canonical encoding (``domain.ledger``, compact JSON)
    leaf hash  = SHA-256(0x00 || leaf_input)
    node hash  = SHA-256(0x01 || left || right)
    MTH({})    = SHA-256("")
    MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n]))   k = the largest power of two < n

The leaf input is the canonical encoding, not its content hash: a verifier handed a
leaf can read the event it proves (the JSON names the event, item and parties) and
needs nothing else to recompute the hash, in any language.

Proof generation asks a ``subtree`` oracle for MTH(D[start:end]) of the nodes a
proof needs, so the same code runs over a list in memory, over a store that reads
a few hundred leaves and cached node hashes, or over anything else. Verification
follows RFC 9162 §2.1.3.2 and §2.1.4.2 step by step and never trusts the server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Final

LEAF_PREFIX: Final = b"\x00"
NODE_PREFIX: Final = b"\x01"
HASH_SIZE: Final = 32
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
TREE_VERSION: Final = "merkle_v1"

_sha256 = hashlib.sha256

# MTH(D[start:end]) for a node of the tree (start < end).
Subtree = Callable[[int, int], bytes]
# The hash of the perfect subtree of 2**level leaves starting at leaf index << level.
Perfect = Callable[[int, int], bytes]


def leaf_hash(leaf_input: bytes) -> bytes:
    return _sha256(LEAF_PREFIX + leaf_input).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(NODE_PREFIX + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size`` > 1): where the tree splits."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree (a power-of-two count of hashes), level by level.

    A tight pairwise loop: about twice as fast as merging one leaf at a time, and
    this is the inner loop of building the node cache over a million events.
    """
    sha = _sha256
    level = list(hashes)
    while len(level) > 1:
        level = [sha(NODE_PREFIX + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=True)]
    return level[0]


def root_from_leaf_hashes(hashes: Iterable[bytes]) -> bytes:
    """MTH of a stream of leaf hashes in O(log n) memory (a full download check)."""
    builder = TreeBuilder()
    for h in hashes:
        builder.append(h)
    return builder.root()


def range_hash(start: int, end: int, perfect: Perfect) -> bytes:
    """MTH(D[start:end]) for a node of the tree, from the perfect subtrees that tile it.

    Every node of an RFC 6962 tree splits into aligned perfect subtrees (its left
    children are perfect, its right spine ends in one), so aligned perfect subtree
    hashes are all a store has to keep to answer any proof for any tree size.
    """
    size = end - start
    if size <= 0:
        raise ValueError(f"empty range [{start}, {end})")
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return perfect(level, start >> level)
    k = split_point(size)
    return node_hash(range_hash(start, start + k, perfect), range_hash(start + k, end, perfect))


class TreeBuilder:
    """Appends hashes of aligned perfect subtrees at one level; merges them as they complete.

    The stack holds the perfect subtrees of the binary decomposition of the size so
    far (largest first), so the root of any prefix is a fold of the stack. Every
    perfect subtree formed at or above ``base_level + record_from`` is recorded in
    ``formed`` as (level, index, hash), which is what the node cache stores.
    """

    def __init__(self, base_level: int = 0, stack: Sequence[tuple[int, bytes]] = (),
                 count: int = 0, record: bool = False) -> None:
        self.base_level = base_level
        self.stack: list[tuple[int, bytes]] = list(stack)
        self.count = count  # units of 2**base_level leaves appended so far
        self.record = record
        self.formed: list[tuple[int, int, bytes]] = []

    def append(self, h: bytes) -> None:
        stack = self.stack
        level = self.base_level
        self.count += 1
        if self.record:
            self.formed.append((level, self.count - 1, h))
        while stack and stack[-1][0] == level:
            h = node_hash(stack.pop()[1], h)
            level += 1
            if self.record:
                self.formed.append((level, (self.count >> (level - self.base_level)) - 1, h))
        stack.append((level, h))

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        h = self.stack[-1][1]
        for _level, left in reversed(self.stack[:-1]):
            h = node_hash(left, h)
        return h


def decomposition(size: int) -> list[tuple[int, int]]:
    """The aligned perfect subtrees (level, index) that make up the first ``size`` leaves."""
    parts: list[tuple[int, int]] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size & (1 << level):
            parts.append((level, start >> level))
            start += 1 << level
    return parts


# ---------------------------------------------------------------- proof generation


def inclusion_path(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """The audit path PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf end first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + split_point(end - start)
        if index < mid:
            path.append(subtree(mid, end))
            end = mid
        else:
            path.append(subtree(start, mid))
            start = mid
    path.reverse()
    return path


def consistency_path(first: int, second: int, subtree: Subtree) -> list[bytes]:
    """PROOF(first, D[second]) = SUBPROOF(first, D[second], true), RFC 9162 §2.1.4.1.

    Defined for 0 < first < second; two equal sizes need no proof (empty list).
    """
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    proof: list[bytes] = []
    m, start, end, complete = first, 0, second, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            m -= k
            start += k
            complete = False
    if not complete:
        proof.append(subtree(start, end))
    proof.reverse()
    return proof


# ---------------------------------------------------------------- verification


class ProofError(ValueError):
    """A proof that does not prove what it claims; the message says which check failed."""


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} is {len(value)} bytes, not {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """Steps 1-4 of RFC 9162 §2.1.3.2: the root that ``path`` leads ``leaf`` (a leaf hash) to."""
    if index >= size or index < 0:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash("leaf hash", leaf)
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        _check_hash("audit path element", p)
        if sn == 0:
            raise ProofError("audit path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("audit path is shorter than the tree is deep")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2: raise ProofError unless ``leaf`` is leaf ``index`` of the tree with ``root``."""
    _check_hash("root hash", root)
    if root_from_inclusion(index, size, leaf, path) != root:
        raise ProofError(f"audit path for leaf {index} does not lead to the root of the tree of size {size}")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       path: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2: raise ProofError unless tree ``second`` extends tree ``first``.

    The RFC defines the proof for 0 < first < second. The edges are settled as
    every CT verifier settles them: equal sizes need equal roots and an empty
    proof; any tree extends the empty tree (an empty proof); shrinking never does.
    """
    _check_hash("first root", first_root)
    _check_hash("second root", second_root)
    if first < 0 or second < first:
        raise ProofError(f"tree size went from {first} down to {second}: history was cut")
    if first == second:
        if path:
            raise ProofError("proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError(f"two different roots for the same tree size {first}")
        return
    if first == 0:
        if path:
            raise ProofError("proof from the empty tree must be empty")
        return
    # 1. An empty path cannot prove anything here.
    if not path:
        raise ProofError("empty consistency proof between different sizes")
    for p in path:
        _check_hash("consistency path element", p)
    # 2. When first is a power of two its root is a node of the new tree: prepend it.
    nodes = list(path)
    if first & (first - 1) == 0:
        nodes.insert(0, first_root)
    # 3-4.
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = nodes[0]
    # 6.
    for c in nodes[1:]:
        if sn == 0:
            raise ProofError("consistency path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7.
    if sn != 0:
        raise ProofError("consistency path is shorter than the tree is deep")
    if fr != first_root:
        raise ProofError(f"consistency proof does not reproduce the root of size {first}: "
                         "the earlier tree is not a prefix of the later one")
    if sr != second_root:
        raise ProofError(f"consistency proof does not reproduce the root of size {second}")
