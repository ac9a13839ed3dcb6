"""Query-time matching for ``CandidateIndex``: lookups, verification, routes.

``Matcher`` holds the arrays a query touches (the sorted key entries and their
bucket offsets, the serials as folded and canonical 8-byte words) and runs each
route over a block of readings: the probe classes of ``probes`` (verified on the
bytes), wildcard patterns, short and long readings, and digit cores. Every route
returns a ``Found`` part sorted by (query, distance, route); ``assemble`` cuts the
parts into per-query runs. See ``candidates`` for the guarantee these implement.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from armstrace.adapters.linkage.deletion_keys import (
    FOLD_LUT,
    MAX_LEN,
    POW_INV,
    SALT_CORE,
    SALT_EXACT,
    codes_of,
    core_starts,
    encode,
    exact_keys,
    fold,
    mix,
    prefix_hashes,
    tail_starts,
    width_for,
)
from armstrace.adapters.linkage.probes import ProbePlan, probe_keys, probe_plan
from armstrace.domain.serials import WILDCARD

__all__ = [
    "MIN_CORE_LEN",
    "NONE",
    "ROUTES",
    "SHORT_LEN",
    "Found",
    "Matcher",
    "Route",
    "assemble",
    "found",
]

MIN_CORE_LEN = 3
SHORT_LEN = 2  # readings this short are compared with every short serial directly

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

# --- small helpers ---------------------------------------------------------------
_WILD = ord(WILDCARD)
_ONES = np.uint64(0x0101010101010101)
_MOVEMASK = np.uint64(0x0102040810204080)
_EMPTY_I64 = np.empty(0, dtype=np.int64)
_EMPTY_I32 = np.empty(0, dtype=np.int32)
_EMPTY_U8 = np.empty(0, dtype=np.uint8)


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
class Found:
    """Verified candidates of one part, sorted by (query, distance, route)."""

    qid: I64
    item: I32
    dist: U8
    route: U8


NONE = Found(_EMPTY_I64, _EMPTY_I32, _EMPTY_U8, _EMPTY_U8)


def found(qid: I64, item: I32, dist: U8, route: U8) -> Found:
    """A part with its rows put in output order: query, distance, route.

    A stable sort, so ties keep the order they were found in (deterministic);
    parts arrive mostly grouped already, which the stable sort exploits.
    """
    if len(qid) == 0:
        return NONE
    key = (
        (qid.astype(np.uint64) << np.uint64(11))
        | (dist.astype(np.uint64) << np.uint64(3))
        | route.astype(np.uint64)
    )
    order = np.argsort(key, kind="stable")
    return Found(qid[order], item[order], dist[order], route[order])


class Matcher:
    """The arrays a query needs, and the routes that read them."""

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
        self.folded = FOLD_LUT[canonical]
        self.entries = entries
        self.offsets = offsets
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

    def lookup(self, keys: U64) -> tuple[I64, I32]:
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

    def main_block(
        self, qids: I64, block: list[str], m: int, has_wild: bool, max_edits: int
    ) -> Found:
        """Readings of one length ``m`` (``qids`` their ids): every probe class.

        Blocks hold readings with wildcards (``has_wild``: class A only, pairs that
        cover the wildcards) or without; the probe plan is shared by the block.
        """
        qc = encode(block, width_for(m))
        qf = FOLD_LUT[qc]
        plan = probe_plan(m, self.lengths_present, has_wild)
        keys = probe_keys(plan, codes_of(qf[:, :m])).ravel()
        if has_wild:
            is_w = (qf[:, :m] == _WILD).astype(np.uint64)
            wbits = (is_w << np.arange(m, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
            # only the A pairs that delete every wildcard position can match
            valid = np.flatnonzero(((wbits[:, None] & ~plan.tags[None, :]) == 0).ravel())
            probe, item = self.lookup(keys[valid])
            probe = valid[probe]
        else:
            # skip probes that only repeat others for this reading (see ProbePlan)
            needed = np.ones((len(qf), plan.size), dtype=bool)
            for first, second in ((0, 1), (2, 3)):
                pa, pb = plan.differ[:, first], plan.differ[:, second]
                used = np.flatnonzero(pa >= 0)
                needed[:, used] &= qf[:, pa[used]] != qf[:, pb[used]]
            valid = np.flatnonzero(needed.ravel())
            probe, item = self.lookup(keys[valid])
            probe = valid[probe]
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
        return Found(
            qids[row_all[order]], np.concatenate([f.item for f in found])[order],
            dist[order], route[order],
        )

    def _class_a(
        self, qc: U8, qf: U8, row: I64, pk: I64, item: I32, plan: ProbePlan,
        has_wild: bool, max_edits: int,
    ) -> Found:
        """Substitution neighbours: verify, then keep each serial once.

        A probe with free positions {i, j} meets every serial equal to the reading
        elsewhere, so an exact match is met by every probe and a one-off serial by
        m - 1 of them. The serial is kept only from its canonical probe: the one
        whose pair is its mismatch set (wildcards count as mismatches) padded
        with the lowest other positions, which ``plan.a_accept`` encodes.
        """
        if len(row) == 0:
            return NONE
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
        return Found(row, item, dist, route)

    def _other_classes(
        self, qf: U8, row: I64, pk: I64, item: I32, plan: ProbePlan, max_edits: int, m: int
    ) -> Found:
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
        return Found(
            key >> 40,
            ((key >> 8) & 0xFFFFFFFF).astype(np.int32),
            dist,
            np.full(len(key), Route.DELETION, dtype=np.uint8),
        )

    def short(self, qid: int, reading: str, max_edits: int) -> Found:
        """Readings of one or two characters: compare with every short serial."""
        if self._short_ids is None:
            self._short_ids = np.flatnonzero((self.lengths > 0) & (self.lengths <= SHORT_LEN + 2))
        ids = self._short_ids
        q = fold(reading).encode()
        k = reading.count(WILDCARD)
        if k:
            ids = ids[self.lengths[ids] == len(q)]
            cand = self.folded[ids, : len(q)]
            qa = np.frombuffer(q, dtype=np.uint8)
            diff = ((cand != qa) & (qa != _WILD)).sum(axis=1)
            ok = diff <= min(max_edits, 2 - k)
            return found(
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
        return found(np.full(len(sel), qid, dtype=np.int64), sel.astype(np.int32),
                      d[ok].astype(np.uint8), route)

    def _canon_str(self, item: int) -> str:
        if item in self.long_serials:
            return self.long_serials[item]
        return bytes(self.canonical[item, : self.lengths[item]]).decode()

    def patterns(self, qids: I64, readings: list[str]) -> Found:
        """Three or more wildcards: every same-length serial matching the pattern.

        The readable prefix selects a range of the length group sorted by string,
        the readable suffix a range of it sorted by reversed string; the smaller
        range is filtered on every readable position.
        """
        by_len: dict[int, list[int]] = {}
        for k, r in enumerate(readings):
            by_len.setdefault(len(r), []).append(k)
        out: list[Found] = []
        for m, ks in by_len.items():
            width = width_for(m)
            patt = FOLD_LUT[encode([readings[k] for k in ks], width)]
            known = np.where(patt == _WILD, 0, 255).astype(np.uint8)
            known[:, m:] = 255  # the padding must match too (same length)
            patt = np.where(patt == _WILD, 0, patt).astype(np.uint8)
            patt_w = patt.view(np.uint64).reshape(len(ks), width // 8)
            known_w = known.view(np.uint64).reshape(len(ks), width // 8)
            ranges = []
            for reverse in (False, True):
                ids, words = self._sorted_group(m, reverse)
                fixed = [
                    fold(r[::-1][: r[::-1].index(WILDCARD)] if reverse
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
                out.append(Found(qids[np.array(ks)][rep[ok]], cand[ok].astype(np.int32),
                                  np.zeros(n_ok, dtype=np.uint8),
                                  np.full(n_ok, Route.WILDCARD, dtype=np.uint8)))
        if not out:
            return NONE
        return found(*(np.concatenate(c) for c in zip(
            *((f.qid, f.item, f.dist, f.route) for f in out), strict=True)))

    def _sorted_group(self, n: int, reverse: bool) -> tuple[I64, U64]:
        """Items of length ``n`` sorted by folded string (or by its reverse): lazy."""
        key = (n, reverse)
        if key not in self._pattern_cache:
            ids = np.flatnonzero(self.lengths == n)
            rows = self.folded[ids, :n]
            if reverse:
                rows = rows[:, ::-1]
            width = width_for(n)
            padded = np.zeros((len(ids), width), dtype=np.uint8)
            # Readings may be longer than every registry serial: no rows, and the
            # folded matrix is narrower than n, so only copy the columns it has.
            padded[:, :rows.shape[1]] = rows
            words = padded.view(">u8").reshape(len(ids), width // 8).astype(np.uint64)
            order = np.lexsort(tuple(words[:, w] for w in range(words.shape[1] - 1, -1, -1)))
            self._pattern_cache[key] = (ids[order], words[order])
        return self._pattern_cache[key]

    def long(self, qid: int, reading: str) -> Found:
        """Readings longer than MAX_LEN: exact (folded) match only."""
        folded = fold(reading)
        _, item = self.lookup(exact_keys([folded]))
        keep = [int(i) for i in item if fold(self._canon_str(int(i))) == folded]
        route = [Route.EXACT if self._canon_str(i) == reading else Route.CONFUSABLE for i in keep]
        n = len(keep)
        return found(np.full(n, qid, dtype=np.int64), np.array(keep, dtype=np.int32),
                      np.zeros(n, dtype=np.uint8), np.array(route, dtype=np.uint8))

    def cores(self, qids: I64, readings: list[str], max_edits: int) -> Found:
        """Dropped prefixes and zeros: digit-core matches beyond the edit budget.

        A reading's cores (``reading_cores``) are all suffixes of the folded
        reading, so their hashes come from the reading's prefix sums like the
        index's own.
        """
        if len(qids) == 0:
            return NONE
        lens = np.fromiter(map(len, readings), dtype=np.int64, count=len(readings))
        canon = encode(readings, width_for(int(lens.max())))
        folded = FOLD_LUT[canon]
        p = prefix_hashes(codes_of(folded))
        full = np.take_along_axis(p, lens[:, None], axis=1)[:, 0]
        zero = folded == ord("0")
        zero = np.concatenate([zero, np.zeros((len(zero), 1), dtype=bool)], axis=1)
        starts = [
            core_starts(canon, lens),
            np.minimum(np.argmin(zero, axis=1), lens),
            tail_starts(folded, lens),
        ]
        keys: list[U64] = []
        owners: list[I64] = []
        for k, first in enumerate(starts):
            ok = lens - first >= MIN_CORE_LEN
            for earlier in starts[:k]:
                ok &= first != earlier
            rows = np.flatnonzero(ok)
            f = first[rows]
            h = (full[rows] - p[rows, f]) * POW_INV[f]
            n = lens[rows] - f
            keys.append(mix(h, SALT_CORE[n]))  # serials whose core this is
            keys.append(mix(h, SALT_EXACT[n]))  # serials that are this core
            owners += [rows, rows]
        owner = np.concatenate(owners)
        probe, item = self.lookup(np.concatenate(keys))
        pair = _unique_sorted((owner[probe] << 32) | item.astype(np.int64))
        row, it = pair >> 32, (pair & 0xFFFFFFFF).astype(np.int32)
        width = canon.shape[1]
        qs = folded.view(f"S{width}").reshape(len(readings))[row].tolist()
        d = process.cpdist(qs, self._fbytes[it].tolist(), scorer=OSA.distance, workers=1)
        keep = d > max_edits  # within the budget, the edit routes found it already
        n = int(keep.sum())
        return found(qids[row[keep]], it[keep], np.minimum(d[keep], 255).astype(np.uint8),
                      np.full(n, Route.DIGIT_CORE, dtype=np.uint8))


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


def assemble(parts: list[Found], n_queries: int) -> tuple[I64, I32, U8, U8]:
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
    return offsets, items, dists, routes
