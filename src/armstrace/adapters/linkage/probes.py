"""The keys a reading looks up so that no serial within two edits is missed.

The index stores, for every registry serial ``s`` of length ``n`` (folded):

* ``E``  - the whole serial;
* ``M1`` - ``s`` with position ``p`` deleted, tagged with ``(n, p)``;
* ``M2`` - ``s`` with positions ``i < j`` deleted, tagged with ``(n, i, j)``.

Tagging the positions makes each key say exactly which characters of ``s`` are
free, so a hit is nearly always a real neighbour (an untagged symmetric-deletion
index meets every serial of a sequential batch several times over). The price
is that a reading has to ask more precise questions, one per way an OSA edit
script of length <= 2 can turn the reading ``q`` (length ``m``) into ``s``:

===== ======= ================================================ ================
class  n       script                                           probe
===== ======= ================================================ ================
A      m       up to 2 substitutions (incl. one transposition)  M2(q, i, j)
B      m       transposition at t + substitution at p           M1(swap_t q, p)
C      m       two transpositions                               E(swap swap q)
D      m       delete at i, insert at j, abs(i-j) >= 2          M1(del_i q, j)
E1     m-1     one deletion                                     E(del_i q)
E2     m-1     deletion + substitution                          M1(del_ab q, .)
E3     m-1     deletion + transposition (apart)                 E(swap del_i q)
F      m-2     two deletions                                    E(del_ab q)
G1     m+1     one insertion                                    M1(q, p)
G2     m+1     insertion + substitution                         M2(del_r q, a, b)
G3     m+1     insertion + transposition (apart)                M1(swap_t q, p)
H      m+2     two insertions                                   M2(q, a, b)
===== ======= ================================================ ================

Insert/delete pairs with abs(i-j) <= 1 only touch two neighbouring positions, so
they are class A. OSA never edits a substring twice, so these twelve cover every
script, and the probes leave out the overlapping combinations (a character
deleted or inserted between a swapped pair) that OSA would count as three;
``tests/unit/test_candidates_properties.py`` checks both directions exhaustively
on short strings and with Hypothesis on long ones.

Each probe also carries the *script map* it assumes: for every position of
``s``, the position of ``q`` it must equal (or "free" for a substituted or
inserted character). A hit is verified against that map on the bytes
themselves, which proves the distance bound without calling an edit-distance
routine. Class-A hits are verified by their mismatch mask instead, which also
picks exactly one of the several A probes that meet the same serial.

A ``ProbePlan`` depends only on the reading length and on which registry
lengths exist, so it is computed once and cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from armstrace.adapters.linkage.deletion_keys import (
    BASE_INV,
    FAMILY_EXACT,
    FAMILY_MASK1,
    FAMILY_MASK2,
    MAX_LEN,
    POW,
    mix,
    salt,
)

__all__ = ["FREE", "ProbePlan", "probe_keys", "probe_plan"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
FREE = -1  # script map: this position of s is substituted or inserted
BEYOND = -2  # script map: past the end of s

_BINV = np.uint64(BASE_INV)
_MASK64 = (1 << 64) - 1
_SWAP = np.array(
    [(int(POW[t]) - int(POW[t + 1])) & _MASK64 for t in range(len(POW) - 1)], dtype=np.uint64
)


@dataclass(frozen=True, eq=False)
class ProbePlan:
    """Every probe of a reading of length ``m``, in columns.

    The first ``n_a`` probes are class A (``tags`` holds their position pairs as
    bit masks). ``maps[k]`` is probe k's script map over ``width`` positions,
    ``dist[k]`` the distance it proves (class A: computed from the mismatches).
    """

    m: int
    n_a: int
    salts: U64
    tags: U64
    target_len: npt.NDArray[np.int16]
    dist: npt.NDArray[np.uint8]
    maps: npt.NDArray[np.int8]
    labels: tuple[str, ...]
    # script maps as gathers: for each probe and each position of s (padded to a
    # multiple of 8), the position of q it must equal (``m`` = a zero byte, used
    # past the end of s and at free positions), and which bytes are checked
    gather: npt.NDArray[np.int64]
    keep: U64
    keep_cols: tuple[U64, ...]
    # class A: the two free positions, and which mismatch patterns at them make
    # this probe the canonical one (bit ``2*at_i + at_j`` of ``a_accept``)
    a_i: I64
    a_j: I64
    a_accept: npt.NDArray[np.uint8]
    # pairs of reading positions that must hold different characters for the probe
    # to be worth asking (a swap of equal characters, or deleting the second of two
    # equal ones, repeats another probe or an A case); -1 where there is none
    differ: npt.NDArray[np.int64]
    # recipes: (class, index arrays) evaluated by ``probe_keys``
    recipes: tuple[tuple[str, tuple[I64, ...]], ...]

    @property
    def size(self) -> int:
        return len(self.salts)


def _r_del(positions: tuple[int, ...], k: int) -> int:
    """Position in q of position k of q with ``positions`` deleted."""
    for p in sorted(positions):
        if k >= p:
            k += 1
    return k


def _swap(t: int, k: int) -> int:
    return t + 1 if k == t else t if k == t + 1 else k


@cache
def probe_plan(m: int, present: frozenset[int], substitutions_only: bool) -> ProbePlan:
    """The cached plan for readings of length ``m`` (``present``: registry lengths)."""
    salts: list[np.uint64] = []
    tags: list[int] = []
    tlen: list[int] = []
    dist: list[int] = []
    maps: list[list[int]] = []
    labels: list[str] = []
    recipes: list[tuple[str, tuple[I64, ...]]] = []

    differ: list[tuple[int, int, int, int]] = []

    def add(
        label: str, n: int, s: np.uint64, mp: list[int], d: int, tag: int = 0,
        must_differ: tuple[int, int, int, int] = (-1, -1, -1, -1),
    ) -> None:
        salts.append(s)
        tags.append(tag)
        tlen.append(n)
        dist.append(d)
        maps.append(mp)
        labels.append(label)
        differ.append(must_differ)

    def recipe(label: str, *cols: list[int]) -> None:
        recipes.append((label, tuple(np.array(c, dtype=np.int64) for c in cols)))

    pairs = [(i, j) for i in range(m) for j in range(i + 1, m)]
    pair_ix = {pr: k for k, pr in enumerate(pairs)}
    ident = list(range(m))
    same = m in present
    if same:
        for i, j in pairs:
            mp = [FREE if k in (i, j) else k for k in ident]
            add("A", m, salt(FAMILY_MASK2, m, i, j), mp, 0, (1 << i) | (1 << j))
        recipe("A", list(range(len(pairs))))
    n_a = len(salts)
    if not substitutions_only and same:
        qs, ts, fs = [], [], []
        for t in range(m - 1):
            for p in range(m):
                if p in (t, t + 1):
                    continue
                mp = [FREE if k == p else _swap(t, k) for k in ident]
                add("B", m, salt(FAMILY_MASK1, m, p), mp, 2, must_differ=(t, t + 1, -1, -1))
                qs.append(p)
                ts.append(t)
                fs.append(1 if p < t else 0)
        recipe("B", qs, ts, fs)
        t1s, t2s = [], []
        exact_m = salt(FAMILY_EXACT, m)
        for t1 in range(m - 1):
            for t2 in range(t1 + 2, m - 1):
                add("C", m, exact_m, [_swap(t1, _swap(t2, k)) for k in ident], 2,
                    must_differ=(t1, t1 + 1, t2, t2 + 1))
                t1s.append(t1)
                t2s.append(t2)
        recipe("C", t1s, t2s)
        ds = []
        for i in range(m):
            for j in range(m):
                if abs(i - j) >= 2:
                    mp = [_r_del((i,), k) if k < j else FREE if k == j else _r_del((i,), k - 1)
                          for k in ident]
                    # deleting the second of two equal characters repeats the
                    # first's probe, or an A case when that one is not made
                    run = (i - 1, i, -1, -1) if i > 0 else (-1, -1, -1, -1)
                    add("D", m, salt(FAMILY_MASK1, m, j), mp, 2, must_differ=run)
                    ds.append(i)
        recipe("D", ds)
    n = m - 1
    if not substitutions_only and n >= 1 and n in present:
        exact_n = salt(FAMILY_EXACT, n)
        for i in range(m):
            add("E1", n, exact_n, [_r_del((i,), k) for k in range(n)], 1,
                must_differ=(i - 1, i, -1, -1) if i > 0 else (-1, -1, -1, -1))
        recipe("E1", list(range(m)))
        e2 = []
        for a, b in pairs:
            # delete one of a, b and substitute the other; when b == a + 1 both
            # choices give the same variant, tag and map, so one probe suffices
            for deleted, subbed in ((a, b),) if b == a + 1 else ((a, b), (b, a)):
                p = subbed - 1 if subbed > deleted else subbed  # subbed's position in s
                mp = [FREE if k == p else _r_del((deleted,), k) for k in range(n)]
                add("E2", n, salt(FAMILY_MASK1, n, p), mp, 2)
                e2.append(pair_ix[a, b])
        recipe("E2", e2)
        e3i, e3t, e3l, e3r = [], [], [], []
        for i in range(m):
            for t in range(m - 2):
                if i == t + 1:
                    continue  # deleted character between the swapped pair: not OSA
                add("E3", n, exact_n, [_r_del((i,), _swap(t, k)) for k in range(n)], 2,
                    must_differ=(_r_del((i,), t), _r_del((i,), t + 1), -1, -1))
                e3i.append(i)
                e3t.append(t)
                e3l.append(_r_del((i,), t))
                e3r.append(_r_del((i,), t + 1))
        recipe("E3", e3i, e3t, e3l, e3r)
    n = m - 2
    if not substitutions_only and n >= 1 and n in present:
        exact_n = salt(FAMILY_EXACT, n)
        for a, b in pairs:
            add("F", n, exact_n, [_r_del((a, b), k) for k in range(n)], 2)
        recipe("F", [pair_ix[a, b] for a, b in pairs])
    n = m + 1
    if not substitutions_only and n <= MAX_LEN and n in present:
        for p in range(n):
            add("G1", n, salt(FAMILY_MASK1, n, p), [k if k < p else FREE if k == p else k - 1
                                                     for k in range(n)], 1)
        recipe("G1", list(range(n)))
        g2 = []
        for a in range(n):
            for b in range(a + 1, n):
                for ins, sub in ((a, b), (b, a)):
                    if ins == b and a == b - 1:
                        continue  # same probe as (ins=a, sub=b)
                    mp = [FREE if k in (ins, sub) else (k if k < ins else k - 1)
                          for k in range(n)]
                    r = sub if sub < ins else sub - 1  # q position deleted by the probe
                    g2.append((a, b, r, mp))
        for a, b, _, mp in g2:
            add("G2", n, salt(FAMILY_MASK2, n, a, b), mp, 2)
        recipe("G2", [r for _, _, r, _ in g2])
        g3t = []
        for t in range(m - 1):
            for p in range(n):
                if p == t + 1:
                    continue  # inserted between the swapped pair: not OSA
                mp = [_swap(t, k) if k < p else FREE if k == p else _swap(t, k - 1)
                      for k in range(n)]
                add("G3", n, salt(FAMILY_MASK1, n, p), mp, 2, must_differ=(t, t + 1, -1, -1))
                g3t.append(t)
        recipe("G3", g3t)
    n = m + 2
    if not substitutions_only and n <= MAX_LEN and n in present:
        cnt = 0
        for a in range(n):
            for b in range(a + 1, n):
                mp = [FREE if k in (a, b) else k - (k > a) - (k > b) for k in range(n)]
                add("H", n, salt(FAMILY_MASK2, n, a, b), mp, 2)
                cnt += 1
        recipe("H", [cnt])
    width = m + 2
    map_arr = np.full((len(maps), width), BEYOND, dtype=np.int8)
    for k, mp in enumerate(maps):
        map_arr[k, : len(mp)] = mp
    cols = -(-(m + 3) // 8) * 8
    gather = np.full((len(maps), cols), m, dtype=np.int64)
    keep = np.full((len(maps), cols), 0xFF, dtype=np.uint8)
    for k, mp in enumerate(maps):
        for pos, src in enumerate(mp):
            if src >= 0:
                gather[k, pos] = src
            else:
                keep[k, pos] = 0
    a_pairs = [(i, j) for i, j in pairs] if same else []
    accept = []
    for i, j in a_pairs:
        bits = 1 << 3  # both positions differ: always this probe
        if i == 0:
            bits |= 1 << 1  # only j differs: canonical pair {0, j}
        if (i, j) == (0, 1):
            bits |= (1 << 2) | (1 << 0)  # only position 0, or nothing, differs
        accept.append(bits)
    keep_words = keep.view(np.uint64).reshape(len(maps), cols // 8)
    return ProbePlan(
        differ=np.array(differ, dtype=np.int64).reshape(len(differ), 4),
        keep_cols=tuple(np.ascontiguousarray(keep_words[:, w]) for w in range(cols // 8)),
        a_i=np.array([i for i, _ in a_pairs], dtype=np.int64),
        a_j=np.array([j for _, j in a_pairs], dtype=np.int64),
        a_accept=np.array(accept, dtype=np.uint8),
        gather=gather,
        keep=keep.view(np.uint64).reshape(len(maps), cols // 8),
        m=m,
        n_a=n_a,
        salts=np.array(salts, dtype=np.uint64),
        tags=np.array(tags, dtype=np.uint64),
        target_len=np.array(tlen, dtype=np.int16),
        dist=np.array(dist, dtype=np.uint8),
        maps=map_arr,
        labels=tuple(labels),
        recipes=tuple(recipes),
    )


def probe_keys(plan: ProbePlan, codes: U64) -> U64:
    """Keys of shape (rows, plan.size) for a block of readings of length ``plan.m``."""
    rows, m = codes.shape
    p = np.zeros((rows, m + 1), dtype=np.uint64)
    np.cumsum(codes * POW[:m], axis=1, out=p[:, 1:])
    h: U64 = p[:, m : m + 1]
    d1: U64 = p[:, :m] + (h - p[:, 1:]) * _BINV
    delta: U64 = (codes[:, 1:] - codes[:, :-1]) * _SWAP[: m - 1]
    ii = np.array([i for i in range(m) for j in range(i + 1, m)], dtype=np.int64)
    jj = np.array([j for i in range(m) for j in range(i + 1, m)], dtype=np.int64)
    binv2 = np.uint64((BASE_INV * BASE_INV) & _MASK64)
    d2: U64 = p[:, ii] + (p[:, jj] - p[:, ii + 1]) * _BINV + (h - p[:, jj + 1]) * binv2
    blocks: list[U64] = []
    for label, cols in plan.recipes:
        if label in ("A", "E2", "F"):
            blocks.append(d2[:, cols[0]])
        elif label == "B":
            q, t, f = cols
            # a deletion before the swapped pair shifts it down one place
            factor = np.where(f == 1, _BINV, np.uint64(1)).astype(np.uint64)
            blocks.append(d1[:, q] + delta[:, t] * factor)
        elif label == "C":
            blocks.append(h + delta[:, cols[0]] + delta[:, cols[1]])
        elif label in ("D", "E1", "G2"):
            blocks.append(d1[:, cols[0]])
        elif label == "E3":
            i, t, left, right = cols
            blocks.append(d1[:, i] + (codes[:, right] - codes[:, left]) * _SWAP[t])
        elif label == "G1":
            blocks.append(np.repeat(h, len(cols[0]), axis=1))
        elif label == "G3":
            blocks.append(h + delta[:, cols[0]])
        elif label == "H":
            blocks.append(np.repeat(h, int(cols[0][0]), axis=1))
    base = np.concatenate(blocks, axis=1) if blocks else np.empty((rows, 0), np.uint64)
    return mix(base, plan.salts)
