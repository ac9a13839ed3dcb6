"""The Merkle tree: known answers, agreement with the naive RFC definitions, and
proofs that verify when right and fail when anything about them is wrong."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit import merkle_reference as ref

from armstrace.domain import merkle as m

# RFC 6962 test vectors as published in transparency-dev/merkle, proof/verify_test.go
# (commit 02194e9afb6c1d95b5381350007963aa70fff472, Apache-2.0; the Go reference
# implementation of RFC 6962 proofs used by CT logs): eight leaf inputs, the root of
# each tree size 1..8, and known audit and consistency paths. Their leaf numbers are 1-based.
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
INCLUSION = [  # (1-based leaf, tree size, path)
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (size1, size2, path)
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


def oracle(leaves: Sequence[bytes]) -> m.Subtree:
    return lambda start, end: ref.mth(leaves[start:end])


def flip(value: bytes, at: int) -> bytes:
    return value[:at] + bytes([value[at] ^ 0x01]) + value[at + 1:]


# ------------------------------------------------------------------ known answers


def test_roots_of_the_published_vectors() -> None:
    assert m.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for size in range(1, 9):
        assert m.root_from_leaf_hashes(m.leaf_hash(x) for x in LEAVES[:size]) == ROOTS[size - 1]
        assert ref.mth(LEAVES[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_published_audit_paths_are_generated_and_verify(leaf: int, size: int, path: list[str]) -> None:
    expected = [bytes.fromhex(h) for h in path]
    assert m.inclusion_path(leaf - 1, size, oracle(LEAVES[:size])) == expected
    m.verify_inclusion(leaf - 1, size, m.leaf_hash(LEAVES[leaf - 1]), expected, ROOTS[size - 1])


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_published_consistency_paths_are_generated_and_verify(first: int, second: int,
                                                               path: list[str]) -> None:
    expected = [bytes.fromhex(h) for h in path]
    assert m.consistency_path(first, second, oracle(LEAVES[:second])) == expected
    m.verify_consistency(first, second, ROOTS[first - 1], ROOTS[second - 1], expected)


def test_edges_of_consistency() -> None:
    root = ROOTS[2]
    m.verify_consistency(3, 3, root, root, [])
    m.verify_consistency(0, 3, m.EMPTY_ROOT, root, [])
    m.verify_consistency(0, 0, m.EMPTY_ROOT, m.EMPTY_ROOT, [])
    for first, second, a, b, path in [(3, 3, root, ROOTS[1], []), (3, 3, root, root, [root]),
                                      (0, 3, m.EMPTY_ROOT, root, [root]), (4, 3, root, root, []),
                                      (1, 2, ROOTS[0], ROOTS[1], [])]:
        with pytest.raises(m.ProofError):
            m.verify_consistency(first, second, a, b, path)
    assert m.consistency_path(5, 5, oracle(LEAVES[:5])) == []
    with pytest.raises(ValueError):
        m.consistency_path(0, 5, oracle(LEAVES[:5]))
    with pytest.raises(ValueError):
        m.inclusion_path(5, 5, oracle(LEAVES[:5]))


def test_a_single_leaf_tree_has_an_empty_path() -> None:
    leaf = m.leaf_hash(b"data")
    m.verify_inclusion(0, 1, leaf, [], leaf)
    for index, size in [(0, 0), (1, 1), (2, 1)]:
        with pytest.raises(m.ProofError):
            m.verify_inclusion(index, size, leaf, [], leaf)
    with pytest.raises(m.ProofError):
        m.verify_inclusion(0, 1, b"", [], leaf)


# ------------------------------------------------------------------ exhaustive over small trees

SMALL = [f"event {i}".encode() for i in range(40)]


def test_every_inclusion_proof_verifies_for_every_index_and_size() -> None:
    for size in range(1, len(SMALL) + 1):
        leaves = SMALL[:size]
        root = ref.mth(leaves)
        for index in range(size):
            path = m.inclusion_path(index, size, oracle(leaves))
            assert path == ref.path(index, leaves)
            m.verify_inclusion(index, size, m.leaf_hash(leaves[index]), path, root)


def test_every_consistency_proof_verifies_for_every_pair_of_sizes() -> None:
    roots = [ref.mth(SMALL[:n]) for n in range(len(SMALL) + 1)]
    for second in range(1, len(SMALL) + 1):
        for first in range(1, second + 1):
            path = m.consistency_path(first, second, oracle(SMALL[:second]))
            assert path == ref.proof(first, SMALL[:second])
            m.verify_consistency(first, second, roots[first], roots[second], path)


# ------------------------------------------------------------------ properties

sizes_and_index = st.integers(1, 600).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1)))


@settings(max_examples=150, deadline=None)
@given(sizes_and_index, st.data())
def test_a_wrong_inclusion_proof_never_verifies(size_index: tuple[int, int], data: st.DataObject) -> None:
    size, index = size_index
    leaves = [i.to_bytes(4, "big") for i in range(size)]
    root = ref.mth(leaves)
    path = m.inclusion_path(index, size, oracle(leaves))
    leaf = m.leaf_hash(leaves[index])
    m.verify_inclusion(index, size, leaf, path, root)
    if path:
        at = data.draw(st.integers(0, len(path) - 1))
        byte = data.draw(st.integers(0, 31))
        bad = [*path]
        bad[at] = flip(bad[at], byte)
        with pytest.raises(m.ProofError):
            m.verify_inclusion(index, size, leaf, bad, root)
        with pytest.raises(m.ProofError):
            m.verify_inclusion(index, size, leaf, path[:-1], root)
    with pytest.raises(m.ProofError):
        m.verify_inclusion(index, size, leaf, [*path, root], root)
    with pytest.raises(m.ProofError):
        m.verify_inclusion(index, size, flip(leaf, data.draw(st.integers(0, 31))), path, root)
    with pytest.raises(m.ProofError):
        m.verify_inclusion(index, size, leaf, path, flip(root, 0))
    other = data.draw(st.integers(0, size * 2).filter(lambda i: i != index))
    with pytest.raises(m.ProofError):
        m.verify_inclusion(other, size, leaf, path, root)
    # Checked against the true root of the tree of that other size (what a head of that
    # size would carry), the path must fail: it leads to this size's root.
    wrong_size = data.draw(st.integers(1, size * 2 + 2).filter(lambda n: n != size))
    more = leaves + [b"later " + i.to_bytes(4, "big") for i in range(size, wrong_size)]
    with pytest.raises(m.ProofError):
        m.verify_inclusion(index, wrong_size, leaf, path, ref.mth(more[:wrong_size]))


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 600).flatmap(lambda n: st.tuples(st.integers(1, n - 1), st.just(n))), st.data())
def test_a_wrong_consistency_proof_never_verifies(sizes: tuple[int, int], data: st.DataObject) -> None:
    first, second = sizes
    leaves = [i.to_bytes(4, "big") for i in range(second)]
    r1, r2 = ref.mth(leaves[:first]), ref.mth(leaves)
    path = m.consistency_path(first, second, oracle(leaves))
    assert path == ref.proof(first, leaves)
    m.verify_consistency(first, second, r1, r2, path)
    at = data.draw(st.integers(0, len(path) - 1))
    bad = [*path]
    bad[at] = flip(bad[at], data.draw(st.integers(0, 31)))
    for args in [(first, second, r1, r2, bad), (first, second, r1, r2, path[:-1]),
                 (first, second, r1, r2, [*path, r2]), (first, second, r2, r1, path),
                 (first, second, flip(r1, 5), r2, path), (first, second, r1, flip(r2, 7), path)]:
        with pytest.raises(m.ProofError):
            m.verify_consistency(*args)  # type: ignore[arg-type]
    # The proof for other sizes, each checked with that size's true root, fails.
    more = leaves + [b"later " + i.to_bytes(4, "big") for i in range(second, second * 2)]
    other_first = data.draw(st.integers(1, second).filter(lambda x: x != first))
    with pytest.raises(m.ProofError):
        m.verify_consistency(other_first, second, ref.mth(leaves[:other_first]), r2, path)
    other_second = data.draw(st.integers(first, second * 2).filter(lambda x: x != second))
    with pytest.raises(m.ProofError):
        m.verify_consistency(first, other_second, r1, ref.mth(more[:other_second]), path)
    # A history rewritten anywhere in the first tree is caught.
    changed = [*leaves]
    changed[data.draw(st.integers(0, first - 1))] = b"rewritten"
    forged = m.consistency_path(first, second, oracle(changed))
    with pytest.raises(m.ProofError):
        m.verify_consistency(first, second, r1, ref.mth(changed), forged)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=12), min_size=1, max_size=300), st.integers(0, 5))
def test_roots_and_ranges_agree_with_the_reference(leaves: list[bytes], base: int) -> None:
    hashes = [m.leaf_hash(x) for x in leaves]
    builder = m.TreeBuilder(record=True)
    for i, h in enumerate(hashes):
        builder.append(h)
        assert builder.root() == ref.mth(leaves[:i + 1])
    perfect = {(level, index): h for level, index, h in builder.formed}
    for level, index in perfect:
        start = index << level
        assert perfect[(level, index)] == ref.mth(leaves[start:start + (1 << level)])
    for size in range(1, len(leaves) + 1):
        assert m.range_hash(0, size, lambda lv, ix: perfect[(lv, ix)]) == ref.mth(leaves[:size])
        parts = m.decomposition(size)
        assert sum(1 << lv for lv, _ in parts) == size
    # A builder started at a higher level, fed perfect block roots, forms the same nodes.
    block = 1 << base
    blocks = len(leaves) // block
    upper = m.TreeBuilder(base_level=base, record=True)
    for b in range(blocks):
        upper.append(m.perfect_root(hashes[b * block:(b + 1) * block]))
    for level, index, h in upper.formed:
        assert perfect[(level, index)] == h
    if blocks:
        assert upper.root() == ref.mth(leaves[:blocks * block])
