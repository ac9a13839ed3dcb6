"""The evidence the tracer scores: the registry in compact arrays, and per-batch features.

A million registry items must fit in well under 2 GB beside the candidate index,
so nothing here holds an object per item: ids and serials are lists of str,
makers, calibres, models and licences are small-integer codes into short tables.
Recoveries are handled a batch at a time, and every (recovery, candidate) pair is
one row of numpy arrays; ``armstrace.domain.scoring`` turns the rows into scores.

Serial runs
-----------
Makers number in sequence, so registry serials that share a shape ("LE" + six
digits) form runs of numbers. ``SerialRuns`` keeps, per shape, the sorted numbers;
it tells whether a reading is itself a number inside (or within ``RUN_REACH`` of)
the licensed runs without being licensed -- then a never-licensed weapon of that
maker probably carries exactly that number -- and how many such unlicensed numbers
sit one substitution or one swap away from the reading.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from armstrace.adapters.db.trace_store import RegistryItem
from armstrace.adapters.linkage.candidates import CandidateBatch, CandidateIndex
from armstrace.domain.agreement import Agreement
from armstrace.domain.calibres import calibre_parent, canonical_calibre
from armstrace.domain.custody import last_lawful_custodian, live_events
from armstrace.domain.makers import canonical_maker
from armstrace.domain.models import model_agreement
from armstrace.domain.records import CustodyEvent, Recovery
from armstrace.domain.scoring import SerialClass
from armstrace.domain.serials import (
    WILDCARD,
    SerialReading,
    fold_confusables,
    is_canonical,
    normalise_serial,
)
from armstrace.services.ports import Progress, no_progress

__all__ = [
    "RUN_REACH",
    "BatchEvidence",
    "CodeTable",
    "CustodyEvidence",
    "Registry",
    "ScoredBatch",
    "SerialRuns",
    "build_registry",
    "custody_evidence",
    "gather",
]

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]

# How far (in running numbers) from a licensed serial the maker's other weapons
# count as "among the licensed runs": about one lot. Further out, a reading is
# just somewhere in the maker's production, where the base prior speaks.
RUN_REACH = 1000
MAX_RUN_DIGITS = 18  # numbers that still fit an int64 with room for a digit change
# Threads for building and querying the candidate index: numpy releases the GIL in
# the heavy steps, so a second core shortens both (results are identical).
INDEX_WORKERS = min(2, os.cpu_count() or 1)
_RUN_RE = re.compile(r"^(.*?)(\d+)([^\d]*)$")


class CodeTable:
    """Strings to small integer codes (-1 for None), growing as new strings come."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._codes: dict[str, int] = {}

    def code(self, name: str | None) -> int:
        if name is None:
            return -1
        c = self._codes.get(name)
        if c is None:
            c = self._codes[name] = len(self.names)
            self.names.append(name)
        return c

    def get(self, code: int) -> str | None:
        return self.names[code] if code >= 0 else None

    def __len__(self) -> int:
        return len(self.names)


@lru_cache(maxsize=65536)
def _maker_name(raw: str) -> str | None:
    return canonical_maker(raw)


@lru_cache(maxsize=65536)
def _calibre_name(raw: str) -> str | None:
    return canonical_calibre(raw)


@lru_cache(maxsize=262144)
def _model_state(written: str, registered: str) -> int:
    a = model_agreement(written, registered)
    return 1 if a is Agreement.AGREE else (-1 if a is Agreement.DISAGREE else 0)


def _split_run(folded: str) -> tuple[str, int] | None:
    """(shape key, running number) of a folded serial: its last run of digits."""
    m = _RUN_RE.match(folded)
    if m is None or len(m.group(2)) > MAX_RUN_DIGITS:
        return None
    head, digits, tail = m.groups()
    return f"{head}|{len(digits)}|{tail}", int(digits)


class SerialRuns:
    """Sorted running numbers of the registry, per serial shape."""

    def __init__(self, folded: Iterable[str]) -> None:
        groups: dict[str, list[int]] = {}
        for s in folded:
            split = _split_run(s)
            if split is not None:
                groups.setdefault(split[0], []).append(split[1])
        self.numbers: dict[str, I64] = {
            k: np.unique(np.array(v, dtype=np.int64)) for k, v in groups.items()
        }

    def zones(self, readings: Sequence[SerialReading]) -> tuple[B, I64]:
        """Per reading: is it an unlicensed number among the runs, and how many such
        numbers sit one substitution or one swap of neighbouring digits away.

        Readings with unreadable characters, or of a shape the registry lacks, get
        (False, 0): nothing is known of what surrounds them.
        """
        among = np.zeros(len(readings), dtype=bool)
        near = np.zeros(len(readings), dtype=np.int64)
        by_key: dict[str, list[tuple[int, int]]] = {}
        for k, r in enumerate(readings):
            if not r.readable or WILDCARD in r.canonical:
                continue
            split = _split_run(fold_confusables(r.canonical))
            if split is not None and split[0] in self.numbers:
                by_key.setdefault(split[0], []).append((k, split[1]))
        for key, rows in by_key.items():
            arr = self.numbers[key]
            width = int(key.split("|")[1])
            ks = np.array([r[0] for r in rows], dtype=np.int64)
            ns = np.array([r[1] for r in rows], dtype=np.int64)
            present, close = _lookup(arr, ns)
            among[ks] = ~present & close
            neighbours = _digit_neighbours(ns, width)
            valid = neighbours >= 0
            p2, c2 = _lookup(arr, np.where(valid, neighbours, 0))
            near[ks] = (valid & ~p2 & c2).sum(axis=1)
        return among, near


def _lookup(arr: I64, values: npt.NDArray[np.int64]) -> tuple[B, B]:
    """(value is in arr, value is within RUN_REACH of an element of arr)."""
    pos = np.searchsorted(arr, values)
    hi = arr[np.minimum(pos, len(arr) - 1)]
    lo = arr[np.maximum(pos - 1, 0)]
    present = hi == values
    dist = np.minimum(np.abs(hi - values), np.abs(values - lo))
    return present, dist <= RUN_REACH


def _digit_neighbours(ns: I64, width: int) -> I64:
    """Every number one digit substitution or one swap of unequal neighbours away
    (columns; -1 where a column does not apply)."""
    cols: list[I64] = []
    for p in range(width):
        w = np.int64(10) ** p
        d = (ns // w) % 10
        for j in range(10):
            cols.append(np.where(d == j, -1, ns + (j - d) * w))
    for p in range(width - 1):
        w = np.int64(10) ** p
        a = (ns // w) % 10
        b = (ns // (w * 10)) % 10
        cols.append(np.where(a == b, -1, ns + (b - a) * w + (a - b) * w * 10))
    return np.stack(cols, axis=1)


@dataclass
class Registry:
    """Every licensed weapon, as compact as a million of them needs."""

    item_ids: list[str]
    serials: list[str]
    maker: I32
    calibre: I32
    model: I32
    licence: I32
    makers: CodeTable
    calibres: CodeTable
    models: CodeTable
    licences: CodeTable
    index: CandidateIndex
    runs: SerialRuns

    def __len__(self) -> int:
        return len(self.item_ids)

    def calibre_parents(self) -> I32:
        """Parent family code per calibre code (-1: none), for the current table."""
        return np.array(
            [self.calibres.code(calibre_parent(n)) if calibre_parent(n) else -1
             for n in list(self.calibres.names)],
            dtype=np.int32,
        )


def build_registry(
    items: Iterable[RegistryItem], progress: Progress = no_progress, total: int | None = None
) -> Registry:
    """Read the registry once into arrays and index its serials."""
    ids: list[str] = []
    serials: list[str] = []
    makers, calibres, models, licences = CodeTable(), CodeTable(), CodeTable(), CodeTable()
    mk: list[int] = []
    cal: list[int] = []
    mod: list[int] = []
    lic: list[int] = []
    for n, it in enumerate(items, start=1):
        ids.append(it.item_id)
        serials.append(it.serial)
        mk.append(makers.code(_maker_name(it.manufacturer) if it.manufacturer else None))
        cal.append(calibres.code(_calibre_name(it.calibre) if it.calibre else None))
        mod.append(models.code(it.model or None))
        lic.append(licences.code(it.licence_id or None))
        if n % 50_000 == 0:
            progress("reading the registry", n, total)
    progress("indexing serials", 0, None)
    index = CandidateIndex.build(serials, workers=INDEX_WORKERS)
    # keep the canonical form only (what reasons show, and what the runs are made of)
    canonical = [s if is_canonical(s) else normalise_serial(s).canonical for s in serials]
    del serials
    runs = SerialRuns(fold_confusables(s) for s in canonical)
    progress("indexing serials", 1, 1)
    return Registry(
        item_ids=ids, serials=canonical,
        maker=np.array(mk, dtype=np.int32), calibre=np.array(cal, dtype=np.int32),
        model=np.array(mod, dtype=np.int32), licence=np.array(lic, dtype=np.int32),
        makers=makers, calibres=calibres, models=models, licences=licences,
        index=index, runs=runs,
    )


@dataclass
class BatchEvidence:
    """One batch of recoveries: per-recovery and per-(recovery, candidate) arrays.

    Candidate rows of recovery ``k`` are ``offsets[k]:offsets[k+1]``, in the
    index's order (distance, route, item).
    """

    offsets: I64
    query: I64  # recovery position of each row
    item: I32
    distance: npt.NDArray[np.uint8]
    serial: I8  # SerialClass
    wildcards: I64
    readable: I64
    neighbours: I64
    maker: I8
    calibre: I8
    model: I8
    among: B  # per recovery
    unlicensed_near: I64  # per recovery
    readable_chars: I64  # per recovery
    reading_ok: B  # per recovery

    def __len__(self) -> int:
        return len(self.offsets) - 1


def _serial_classes(route: npt.NDArray[np.uint8], dist: npt.NDArray[np.uint8], wild: I64,
                    same: B) -> I8:
    wildish = (route == 2) | (wild > 0)
    conds = [route == 4, route == 0, route == 1, wildish & (dist > 0), wildish & (wild >= 3),
             wildish, (dist <= 1) & same, dist <= 1, same]
    choices = [SerialClass.CORE, SerialClass.EXACT, SerialClass.CONFUSABLE,
               SerialClass.WILDCARD_EDIT, SerialClass.PATTERN, SerialClass.WILDCARD,
               SerialClass.EDIT1_SAME, SerialClass.EDIT1_LENGTH, SerialClass.EDIT2_SAME]
    out = np.select(conds, [int(c) for c in choices], default=int(SerialClass.EDIT2_LENGTH))
    return out.astype(np.int8)


def _agreement(written: I64, registered: I32, parents: I32 | None = None) -> I8:
    """+1 same code, -1 different, 0 when either is unknown (or one is the other's parent)."""
    unknown = (written < 0) | (registered < 0)
    out = np.where(written == registered, 1, -1).astype(np.int8)
    if parents is not None:
        pw = np.where(written >= 0, parents[np.maximum(written, 0)], -1)
        pr = np.where(registered >= 0, parents[np.maximum(registered, 0)], -1)
        unknown |= ((pw >= 0) & (pw == registered)) | ((pr >= 0) & (pr == written))
    out[unknown] = 0
    return out


def gather(
    reg: Registry, readings: Sequence[SerialReading], makers: Sequence[str | None],
    calibres: Sequence[str | None], models: Sequence[str | None],
    batch: CandidateBatch | None = None,
) -> BatchEvidence:
    """Candidates of a batch of readings and the evidence on each pair.

    ``makers``/``calibres``/``models`` are the recoveries' fields as written.
    """
    if batch is None:
        batch = reg.index.query_many(readings, max_edits=2, workers=INDEX_WORKERS)
    nq = len(readings)
    counts = batch.counts()
    q = np.repeat(np.arange(nq, dtype=np.int64), counts)
    item = batch.items
    canon = [r.canonical if r.readable else "" for r in readings]
    wild_q = np.fromiter((c.count(WILDCARD) for c in canon), dtype=np.int64, count=nq)
    len_q = np.fromiter(map(len, canon), dtype=np.int64, count=nq)
    wild = wild_q[q]
    same = reg.index.lengths[item] == len_q[q]
    serial = _serial_classes(batch.routes, batch.distances, wild, same)

    mk_q = np.array([reg.makers.code(_maker_name(m)) if m else -1 for m in makers], dtype=np.int64)
    cal_q = np.array([reg.calibres.code(_calibre_name(c)) if c else -1 for c in calibres],
                     dtype=np.int64)
    maker = _agreement(mk_q[q], reg.maker[item])
    calibre = _agreement(cal_q[q], reg.calibre[item], reg.calibre_parents())
    model = _model_agreement(reg, models, q, item)

    # crowding: other registry serials the maker allows, at this distance or closer
    compatible = maker >= 0
    d = np.minimum(batch.distances, 7).astype(np.int64)
    table = np.bincount(q[compatible] * 8 + d[compatible], minlength=nq * 8).reshape(nq, 8)
    cum = np.cumsum(table, axis=1)
    neighbours = cum[q, d] - compatible

    among, near = reg.runs.zones(readings)
    return BatchEvidence(
        offsets=batch.offsets, query=q, item=item, distance=batch.distances, serial=serial,
        wildcards=wild, readable=(len_q - wild_q)[q], neighbours=neighbours,
        maker=maker, calibre=calibre, model=model, among=among, unlicensed_near=near,
        readable_chars=len_q - wild_q,
        reading_ok=np.array([r.readable for r in readings], dtype=bool),
    )


def _model_agreement(reg: Registry, models: Sequence[str | None], q: I64, item: I32) -> I8:
    written = CodeTable()
    codes = np.array([written.code(m or None) for m in models], dtype=np.int64)
    wq = codes[q]
    rm = reg.model[item].astype(np.int64)
    out = np.zeros(len(q), dtype=np.int8)
    known = (wq >= 0) & (rm >= 0)
    if not known.any():
        return out
    width = max(len(reg.models), 1)
    pair = wq[known] * width + rm[known]
    uniq, inv = np.unique(pair, return_inverse=True)
    states = np.array(
        [_model_state(written.names[int(u // width)], reg.models.names[int(u % width)])
         for u in uniq], dtype=np.int8)
    out[known] = states[inv]
    return out


# --------------------------------------------------------------------------- custody


@dataclass(frozen=True, slots=True)
class CustodyEvidence:
    """What an item's chain says about one recovery of it."""

    custodian: str | None
    since: str | None
    confirmed: bool
    end_type: str | None
    ended_at: str | None
    before_export: bool
    region: int  # +1 recovered in the custodian's state, -1 elsewhere, 0 unknown
    reported_lost: bool
    destroyed: bool
    held_after: bool
    missed_count: bool = False  # counted by its holder, then absent from a later count


_HOLDING = frozenset({"transfer", "receive", "assign", "inventory", "destroy", "ship"})


def custody_evidence(
    events: Sequence[CustodyEvent], recovered_on: str, region: str | None,
    party_region: Callable[[str], str | None],
    count_days: Callable[[str], Sequence[str]] | None = None,
) -> CustodyEvidence:
    """The last lawful custodian before ``recovered_on`` and what the chain implies.

    ``count_days``: the days a party recorded inventory counts (of any weapon). A
    weapon its holder counted, then left out of a later count, went missing between
    the two: evidence for it being the weapon recovered, as long as nothing lawful
    happened to it after the recovery date.
    """
    live = [e for e in live_events(events) if e.event_type != "correction"]
    day = recovered_on[:10]
    first = live[0].occurred_at[:10] if live else None
    before = first is not None and day < first
    held = any(e.event_type in _HOLDING and e.occurred_at[:10] > day for e in live)
    c = last_lawful_custodian(events, before=recovered_on)
    if c is None:
        return CustodyEvidence(None, None, False, None, None, before, 0, False, False, held)
    where = party_region(c.party_id)
    state = 0
    if where and region:
        state = 1 if where == region else -1
    lost = c.end_type in ("loss", "theft")
    missed = False
    if count_days is not None and not held and c.end_type is None:
        seen = [e.occurred_at[:10] for e in live
                if e.event_type == "inventory" and e.to_party_id == c.party_id]
        if seen:
            last_seen = max(seen)
            days = count_days(c.party_id)
            missed = bool(days) and days[-1] > last_seen
    return CustodyEvidence(c.party_id, c.since, c.confirmed, c.end_type, c.ended_at, before,
                           state, lost, c.end_type == "destroy", held, missed)


@dataclass
class ScoredBatch:
    """A batch after both scoring passes: what the decisions, and a fit, work on."""

    recoveries: list[Recovery]
    readings: list[SerialReading]
    ev: BatchEvidence
    x: npt.NDArray[np.float32]  # design rows (CANDIDATE_FEATURES); custody filled for stage 2
    z: F64  # never-licensed design rows (NONE_FEATURES), one per recovery
    scores: F64
    none: F64
    post: F64
    post_none: F64
    custody: dict[int, CustodyEvidence]  # by row
    order: npt.NDArray[np.int64]  # rows regrouped best first within each recovery
