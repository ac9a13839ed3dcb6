"""Candidate generation: every registry serial a recovered weapon's reading could be.

``CandidateIndex`` is built once from the registry's serials (item index =
position in the sequence) and answers readings (``SerialReading``) with
candidates: item index, edit distance and the route that found it. It promises
completeness inside a stated error model, not a ranking; scoring against maker,
model and calibre happens downstream.

The guarantee (``tests/unit/test_candidates_properties.py`` checks each clause
against brute force, exhaustively on short strings and by Hypothesis)
--------------------------------------------------------------------------------
Let ``fold`` be ``armstrace.domain.serials.fold_confusables`` and OSA the
optimal-string-alignment distance (substitution, insertion, deletion, adjacent
transposition, each costing 1, no substring edited twice). For a readable
reading ``r`` and a registry serial ``s``, both normalised and both at most
``MAX_LEN`` = 32 characters, and ``max_edits`` in 0..2:

1. No wildcards in ``r``: ``s`` is returned whenever
   ``OSA(fold(r), fold(s)) <= max_edits``, with that distance. Look-alikes cost
   nothing because both sides are folded.
2. ``k`` wildcards (``?``, one character each), ``k <= 2``: ``s`` is returned
   whenever it has the same length and differs from ``fold(r)`` in at most
   ``min(max_edits, 2 - k)`` readable positions; distance = that count. (The
   wildcards use up the index's two free positions.)
3. ``k >= 3`` wildcards: ``s`` is returned whenever it matches the pattern
   (same length, every readable position equal after folding); distance 0.
4. Dropped prefix or lost leading zeros (no wildcards): ``s`` is returned
   whenever one of ``reading_cores(r)`` equals one of ``serial_cores(s)`` and has
   at least ``MIN_CORE_LEN`` = 3 characters, even when the full distance is
   larger (route ``digit_core``, distance = the full OSA distance).

Serials and readings longer than 32 characters (not seen in real markings) meet
by exact match only; readings of one or two characters are compared with every
serial of up to four. Nothing else is promised, and nothing in the promise rests
on luck: every key hit is checked on the serials' bytes before it is reported,
so a hash collision can only cost time, never add or hide a candidate.

Routes: ``exact`` (canonical strings equal), ``confusable`` (equal only after
folding), ``wildcard`` (the reading has ``?``), ``deletion`` (within the edit
budget), ``digit_core`` (clause 4 only).

How: ``deletion_keys`` hashes every serial and its one- and two-position
deletions, tagged with the positions, into one sorted uint64 array bucketed by
the top bits (CSR offsets); ``probes`` lists the keys a reading must look up, one
family per OSA script, with the script's map used to verify hits. Substitution
neighbours (most candidates in sequential batches) are verified by a byte
mismatch mask computed a word at a time, which also keeps exactly one of the
several probes that meet them. Patterns with three or more wildcards use the
length group sorted by prefix and by suffix; digit cores use their own keys and
rapidfuzz for the full distance.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from armstrace.adapters.linkage.deletion_keys import (
    ALPHABET,
    BASE,
    FAMILY_CORE,
    FAMILY_EXACT,
    FAMILY_MASK1,
    FAMILY_MASK2,
    MAX_LEN,
    POW_INV,
    codes_of,
    del1,
    del2,
    mix,
    prefix_hashes,
    salt,
)
from armstrace.adapters.linkage.probes import ProbePlan, probe_keys, probe_plan
from armstrace.domain.serials import (
    CONFUSABLES,
    WILDCARD,
    SerialReading,
    digit_core,
    is_canonical,
    normalise_serial,
    serial_cores,
)

__all__ = [
    "INDEX_VERSION",
    "MIN_CORE_LEN",
    "ROUTES",
    "Candidate",
    "CandidateBatch",
    "CandidateIndex",
    "Route",
]

INDEX_VERSION = 1
MIN_CORE_LEN = 3
SHORT_LEN = 2  # readings this short are compared with every short serial directly
CHUNK = 1024  # readings per vectorised block (< 2**11: row ids fit the sort key)

_T = TypeVar("_T")
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]


class Route(IntEnum):
    """How a candidate was found; lower is more direct."""

    EXACT = 0
    CONFUSABLE = 1
    WILDCARD = 2
    DELETION = 3
    DIGIT_CORE = 4


ROUTES: tuple[str, ...] = ("exact", "confusable", "wildcard", "deletion", "digit_core")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One registry item a reading may stand for."""

    item: int
    distance: int
    route: str


@dataclass(frozen=True, eq=False)
class CandidateBatch:
    """Candidates of many readings in columns (a list of objects would not fit).

    Reading ``k``'s candidates are rows ``offsets[k]:offsets[k+1]``, ordered by
    distance, then route (``Route`` order); ties come in a fixed order that
    depends only on the index and the readings.
    """

    offsets: I64
    items: I32
    distances: U8
    routes: U8

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def counts(self) -> I64:
        return np.diff(self.offsets)

    def for_query(self, k: int) -> list[Candidate]:
        a, b = int(self.offsets[k]), int(self.offsets[k + 1])
        return [
            Candidate(int(i), int(d), ROUTES[int(r)])
            for i, d, r in zip(
                self.items[a:b], self.distances[a:b], self.routes[a:b], strict=True
            )
        ]


# --- byte tables ---------------------------------------------------------------
_FOLD_LUT = np.arange(256, dtype=np.uint8)
for _src, _dst in CONFUSABLES.items():
    _FOLD_LUT[ord(_src)] = ord(_dst)
_STRIP_LUT = np.zeros(256, dtype=bool)  # leading characters digit_core strips
for _ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0":
    _STRIP_LUT[ord(_ch)] = True
_WILD = ord(WILDCARD)
_FOLD_TABLE = str.maketrans(CONFUSABLES)
_HAS_SEPARATOR = re.compile(r"[\s./-]")
_ONES = np.uint64(0x0101010101010101)
_MOVEMASK = np.uint64(0x0102040810204080)
_SALT_CORE = np.array([salt(FAMILY_CORE, n) for n in range(MAX_LEN + 1)], dtype=np.uint64)
_SALT_EXACT = np.array([salt(FAMILY_EXACT, n) for n in range(MAX_LEN + 1)], dtype=np.uint64)
_EMPTY_I64 = np.empty(0, dtype=np.int64)
_EMPTY_I32 = np.empty(0, dtype=np.int32)
_EMPTY_U8 = np.empty(0, dtype=np.uint8)


def _width(n: int) -> int:
    return max(8, -(-n // 8) * 8)


def _encode(strings: Sequence[str], width: int) -> U8:
    """ASCII rows (len(strings), width), zero padded; longer strings truncated."""
    arr = np.array(strings, dtype=f"S{width}") if strings else np.empty(0, f"S{width}")
    return arr.view(np.uint8).reshape(len(strings), width)


def _byte_mismatch_bits(x: U64) -> U64:
    """Per uint64 word: bit k set when byte k is non-zero."""
    x = x | (x >> np.uint64(4))
    x |= x >> np.uint64(2)
    x |= x >> np.uint64(1)
    x &= _ONES
    return (x * _MOVEMASK) >> np.uint64(56)


def _popcount(x: U64) -> npt.NDArray[np.uint8]:
    return np.bitwise_count(x)


@dataclass(slots=True)
class _Found:
    """Verified candidates of one part, sorted by (query, distance, route, item)."""

    qid: I64
    item: I32
    dist: U8
    route: U8


_NONE = _Found(_EMPTY_I64, _EMPTY_I32, _EMPTY_U8, _EMPTY_U8)


def _found(qid: I64, item: I32, dist: U8, route: U8) -> _Found:
    """A part with its rows put in output order: query, distance, route.

    A stable sort, so ties keep the order they were found in (deterministic);
    parts arrive mostly grouped already, which the stable sort exploits.
    """
    if len(qid) == 0:
        return _NONE
    key = (
        (qid.astype(np.uint64) << np.uint64(11))
        | (dist.astype(np.uint64) << np.uint64(3))
        | route.astype(np.uint64)
    )
    order = np.argsort(key, kind="stable")
    return _Found(qid[order], item[order], dist[order], route[order])


class CandidateIndex:
    """Position-tagged deletion index over the registry's folded serials."""

    def __init__(
        self,
        *,
        lengths: npt.NDArray[np.int32],
        canonical: U8,
        entries: U64,
        offsets: npt.NDArray[Any],
        bucket_bits: int,
        item_bits: int,
        long_serials: dict[int, str],
    ) -> None:
        self.lengths = lengths
        self.canonical = canonical
        self.folded = _FOLD_LUT[canonical]
        self.entries = entries
        self.offsets = offsets
        self.bucket_bits = bucket_bits
        self.item_bits = item_bits
        self.long_serials = long_serials
        self._shift = np.uint64(64 - bucket_bits)
        self._item_mask = np.uint64((1 << item_bits) - 1)
        self._hi_mask = ~self._item_mask
        width = canonical.shape[1]
        # serials as 8-byte words, one contiguous array per word position: numpy
        # gathers 1-D arrays much faster than rows of a 2-D one
        words = self.folded.view(np.uint64).reshape(len(lengths), width // 8)
        cwords = np.ascontiguousarray(canonical).view(np.uint64).reshape(len(lengths), width // 8)
        self._wcol = [np.ascontiguousarray(words[:, w]) for w in range(width // 8)]
        self._ccol = [np.ascontiguousarray(cwords[:, w]) for w in range(width // 8)]
        self._fbytes = self.folded.view(f"S{width}").reshape(len(lengths))
        present = np.bincount(lengths[lengths <= MAX_LEN], minlength=MAX_LEN + 1)
        self.lengths_present = frozenset(int(n) for n in np.flatnonzero(present) if n > 0)
        self._pattern_cache: dict[tuple[int, bool], tuple[I64, U64]] = {}
        self._short_ids: I64 | None = None

    # --- construction -------------------------------------------------------
    @property
    def n_items(self) -> int:
        return len(self.lengths)

    @classmethod
    def build(
        cls, serials: Sequence[str], *, load: float = 1.0, workers: int = 1
    ) -> CandidateIndex:
        """Index ``serials`` (registry, as marked); item index = position.

        Serials are normalised with ``normalise_serial``; unreadable ones keep
        their position but never match. ``load`` is the mean number of keys per
        hash bucket (memory against speed); ``workers`` threads share the work
        (numpy releases the GIL in the heavy steps).
        """
        canon = [s if is_canonical(s) else normalise_serial(s).canonical for s in serials]
        n_items = len(canon)
        lengths = np.fromiter(map(len, canon), dtype=np.int32, count=n_items)
        width = _width(min(int(lengths.max(initial=0)), MAX_LEN))
        canonical = _encode(canon, width)
        folded = _FOLD_LUT[canonical]
        item_bits = max(1, math.ceil(math.log2(max(n_items, 2))))
        if item_bits > 40:
            raise ValueError("too many items for one index")
        core_first = _core_starts(canonical, lengths)
        core_ok = (core_first > 0) & (lengths - core_first >= MIN_CORE_LEN) & (lengths <= MAX_LEN)

        # cores after a separator of the marking ("196-12345" -> "12345")
        seg_items: list[int] = []
        seg_cores: list[str] = []
        for i, raw in enumerate(serials):
            if lengths[i] <= MAX_LEN and _HAS_SEPARATOR.search(raw):
                own = digit_core(canon[i])
                for core in serial_cores(raw, canon[i]):
                    if core != own and len(core) >= MIN_CORE_LEN:
                        seg_items.append(i)
                        seg_cores.append(core)
        long_ids = np.flatnonzero(lengths > MAX_LEN)

        # one task per (length, block of items), each writing its own slice
        order = np.argsort(lengths, kind="stable")
        bounds = np.searchsorted(lengths[order], np.arange(MAX_LEN + 2))
        tasks: list[tuple[int, I64, int]] = []
        total = 0
        for n in range(1, MAX_LEN + 1):
            ids_n = order[bounds[n] : bounds[n + 1]]
            for start in range(0, len(ids_n), 1 << 16):
                ids = ids_n[start : start + (1 << 16)].astype(np.int64)
                tasks.append((n, ids, total))
                total += len(ids) * (1 + n + n * (n - 1) // 2) + int(core_ok[ids].sum())
        tail = total
        total += len(seg_cores) + len(long_ids)
        bucket_bits = max(4, math.ceil(math.log2(max(total, 2) / load)))
        entries = np.empty(total, dtype=np.uint64)
        hi_mask = ~np.uint64((1 << item_bits) - 1)

        def run(task: tuple[int, I64, int]) -> None:
            n, ids, pos = task
            items = ids.astype(np.uint64)
            p = prefix_hashes(codes_of(folded[ids, :n]))
            keys = [mix(p[:, n], salt(FAMILY_EXACT, n))]
            keys += [mix(del1(p, n, i), salt(FAMILY_MASK1, n, i)) for i in range(n)]
            keys += [
                mix(del2(p, n, i, j), salt(FAMILY_MASK2, n, i, j))
                for i in range(n)
                for j in range(i + 1, n)
            ]
            for k in keys:
                np.bitwise_and(k, hi_mask, out=entries[pos : pos + len(ids)])
                entries[pos : pos + len(ids)] |= items
                pos += len(ids)
            rows = np.flatnonzero(core_ok[ids])
            if len(rows):
                first = core_first[ids[rows]]
                core_hash = (p[rows, n] - p[rows, first]) * POW_INV[first]
                k = mix(core_hash, _SALT_CORE[n - first])
                entries[pos : pos + len(rows)] = (k & hi_mask) | items[rows]

        _parallel(run, tasks, workers)
        extra_keys = [_core_keys(seg_cores)] if seg_cores else []
        extra_items = [np.array(seg_items, dtype=np.uint64)]
        long_serials = {int(i): canon[int(i)] for i in long_ids}
        if len(long_ids):
            extra_keys.append(_exact_keys([_fold(canon[int(i)]) for i in long_ids]))
            extra_items.append(long_ids.astype(np.uint64))
        if extra_keys:
            entries[tail:] = (np.concatenate(extra_keys) & hi_mask) | np.concatenate(extra_items)
        _sort(entries, workers)
        return cls(
            lengths=lengths,
            canonical=canonical,
            entries=entries,
            offsets=_bucket_offsets(entries, bucket_bits),
            bucket_bits=bucket_bits,
            item_bits=item_bits,
            long_serials=long_serials,
        )

    def save(self, path: Path | str) -> None:
        """Write the index as one uncompressed ``.npz`` (fast to load)."""
        ids = np.array(sorted(self.long_serials), dtype=np.int64)
        np.savez(
            Path(path),
            meta=np.array([INDEX_VERSION, self.bucket_bits, self.item_bits], dtype=np.int64),
            lengths=self.lengths,
            canonical=self.canonical,
            entries=self.entries,
            offsets=self.offsets,
            long_ids=ids,
            long_serials=np.array([self.long_serials[int(i)] for i in ids], dtype=str),
        )

    @classmethod
    def load(cls, path: Path | str) -> CandidateIndex:
        with np.load(Path(path), allow_pickle=False) as z:
            version, bucket_bits, item_bits = (int(v) for v in z["meta"])
            if version != INDEX_VERSION:
                raise ValueError(f"index format {version}, this code reads {INDEX_VERSION}")
            return cls(
                lengths=z["lengths"],
                canonical=z["canonical"],
                entries=z["entries"],
                offsets=z["offsets"],
                bucket_bits=bucket_bits,
                item_bits=item_bits,
                long_serials={
                    int(i): str(s) for i, s in zip(z["long_ids"], z["long_serials"], strict=True)
                },
            )

    # --- queries --------------------------------------------------------------
    def query(self, reading: SerialReading, max_edits: int = 2) -> list[Candidate]:
        """Candidates of one reading: by distance, route, then item index."""
        found = self.query_many([reading], max_edits=max_edits).for_query(0)
        return sorted(found, key=lambda c: (c.distance, ROUTES.index(c.route), c.item))

    def query_many(
        self, readings: Sequence[SerialReading], max_edits: int = 2, *, workers: int = 1
    ) -> CandidateBatch:
        """Candidates of many readings at once (vectorised; use this for batches).

        ``workers`` threads process blocks of readings side by side.
        """
        if not 0 <= max_edits <= 2:
            raise ValueError("max_edits must be 0, 1 or 2")
        parts: list[_Found] = []
        canon = [r.canonical if r.readable else "" for r in readings]
        lengths = np.fromiter(map(len, canon), dtype=np.int64, count=len(canon))
        wild = np.fromiter((c.count(WILDCARD) for c in canon), dtype=np.int64, count=len(canon))
        main = (lengths > SHORT_LEN) & (lengths <= MAX_LEN) & (wild <= 2)
        blocks: list[tuple[I64, int, bool]] = []
        for m in np.unique(lengths[main]):
            for has_wild in (False, True):
                sel = np.flatnonzero(main & (lengths == m) & ((wild > 0) == has_wild))
                blocks += [(sel[a : a + CHUNK], int(m), has_wild) for a in range(0, len(sel), CHUNK)]

        def run(block: tuple[I64, int, bool]) -> _Found:
            qids, m, has_wild = block
            return self._main_block(qids, [canon[i] for i in qids], m, has_wild, max_edits)

        if workers > 1 and len(blocks) > 1:
            with ThreadPoolExecutor(workers) as pool:
                parts.extend(pool.map(run, blocks))
        else:
            parts.extend(run(b) for b in blocks)
        for q in np.flatnonzero((lengths > 0) & (lengths <= SHORT_LEN)):
            parts.append(self._short(int(q), canon[int(q)], max_edits))
        pat_q = np.flatnonzero((lengths > SHORT_LEN) & (lengths <= MAX_LEN) & (wild > 2))
        parts.append(self._patterns(pat_q, [canon[int(i)] for i in pat_q]))
        for q in np.flatnonzero(lengths > MAX_LEN):
            parts.append(self._long(int(q), canon[int(q)]))
        core_q = np.flatnonzero((lengths >= MIN_CORE_LEN) & (lengths <= MAX_LEN) & (wild == 0))
        parts.append(self._cores(core_q, [canon[int(i)] for i in core_q], max_edits))
        return _assemble(parts, len(readings))

    # --- lookups -------------------------------------------------------------
    def _lookup(self, keys: U64) -> tuple[I64, I32]:
        """(probe index, item) for every index entry whose key equals a probe's."""
        b = (keys >> self._shift).view(np.int64)
        lo = self.offsets.take(b)
        cnt = self.offsets[1:].take(b) - lo
        nz = np.flatnonzero(cnt)
        if len(nz) == 0:
            return _EMPTY_I64, _EMPTY_I32
        lo, cnt = lo[nz].astype(np.int64), cnt[nz].astype(np.int64)
        ends = np.cumsum(cnt)
        probe = np.repeat(nz, cnt)
        pos = np.arange(ends[-1], dtype=np.int64)
        pos -= np.repeat(ends - cnt - lo, cnt)
        e = self.entries.take(pos)
        x = e ^ keys.take(probe)
        ok = (x & self._hi_mask) == 0
        return probe[ok], (e[ok] & self._item_mask).astype(np.int32)

    def _main_block(
        self, qids: I64, block: list[str], m: int, has_wild: bool, max_edits: int
    ) -> _Found:
        qc = _encode(block, _width(m))
        qf = _FOLD_LUT[qc]
        plan = probe_plan(m, self.lengths_present, has_wild)
        keys = probe_keys(plan, codes_of(qf[:, :m])).ravel()
        if has_wild:
            is_w = (qf[:, :m] == _WILD).astype(np.uint64)
            wbits = (is_w << np.arange(m, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
            # only the A pairs that delete every wildcard position can match
            valid = np.flatnonzero(((wbits[:, None] & ~plan.tags[None, :]) == 0).ravel())
            probe, item = self._lookup(keys[valid])
            probe = valid[probe]
        else:
            probe, item = self._lookup(keys)
        row, pk = np.divmod(probe, plan.size)
        a = pk < plan.n_a
        found = [self._class_a(qc, qf, row[a], pk[a], item[a], plan, has_wild, max_edits)]
        if not a.all():
            found.append(self._other_classes(qf, row[~a], pk[~a], item[~a], plan, max_edits, m))
        # output order: by row, distance, route (a stable radix sort on 16 bits);
        # ties keep discovery order, which is deterministic
        row_all = np.concatenate([f.qid for f in found])
        dist = np.concatenate([f.dist for f in found])
        route = np.concatenate([f.route for f in found])
        sort_key = (row_all.astype(np.uint16) << np.uint16(5)) | (
            np.minimum(dist, 3).astype(np.uint16) << np.uint16(3)
        ) | route.astype(np.uint16)
        order = np.argsort(sort_key, kind="stable")
        return _Found(
            qids[row_all[order]], np.concatenate([f.item for f in found])[order],
            dist[order], route[order],
        )

    def _class_a(
        self, qc: U8, qf: U8, row: I64, pk: I64, item: I32, plan: ProbePlan,
        has_wild: bool, max_edits: int,
    ) -> _Found:
        """Substitution neighbours: verify, then keep each serial once.

        A probe with free positions {i, j} meets every serial equal to the reading
        elsewhere, so an exact match is met by every probe and a one-off serial by
        m - 1 of them. The serial is kept only from its canonical probe: the one
        whose pair is its mismatch set (wildcards count as mismatches) padded
        with the lowest other positions, which ``plan.a_accept`` encodes.
        """
        if len(row) == 0:
            return _NONE
        rows, width = qf.shape
        nw = width // 8  # class A serials have the reading's length, so fit the index
        qw = qf.view(np.uint64).reshape(rows, nw)
        ok = np.ones(len(row), dtype=bool)
        for w in range(nw):
            qcol = np.ascontiguousarray(qw[:, w])
            ok &= ((self._wcol[w].take(item) ^ qcol.take(row)) & plan.keep_cols[w].take(pk)) == 0
        row, pk, item = row[ok], pk[ok], item[ok]
        pi, pj = plan.a_i[pk], plan.a_j[pk]
        sw = self.folded.shape[1]
        s_i = self.folded.ravel().take(item.astype(np.int64) * sw + pi)
        s_j = self.folded.ravel().take(item.astype(np.int64) * sw + pj)
        q_i = qf.ravel().take(row * width + pi)
        q_j = qf.ravel().take(row * width + pj)
        d_i, d_j = s_i != q_i, s_j != q_j
        if has_wild:  # a wildcard differs for canonicity but costs nothing
            w_i, w_j = q_i == _WILD, q_j == _WILD
            code = ((d_i | w_i).astype(np.uint8) << 1) | (d_j | w_j).astype(np.uint8)
            dist = (d_i & ~w_i).astype(np.uint8) + (d_j & ~w_j).astype(np.uint8)
        else:
            code = (d_i.astype(np.uint8) << 1) | d_j.astype(np.uint8)
            dist = d_i.astype(np.uint8) + d_j.astype(np.uint8)
            swapped = (code == 3) & (pj == pi + 1) & (s_i == q_j) & (s_j == q_i)
            dist[swapped] = 1
        keep = (((plan.a_accept[pk] >> code) & 1) == 1) & (dist <= max_edits)
        row, item, dist = row[keep], item[keep], dist[keep]
        if has_wild:
            route = np.full(len(row), Route.WILDCARD, dtype=np.uint8)
        else:
            route = np.full(len(row), Route.DELETION, dtype=np.uint8)
            z = np.flatnonzero(dist == 0)
            cw = qc.view(np.uint64).reshape(rows, nw)
            same = np.ones(len(z), dtype=bool)
            for w in range(nw):
                same &= self._ccol[w].take(item[z]) == np.ascontiguousarray(cw[:, w]).take(row[z])
            route[z] = np.where(same, Route.EXACT, Route.CONFUSABLE)
        return _Found(row, item, dist, route)

    def _other_classes(
        self, qf: U8, row: I64, pk: I64, item: I32, plan: ProbePlan, max_edits: int, m: int
    ) -> _Found:
        """Hits of classes B..H: check the probe's script map on the bytes.

        The map gives, for each byte of the serial, the reading byte it must equal
        (zero past the serial's end, which also checks its length); substituted
        and inserted positions are masked out. Compared a word at a time.
        """
        rows = len(qf)
        # expected serial of every (probe, reading), built column-wise (contiguous
        # copies), then read as words: far cheaper than a byte gather per hit
        qt = np.zeros((m + 1, rows), dtype=np.uint8)
        qt[:m] = qf[:, :m].T
        cols = plan.gather.shape[1]
        table = np.ascontiguousarray(qt[plan.gather[plan.n_a :]].transpose(0, 2, 1))
        table_w = table.view(np.uint64).reshape(-1, cols // 8)
        expect_w = table_w[(pk - plan.n_a) * rows + row]
        nw = min(cols // 8, len(self._wcol))
        ok = np.ones(len(row), dtype=bool)
        for w in range(nw):
            ok &= ((self._wcol[w].take(item) ^ expect_w[:, w]) & plan.keep_cols[w].take(pk)) == 0
        row, pk, item = row[ok], pk[ok], item[ok]
        # same length and within two substitutions: class A owns it
        same = np.flatnonzero(plan.target_len[pk] == m)
        if len(same):
            qw = qf.view(np.uint64).reshape(rows, -1)
            ham = np.zeros(len(same), dtype=np.uint8)
            for w in range(qw.shape[1]):
                diff = np.ascontiguousarray(qw[:, w]).take(row[same]) ^ self._wcol[w].take(
                    item[same]
                )
                ham += _popcount(_byte_mismatch_bits(diff))
            drop = np.zeros(len(row), dtype=bool)
            drop[same[ham <= 2]] = True
            row, pk, item = row[~drop], pk[~drop], item[~drop]
        dist = plan.dist[pk]
        # one pair may satisfy several scripts: keep its smallest distance
        # rows arrive grouped, so a stable (run-merging) sort is cheap here
        key = np.sort((row << 40) | (item.astype(np.int64) << 8) | dist, kind="stable")
        first = np.ones(len(key), dtype=bool)
        first[1:] = (key[1:] >> 8) != (key[:-1] >> 8)
        key = key[first]
        dist = (key & 0xFF).astype(np.uint8)
        ok = dist <= max_edits
        key, dist = key[ok], dist[ok]
        return _Found(
            key >> 40,
            ((key >> 8) & 0xFFFFFFFF).astype(np.int32),
            dist,
            np.full(len(key), Route.DELETION, dtype=np.uint8),
        )

    def _short(self, qid: int, reading: str, max_edits: int) -> _Found:
        """Readings of one or two characters: compare with every short serial."""
        if self._short_ids is None:
            self._short_ids = np.flatnonzero((self.lengths > 0) & (self.lengths <= SHORT_LEN + 2))
        ids = self._short_ids
        q = _fold(reading).encode()
        k = reading.count(WILDCARD)
        if k:
            ids = ids[self.lengths[ids] == len(q)]
            cand = self.folded[ids, : len(q)]
            qa = np.frombuffer(q, dtype=np.uint8)
            diff = ((cand != qa) & (qa != _WILD)).sum(axis=1)
            ok = diff <= min(max_edits, 2 - k)
            return _found(
                np.full(int(ok.sum()), qid, dtype=np.int64),
                ids[ok].astype(np.int32),
                diff[ok].astype(np.uint8),
                np.full(int(ok.sum()), Route.WILDCARD, dtype=np.uint8),
            )
        d = process.cdist([q], self._fbytes[ids].tolist(), scorer=OSA.distance,
                          score_cutoff=max_edits)[0]
        ok = d <= max_edits
        sel = ids[ok]
        route = np.where(
            d[ok] == 0,
            np.where(
                [self._canon_str(int(i)) == reading for i in sel], Route.EXACT, Route.CONFUSABLE
            ),
            Route.DELETION,
        ).astype(np.uint8)
        return _found(np.full(len(sel), qid, dtype=np.int64), sel.astype(np.int32),
                      d[ok].astype(np.uint8), route)

    def _canon_str(self, item: int) -> str:
        if item in self.long_serials:
            return self.long_serials[item]
        return bytes(self.canonical[item, : self.lengths[item]]).decode()

    def _patterns(self, qids: I64, readings: list[str]) -> _Found:
        """Three or more wildcards: every same-length serial matching the pattern.

        The readable prefix selects a range of the length group sorted by string,
        the readable suffix a range of it sorted by reversed string; the smaller
        range is filtered on every readable position.
        """
        by_len: dict[int, list[int]] = {}
        for k, r in enumerate(readings):
            by_len.setdefault(len(r), []).append(k)
        out: list[_Found] = []
        for m, ks in by_len.items():
            width = _width(m)
            patt = _FOLD_LUT[_encode([readings[k] for k in ks], width)]
            known = np.where(patt == _WILD, 0, 255).astype(np.uint8)
            known[:, m:] = 255  # the padding must match too (same length)
            patt = np.where(patt == _WILD, 0, patt).astype(np.uint8)
            patt_w = patt.view(np.uint64).reshape(len(ks), width // 8)
            known_w = known.view(np.uint64).reshape(len(ks), width // 8)
            ranges = []
            for reverse in (False, True):
                ids, words = self._sorted_group(m, reverse)
                fixed = [
                    _fold(r[::-1][: r[::-1].index(WILDCARD)] if reverse
                          else r[: r.index(WILDCARD)]).encode()
                    for r in (readings[k] for k in ks)
                ]
                ranges.append((ids, *_prefix_ranges(words, fixed)))
            (f_ids, f_lo, f_hi), (r_ids, r_lo, r_hi) = ranges
            use_rev = (r_hi - r_lo) < (f_hi - f_lo)
            for reverse, sel in ((False, ~use_rev), (True, use_rev)):
                ids, lo, hi = (r_ids, r_lo, r_hi) if reverse else (f_ids, f_lo, f_hi)
                rows = np.flatnonzero(sel)
                cnt = (hi - lo)[rows]
                total = int(cnt.sum())
                if total == 0:
                    continue
                ends = np.cumsum(cnt)
                rep = np.repeat(rows, cnt)
                cand = ids[np.arange(total) - np.repeat(ends - cnt - lo[rows], cnt)]
                ok = np.ones(total, dtype=bool)
                for w in range(width // 8):
                    ok &= (self._wcol[w].take(cand) & known_w[rep, w]) == patt_w[rep, w]
                n_ok = int(ok.sum())
                out.append(_Found(qids[np.array(ks)][rep[ok]], cand[ok].astype(np.int32),
                                  np.zeros(n_ok, dtype=np.uint8),
                                  np.full(n_ok, Route.WILDCARD, dtype=np.uint8)))
        if not out:
            return _NONE
        return _found(*(np.concatenate(c) for c in zip(
            *((f.qid, f.item, f.dist, f.route) for f in out), strict=True)))

    def _sorted_group(self, n: int, reverse: bool) -> tuple[I64, U64]:
        """Items of length ``n`` sorted by folded string (or by its reverse): lazy."""
        key = (n, reverse)
        if key not in self._pattern_cache:
            ids = np.flatnonzero(self.lengths == n)
            rows = self.folded[ids, :n]
            if reverse:
                rows = rows[:, ::-1]
            width = _width(n)
            padded = np.zeros((len(ids), width), dtype=np.uint8)
            padded[:, :n] = rows
            words = padded.view(">u8").reshape(len(ids), width // 8).astype(np.uint64)
            order = np.lexsort(tuple(words[:, w] for w in range(words.shape[1] - 1, -1, -1)))
            self._pattern_cache[key] = (ids[order], words[order])
        return self._pattern_cache[key]

    def _long(self, qid: int, reading: str) -> _Found:
        """Readings longer than MAX_LEN: exact (folded) match only."""
        folded = _fold(reading)
        _, item = self._lookup(_exact_keys([folded]))
        keep = [int(i) for i in item if _fold(self._canon_str(int(i))) == folded]
        route = [Route.EXACT if self._canon_str(i) == reading else Route.CONFUSABLE for i in keep]
        n = len(keep)
        return _found(np.full(n, qid, dtype=np.int64), np.array(keep, dtype=np.int32),
                      np.zeros(n, dtype=np.uint8), np.array(route, dtype=np.uint8))

    def _cores(self, qids: I64, readings: list[str], max_edits: int) -> _Found:
        """Dropped prefixes and zeros: digit-core matches beyond the edit budget.

        A reading's cores (``reading_cores``): its digit core, and its folded form
        without leading zeros; both are suffixes of the folded reading, so their
        hashes come from the reading's prefix sums like the index's own.
        """
        if len(qids) == 0:
            return _NONE
        lens = np.fromiter(map(len, readings), dtype=np.int64, count=len(readings))
        canon = _encode(readings, _width(int(lens.max())))
        folded = _FOLD_LUT[canon]
        p = prefix_hashes(codes_of(folded))
        full = np.take_along_axis(p, lens[:, None], axis=1)[:, 0]
        zero = folded == ord("0")
        zero = np.concatenate([zero, np.zeros((len(zero), 1), dtype=bool)], axis=1)
        starts = [_core_starts(canon, lens), np.minimum(np.argmin(zero, axis=1), lens)]
        keys: list[U64] = []
        owners: list[I64] = []
        for k, first in enumerate(starts):
            ok = (lens - first >= MIN_CORE_LEN) & ((k == 0) | (first != starts[0]))
            rows = np.flatnonzero(ok)
            f = first[rows]
            h = (full[rows] - p[rows, f]) * POW_INV[f]
            n = lens[rows] - f
            keys.append(mix(h, _SALT_CORE[n]))  # serials whose core this is
            keys.append(mix(h, _SALT_EXACT[n]))  # serials that are this core
            owners += [rows, rows]
        owner = np.concatenate(owners)
        probe, item = self._lookup(np.concatenate(keys))
        pair = _unique_sorted((owner[probe] << 32) | item.astype(np.int64))
        row, it = pair >> 32, (pair & 0xFFFFFFFF).astype(np.int32)
        width = canon.shape[1]
        qs = folded.view(f"S{width}").reshape(len(readings))[row].tolist()
        d = process.cpdist(qs, self._fbytes[it].tolist(), scorer=OSA.distance, workers=1)
        keep = d > max_edits  # within the budget, the edit routes found it already
        n = int(keep.sum())
        return _found(qids[row[keep]], it[keep], np.minimum(d[keep], 255).astype(np.uint8),
                      np.full(n, Route.DIGIT_CORE, dtype=np.uint8))


def _parallel(fn: Callable[[_T], None], tasks: Sequence[_T], workers: int) -> None:
    """Run ``fn`` over ``tasks``, in ``workers`` threads when more than one."""
    if workers <= 1 or len(tasks) <= 1:
        for t in tasks:
            fn(t)
        return
    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(fn, tasks):
            pass


def _sort(entries: U64, workers: int) -> None:
    """Sort in place; with workers, sort parts in threads and let timsort merge them."""
    if workers <= 1 or len(entries) < (1 << 20):
        entries.sort()
        return
    cuts = np.linspace(0, len(entries), workers + 1).astype(np.int64)
    _parallel(lambda k: entries[cuts[k] : cuts[k + 1]].sort(), range(workers), workers)
    entries.sort(kind="stable")  # merges the sorted runs in linear time


def _core_keys(cores: list[str]) -> U64:
    """Family-C keys of digit cores (each at most MAX_LEN characters)."""
    clen = np.fromiter(map(len, cores), dtype=np.int64, count=len(cores))
    p = prefix_hashes(codes_of(_encode(cores, _width(int(clen.max())))))
    h = np.take_along_axis(p, clen[:, None], axis=1)[:, 0]
    return mix(h, _SALT_CORE[clen])


def _unique_sorted(x: I64) -> I64:
    """Sorted distinct values (faster than ``np.unique`` for this use)."""
    x = np.sort(x)
    if len(x) < 2:
        return x
    keep = np.empty(len(x), dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    out: I64 = x[keep]
    return out


def _core_starts(canonical: U8, lengths: npt.NDArray[np.integer[Any]]) -> I64:
    """Per row, how many leading letters and zeros ``digit_core`` strips."""
    strip = _STRIP_LUT[canonical]
    strip = np.concatenate([strip, np.zeros((len(strip), 1), dtype=bool)], axis=1)
    first = np.argmin(strip, axis=1).astype(np.int64)
    out: I64 = np.minimum(first, lengths).astype(np.int64)
    return out


def _fold(s: str) -> str:
    return s.translate(_FOLD_TABLE)


def _exact_keys(folded: list[str]) -> U64:
    """Exact (family E) keys of already folded strings of any length."""
    out = np.empty(len(folded), dtype=np.uint64)
    for k, s in enumerate(folded):
        h = 0
        for t, ch in enumerate(s):
            h = (h + (ALPHABET.index(ch) + 1) * pow(BASE, t, 1 << 64)) & ((1 << 64) - 1)
        out[k] = mix(np.array([h], dtype=np.uint64), salt(FAMILY_EXACT, min(len(s), 0xFFFF)))[0]
    return out


def _bucket_offsets(entries: U64, bucket_bits: int) -> npt.NDArray[Any]:
    """CSR offsets of the sorted entries by their top ``bucket_bits`` bits.

    uint32 while the entries fit (half the memory of int64), else int64.
    """
    n_buckets = 1 << bucket_bits
    dtype = np.uint32 if len(entries) < (1 << 32) - 1 else np.int64
    offsets: npt.NDArray[Any] = np.zeros(n_buckets + 1, dtype=dtype)
    shift = np.uint64(64 - bucket_bits)
    step = 1 << 22
    for start in range(0, len(entries), step):
        ids = (entries[start : start + step] >> shift).view(np.int64)
        heads = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
        runs = np.diff(np.append(heads, len(ids)))
        offsets[ids[heads] + 1] += runs.astype(dtype)  # heads are distinct buckets
    np.cumsum(offsets, out=offsets)
    return offsets


def _prefix_ranges(words: U64, fixed: list[bytes]) -> tuple[I64, I64]:
    """For each byte string, the rows of ``words`` that start with it, as [lo, hi).

    ``words`` holds one serial per row as big-endian 8-byte words, rows sorted;
    the first word is searched for all strings at once, later words (strings
    longer than 8 bytes, rare) one string at a time inside the range so far.
    """

    def bounds(chunk: bytes) -> tuple[int, int]:
        return (int.from_bytes(chunk.ljust(8, b"\0"), "big"),
                int.from_bytes(chunk.ljust(8, b"\xff"), "big"))

    first = [bounds(f[:8]) for f in fixed]
    col = words[:, 0] if words.shape[1] else np.empty(0, dtype=np.uint64)
    lo = np.searchsorted(col, np.array([a for a, _ in first], dtype=np.uint64), side="left")
    hi = np.searchsorted(col, np.array([b for _, b in first], dtype=np.uint64), side="right")
    for k, f in enumerate(fixed):
        for w in range(1, -(-len(f) // 8)):
            a, b = bounds(f[8 * w : 8 * w + 8])
            part = words[lo[k] : hi[k], w]
            lo[k], hi[k] = (lo[k] + np.searchsorted(part, np.uint64(a), side="left"),
                            lo[k] + np.searchsorted(part, np.uint64(b), side="right"))
    return lo.astype(np.int64), hi.astype(np.int64)


def _assemble(parts: list[_Found], n_queries: int) -> CandidateBatch:
    """Scatter the parts into per-query runs, keeping each part's order.

    Every part is sorted by (query, distance, route, item); a query's rows come
    from one main block and then, if any, the digit-core part, whose distances
    are larger, so the order holds across parts.
    """
    counts = np.zeros(n_queries, dtype=np.int64)
    for part in parts:
        counts += np.bincount(part.qid, minlength=n_queries)
    offsets = np.zeros(n_queries + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    items = np.empty(total, dtype=np.int32)
    dists = np.empty(total, dtype=np.uint8)
    routes = np.empty(total, dtype=np.uint8)
    fill = offsets[:-1].copy()
    for part in parts:
        q = part.qid
        if len(q) == 0:
            continue
        heads = np.flatnonzero(np.concatenate(([True], q[1:] != q[:-1])))
        run = np.diff(np.append(heads, len(q)))
        dest = np.arange(len(q), dtype=np.int64) + np.repeat(fill[q[heads]] - heads, run)
        items[dest] = part.item
        dists[dest] = part.dist
        routes[dest] = part.route
        fill[q[heads]] += run
    return CandidateBatch(offsets=offsets, items=items, distances=dists, routes=routes)
