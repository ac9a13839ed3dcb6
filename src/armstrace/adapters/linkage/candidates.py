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
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from armstrace.adapters.linkage.deletion_keys import (
    FAMILY_EXACT,
    FAMILY_MASK1,
    FAMILY_MASK2,
    FOLD_LUT,
    MAX_LEN,
    POW_INV,
    SALT_CORE,
    codes_of,
    core_keys,
    core_starts,
    del1,
    del2,
    encode,
    exact_keys,
    fold,
    mix,
    prefix_hashes,
    salt,
    tail_starts,
    width_for,
)
from armstrace.adapters.linkage.matching import (
    MIN_CORE_LEN,
    ROUTES,
    SHORT_LEN,
    Found,
    Matcher,
    Route,
    assemble,
)
from armstrace.domain.serials import (
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
CHUNK = 1024  # readings per vectorised block (< 2**11: row ids fit the sort key)
_HAS_SEPARATOR = re.compile(r"[\s./-]")

_T = TypeVar("_T")
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]


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


class CandidateIndex:
    """Position-tagged deletion index over the registry's folded serials."""

    def __init__(
        self,
        *,
        lengths: npt.NDArray[np.int32],
        canonical: npt.NDArray[np.uint8],
        entries: U64,
        offsets: npt.NDArray[Any],
        bucket_bits: int,
        item_bits: int,
        long_serials: dict[int, str],
    ) -> None:
        self.lengths = lengths
        self.canonical = canonical
        self.entries = entries
        self.offsets = offsets
        self.bucket_bits = bucket_bits
        self.item_bits = item_bits
        self.long_serials = long_serials
        self._matcher = Matcher(
            lengths=lengths,
            canonical=canonical,
            entries=entries,
            offsets=offsets,
            bucket_bits=bucket_bits,
            item_bits=item_bits,
            long_serials=long_serials,
        )
        self.lengths_present = self._matcher.lengths_present

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
        width = width_for(min(int(lengths.max(initial=0)), MAX_LEN))
        canonical = encode(canon, width)
        folded = FOLD_LUT[canonical]
        item_bits = max(1, math.ceil(math.log2(max(n_items, 2))))
        if item_bits > 40:
            raise ValueError("too many items for one index")
        core_first = core_starts(canonical, lengths)
        core_ok = (core_first > 0) & (lengths - core_first >= MIN_CORE_LEN) & (lengths <= MAX_LEN)
        tail_first = tail_starts(folded, lengths)
        tail_ok = (tail_first > 0) & (lengths - tail_first >= MIN_CORE_LEN) & (
            lengths <= MAX_LEN
        ) & (tail_first != core_first)

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
                total += len(ids) * (1 + n + n * (n - 1) // 2)
                total += int(core_ok[ids].sum()) + int(tail_ok[ids].sum())
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
            for ok, firsts in ((core_ok, core_first), (tail_ok, tail_first)):
                rows = np.flatnonzero(ok[ids])
                if len(rows):
                    first = firsts[ids[rows]]
                    core_hash = (p[rows, n] - p[rows, first]) * POW_INV[first]
                    k = mix(core_hash, SALT_CORE[n - first])
                    entries[pos : pos + len(rows)] = (k & hi_mask) | items[rows]
                    pos += len(rows)

        _parallel(run, tasks, workers)
        extra_keys = [core_keys(seg_cores)] if seg_cores else []
        extra_items = [np.array(seg_items, dtype=np.uint64)]
        long_serials = {int(i): canon[int(i)] for i in long_ids}
        if len(long_ids):
            extra_keys.append(exact_keys([fold(canon[int(i)]) for i in long_ids]))
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
        parts: list[Found] = []
        canon = [r.canonical if r.readable else "" for r in readings]
        lengths = np.fromiter(map(len, canon), dtype=np.int64, count=len(canon))
        wild = np.fromiter((c.count(WILDCARD) for c in canon), dtype=np.int64, count=len(canon))
        main = (lengths > SHORT_LEN) & (lengths <= MAX_LEN) & (wild <= 2)
        blocks: list[tuple[I64, int, bool]] = []
        for m in np.unique(lengths[main]):
            for has_wild in (False, True):
                sel = np.flatnonzero(main & (lengths == m) & ((wild > 0) == has_wild))
                blocks += [(sel[a : a + CHUNK], int(m), has_wild) for a in range(0, len(sel), CHUNK)]

        matcher = self._matcher

        def run(block: tuple[I64, int, bool]) -> Found:
            qids, m, has_wild = block
            return matcher.main_block(qids, [canon[i] for i in qids], m, has_wild, max_edits)

        if workers > 1 and len(blocks) > 1:
            with ThreadPoolExecutor(workers) as pool:
                parts.extend(pool.map(run, blocks))
        else:
            parts.extend(run(b) for b in blocks)
        for q in np.flatnonzero((lengths > 0) & (lengths <= SHORT_LEN)):
            parts.append(matcher.short(int(q), canon[int(q)], max_edits))
        pat_q = np.flatnonzero((lengths > SHORT_LEN) & (lengths <= MAX_LEN) & (wild > 2))
        parts.append(matcher.patterns(pat_q, [canon[int(i)] for i in pat_q]))
        for q in np.flatnonzero(lengths > MAX_LEN):
            parts.append(matcher.long(int(q), canon[int(q)]))
        core_q = np.flatnonzero((lengths >= MIN_CORE_LEN) & (lengths <= MAX_LEN) & (wild == 0))
        parts.append(matcher.cores(core_q, [canon[int(i)] for i in core_q], max_edits))
        offsets, items, dists, routes = assemble(parts, len(readings))
        return CandidateBatch(offsets=offsets, items=items, distances=dists, routes=routes)


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


