"""Trace recovered weapons to licensed items, licences and last accountable custodians.

The use case behind ``armstrace trace``: read the registry once into compact
arrays and a candidate index, then stream the stored recoveries in batches. For
each batch: candidates from the index, evidence per pair
(``trace_evidence.gather``), scores and posteriors (``domain.scoring``), the
custody chains of the few best candidates (which add the custody parts and name
the last lawful custodian), the status rules, and one row per recovery with its
reason in words and its evidence as JSON. Rows go to the append-only ``traces``
table under a new run (with the scorer's version) and, if asked, to the
contract's ``traces.csv``.

Two passes of scoring, and why: custody evidence (was it recovered before it was
ever shipped? in its custodian's state? after a reported theft?) needs the
item's chain, which is a database read. Reading every candidate's chain would
cost more than everything else together, so only candidates with a posterior of
at least ``STAGE2_FLOOR`` after the first pass (at most ``max_listed`` per
recovery) are read; the rest are too unlikely for custody to matter.
"""

from __future__ import annotations

import csv
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.db.trace_store import TraceStore
from armstrace.adapters.linkage.candidates import CandidateBatch
from armstrace.domain.calibrations import CALIBRATIONS, Calibration, Choice, by_name, choose
from armstrace.domain.custody import custody_chain
from armstrace.domain.recording_quality import reread_disagreement
from armstrace.domain.records import CustodyEvent, Recovery
from armstrace.domain.scoring import (
    CANDIDATE_FEATURES,
    NONE_FEATURES,
    SCORER_VERSION,
    CandidateEvidence,
    Decision,
    ScoringParameters,
    SerialClass,
    Status,
    candidate_matrix,
    candidate_parts,
    decide,
    none_matrix,
    segment_posteriors,
)
from armstrace.domain.serials import SerialReading, normalise_serial
from armstrace.services.ports import Clock, Progress, SystemClock, no_progress
from armstrace.services.trace_evidence import (
    INDEX_WORKERS,
    BatchEvidence,
    CustodyEvidence,
    Registry,
    ScoredBatch,
    build_registry,
    custody_evidence,
    gather,
)
from armstrace.services.trace_reasons import Wording

__all__ = [
    "AUTO",
    "CONTRACT_COLUMNS",
    "CSV_COLUMNS",
    "LookupCandidate",
    "LookupResult",
    "ScoredBatch",
    "TimelineEntry",
    "TraceSummary",
    "Tracer",
    "lookup",
    "resolve_calibration",
    "stored_calibration",
    "trace_all",
]

F64 = npt.NDArray[np.float64]
# traces.csv, data contract v1, in order; extra columns only after them.
CONTRACT_COLUMNS = ("recovery_id", "status", "item_id", "confidence", "candidates", "licence_id",
                    "last_custodian_id", "last_custody_at", "time_to_crime_days", "reason")
CSV_COLUMNS = (*CONTRACT_COLUMNS, "shared_custodian", "last_custodian_name", "scorer_version")
STAGE2_FLOOR = 1e-3
ROW_BUDGET = 400_000  # candidate rows scored at once (about 60 MB of per-pair arrays)
EVIDENCE_CANDIDATES = 3  # candidates whose score parts are kept in ``evidence``
CHAIN_CACHE = 30_000  # items whose events stay in memory (~10 kB each as objects)
AUTO = "auto"  # choose the calibration from the store's own records
_CUSTODY_COLUMNS = slice(CANDIDATE_FEATURES.index("before_export"), len(CANDIDATE_FEATURES))

Party = tuple[str, str, str | None, str | None]  # name, kind, region, parent_id


@dataclass
class TraceSummary:
    run_id: str
    scorer_version: str
    registry_items: int
    recoveries: int
    by_status: dict[str, int]
    top_custodians: list[tuple[str, str, int]]  # party id, name, recoveries traced to it
    output: Path | None
    index_seconds: float
    trace_seconds: float
    calibration: str = ""  # why this calibration (its version is ``scorer_version``)


class Tracer:
    """Scores and decides recoveries against one registry (reusable across batches)."""

    def __init__(
        self, registry: Registry, chains: Callable[[Sequence[str]], dict[str, list[CustodyEvent]]],
        parties: dict[str, Party], params: ScoringParameters | None = None,
        version: str = f"{SCORER_VERSION}/custom", count_days: dict[str, list[str]] | None = None,
    ) -> None:
        self.reg = registry
        self.count_days = count_days or {}
        self._fetch = chains
        self.parties = parties
        self.params = params or ScoringParameters()
        self.version = version  # stored with every result: the model and its calibration
        self._chains: dict[str, list[CustodyEvent]] = {}
        self.words = Wording(registry, self.party_name)

    @property
    def params(self) -> ScoringParameters:
        return self._params

    @params.setter
    def params(self, value: ScoringParameters) -> None:
        self._params = value
        self._w = value.weights(CANDIDATE_FEATURES)
        self._v = value.weights(NONE_FEATURES)

    # --------------------------------------------------------------- scoring
    def chains(self, item_ids: Iterable[str]) -> dict[str, list[CustodyEvent]]:
        """The events of ``item_ids`` (and of others read recently), read once each.

        At most ``CHAIN_CACHE`` items stay cached; when full, only the ones asked
        for now are kept.
        """
        ids = set(item_ids)
        want = [i for i in ids if i not in self._chains]
        if want:
            if len(self._chains) + len(want) > CHAIN_CACHE:
                self._chains = {i: self._chains[i] for i in ids if i in self._chains}
            found = self._fetch(want)
            for i in want:
                self._chains[i] = found.get(i, [])
        return self._chains

    def party_region(self, party_id: str) -> str | None:
        info = self.parties.get(party_id)
        return info[2] if info else None

    def party_name(self, party_id: str | None) -> str:
        if not party_id:
            return ""
        info = self.parties.get(party_id)
        return info[0] if info else party_id

    def score(self, recs: Sequence[Recovery], readings: Sequence[SerialReading] | None = None,
              batch: CandidateBatch | None = None) -> ScoredBatch:
        """Candidates, evidence, both scoring passes and posteriors for a batch."""
        p = self.params
        if readings is None:
            readings = [normalise_serial(r.serial) for r in recs]
        ev = gather(self.reg, readings, [r.manufacturer for r in recs],
                    [r.calibre for r in recs], [r.model for r in recs], batch)
        n = len(ev.query)
        zeros = np.zeros(n, dtype=np.int8)
        falses = np.zeros(n, dtype=bool)
        x = candidate_matrix(ev.serial, ev.wildcards, ev.readable, ev.neighbours, ev.maker,
                             ev.calibre, ev.model, zeros, falses, falses, falses, falses,
                             falses, dtype=np.float32)
        z = none_matrix(ev.among, ev.unlicensed_near)
        w = self._w
        scores = x @ w
        none = z @ self._v
        post, _ = segment_posteriors(scores, none, ev.offsets)

        # second pass: custody of the best few candidates of each recovery
        order = np.lexsort((-scores, ev.query))
        rank = np.empty(n, dtype=np.int64)
        starts = ev.offsets[:-1][ev.query[order]]
        rank[order] = np.arange(n) - starts
        rows = np.flatnonzero((post >= STAGE2_FLOOR) & (rank < p.max_listed))
        custody = self._custody(recs, ev, rows)
        for r, c in custody.items():
            x[r, _CUSTODY_COLUMNS] = (c.before_export, c.region > 0, c.region < 0,
                                      c.reported_lost, c.destroyed, c.held_after, c.missed_count)
        if custody:
            scores[rows] = x[rows] @ w
        post, post_none = segment_posteriors(scores, none, ev.offsets)
        # rows of each recovery stay in their span, best posterior first (stable)
        best_first = np.lexsort((-post, ev.query))
        return ScoredBatch(list(recs), list(readings), ev, x, z, scores, none, post, post_none,
                           custody, best_first)

    def _custody(self, recs: Sequence[Recovery], ev: BatchEvidence,
                 rows: Iterable[int]) -> dict[int, CustodyEvidence]:
        rows = list(rows)
        ids = self.reg.item_ids
        chains = self.chains(ids[int(ev.item[r])] for r in rows)
        out: dict[int, CustodyEvidence] = {}
        counted = self._counted if self.count_days else None
        for r in rows:
            rec = recs[int(ev.query[r])]
            out[int(r)] = custody_evidence(chains[ids[int(ev.item[r])]], rec.recovered_on,
                                           rec.region, self.party_region, counted)
        return out

    def _counted(self, party_id: str) -> list[str]:
        return self.count_days.get(party_id, [])

    # -------------------------------------------------------------- decisions
    def scored_chunks(self, recs: Sequence[Recovery]) -> Iterator[ScoredBatch]:
        """Score ``recs`` in chunks of at most ``ROW_BUDGET`` candidate rows.

        A reading in a dense run of a big registry can have a thousand candidates
        within two edits; chunking keeps the per-pair arrays (and memory) bounded
        whatever the batch holds. Chunks end on recovery boundaries, so every
        recovery's candidates (and its crowding counts) stay together.
        """
        readings = [normalise_serial(r.serial) for r in recs]
        batch = self.reg.index.query_many(readings, max_edits=2, workers=INDEX_WORKERS)
        for a, b in _row_chunks(batch.offsets, ROW_BUDGET):
            yield self.score(recs[a:b], readings[a:b], _slice(batch, a, b))

    def trace(self, recs: Sequence[Recovery]) -> list[dict[str, Any]]:
        """One trace row per recovery (keys: the traces table's columns)."""
        rows: list[dict[str, Any]] = []
        for sb in self.scored_chunks(recs):
            rows += [self._row(sb, k) for k in range(len(sb.recoveries))]
        return rows

    def ranked(self, sb: ScoredBatch, k: int) -> list[int]:
        """Recovery ``k``'s candidate rows, best posterior first."""
        a, b = int(sb.ev.offsets[k]), int(sb.ev.offsets[k + 1])
        return sb.order[a:b].tolist() if b > a else []

    def decision(self, sb: ScoredBatch, k: int) -> tuple[list[int], Decision]:
        rows = self.ranked(sb, k)
        d = decide(self.params, sb.post[rows].tolist() if rows else [], float(sb.post_none[k]),
                   readable=bool(sb.ev.reading_ok[k]),
                   readable_chars=int(sb.ev.readable_chars[k]))
        return rows, d

    def _row(self, sb: ScoredBatch, k: int) -> dict[str, Any]:
        rec = sb.recoveries[k]
        rows, d = self.decision(sb, k)
        listed = [rows[i] for i in d.listed]
        missing = [r for r in listed if r not in sb.custody]
        if missing:
            sb.custody.update(self._custody(sb.recoveries, sb.ev, missing))
        out: dict[str, Any] = {
            "recovery_id": rec.recovery_id, "status": d.status, "item_id": None,
            "confidence": round(float(d.confidence), 4), "candidates": None, "licence_id": None,
            "last_custodian_id": None, "last_custody_at": None, "time_to_crime_days": None,
            "shared_custodian": None, "last_custodian_name": None,
            "scorer_version": self.version,
        }
        custody: CustodyEvidence | None = None
        if d.status == Status.MATCHED:
            r = listed[0]
            item = int(sb.ev.item[r])
            out["item_id"] = self.reg.item_ids[item]
            out["licence_id"] = self.reg.licences.get(int(self.reg.licence[item]))
            custody = sb.custody[r]
        elif d.status == Status.AMBIGUOUS:
            out["candidates"] = ";".join(self.reg.item_ids[int(sb.ev.item[r])] for r in listed)
            holders = {sb.custody[r].custodian for r in listed}
            if len(holders) == 1 and None not in holders:
                out["shared_custodian"] = 1
                custody = _latest(sb.custody[r] for r in listed)
            else:
                out["shared_custodian"] = 0
        named = d.status == Status.MATCHED or d.confidence >= self.params.name_custodian
        if custody is not None and custody.custodian and named:
            out["last_custodian_id"] = custody.custodian
            out["last_custody_at"] = custody.since
            out["time_to_crime_days"] = _days(custody.since, rec.recovered_on)
            out["last_custodian_name"] = self.party_name(custody.custodian)
        out["reason"] = self.words.reason(sb, k, rows, d, listed, custody, named)
        out["evidence"] = self._evidence(sb, k, rows, d)
        return out

    # ----------------------------------------------------------------- words
    def _candidate_evidence(self, sb: ScoredBatch, r: int) -> CandidateEvidence:
        ev = sb.ev
        c = sb.custody.get(r)
        return CandidateEvidence(
            serial=SerialClass(int(ev.serial[r])), wildcards=int(ev.wildcards[r]),
            readable=int(ev.readable[r]), neighbours=int(ev.neighbours[r]),
            maker=int(ev.maker[r]), calibre=int(ev.calibre[r]), model=int(ev.model[r]),
            region=c.region if c else 0, before_export=bool(c and c.before_export),
            reported_lost=bool(c and c.reported_lost), destroyed=bool(c and c.destroyed),
            held_after=bool(c and c.held_after), missed_count=bool(c and c.missed_count))

    def _evidence(self, sb: ScoredBatch, k: int, rows: list[int], d: Decision) -> dict[str, Any]:
        """The score parts behind the answer (stored as JSON beside each trace).

        Parts come straight from the design rows times the weights, so they add up
        to the scores the decision used; zero parts (unknown fields) are left out.
        """
        cands = []
        for r in rows[: max(EVIDENCE_CANDIDATES, len(d.listed))]:
            x = sb.x[r]
            nz = np.flatnonzero(x)
            item = int(sb.ev.item[r])
            cands.append({
                "item_id": self.reg.item_ids[item], "serial": self.reg.serials[item],
                "posterior": float(f"{sb.post[r]:.5g}"), "score": float(f"{sb.scores[r]:.4g}"),
                "parts": {CANDIDATE_FEATURES[j]: float(f"{x[j] * self._w[j]:.3g}") for j in nz},
            })
        z = sb.z[k]
        return {
            "scorer": self.version,
            "reading": sb.readings[k].canonical if sb.readings[k].readable else None,
            "candidates_found": len(rows),
            "never_licensed": {
                "posterior": float(f"{sb.post_none[k]:.5g}"), "score": float(f"{sb.none[k]:.4g}"),
                "parts": {NONE_FEATURES[j]: float(f"{z[j] * self._v[j]:.3g}")
                          for j in np.flatnonzero(z)},
            },
            "candidates": cands,
        }


def merge_days(base: dict[str, list[str]], added: dict[str, list[str]]) -> dict[str, list[str]]:
    """Count days per party with ``added`` folded in (sorted, each day once); ``base``
    is left as it was, since a tracer still in use may read it."""
    out = dict(base)
    for party, days in added.items():
        out[party] = sorted(set(out.get(party, ())) | set(days))
    return out


def _row_chunks(offsets: npt.NDArray[np.int64], budget: int) -> Iterator[tuple[int, int]]:
    """Consecutive recovery ranges [a, b) holding at most ``budget`` candidate rows
    (a single recovery with more rows is a chunk of its own)."""
    n = len(offsets) - 1
    a = 0
    while a < n:
        b = int(np.searchsorted(offsets, offsets[a] + budget, side="right")) - 1
        b = min(max(b, a + 1), n)
        yield a, b
        a = b


def _slice(batch: CandidateBatch, a: int, b: int) -> CandidateBatch:
    lo, hi = int(batch.offsets[a]), int(batch.offsets[b])
    return CandidateBatch(offsets=batch.offsets[a : b + 1] - lo, items=batch.items[lo:hi],
                          distances=batch.distances[lo:hi], routes=batch.routes[lo:hi])


def _latest(cs: Iterable[CustodyEvidence]) -> CustodyEvidence:
    return max(cs, key=lambda c: c.since or "")


def _days(since: str | None, recovered_on: str) -> int | None:
    if not since:
        return None
    try:
        return (date.fromisoformat(recovered_on[:10]) - date.fromisoformat(since[:10])).days
    except ValueError:
        return None


# --------------------------------------------------------------------------- use cases


def resolve_calibration(ts: TraceStore, name: str = AUTO) -> Choice:
    """The calibration to trace a store with: named, or chosen from its own records.

    ``auto`` reads how often weapons recorded twice were read two ways
    (``domain.recording_quality``) and lets ``domain.calibrations.choose`` pick.
    """
    if name == AUTO:
        return choose(reread_disagreement(ts.reread_rows()))
    c = by_name(name)
    return Choice(c, None, f"calibration {c.name}, as asked")


def stored_calibration(ts: TraceStore) -> str:
    """The calibration of the latest completed trace run, or ``auto`` when none names one.

    Single lookups use it, so that a weapon looked up answers as the store's
    traces did (and no lookup pays for reading every recovery).
    """
    known = {c.name for c in CALIBRATIONS}
    for run in reversed(ts.runs()):
        if run["status"] == "completed":
            name = str(run["scorer_version"]).partition("/")[2]
            return name if name in known else AUTO
    return AUTO


def open_tracer(store: SqlStore, params: ScoringParameters | None = None,
                progress: Progress = no_progress, calibration: str | Calibration = AUTO,
                ) -> tuple[Tracer, TraceStore]:
    """Read the registry and parties of ``store`` into a ready ``Tracer``.

    ``params`` (a fit being evaluated) overrides the calibration; otherwise the
    calibration is named, given, or chosen from the store's records (``auto``).
    """
    ts = TraceStore(store)
    tracer, _ = _open(ts, store, params, progress, calibration)
    return tracer, ts


def _open(ts: TraceStore, store: SqlStore, params: ScoringParameters | None, progress: Progress,
          calibration: str | Calibration) -> tuple[Tracer, str]:
    if params is not None:
        version, why = f"{SCORER_VERSION}/custom", "weights and thresholds given by the caller"
    else:
        if isinstance(calibration, Calibration):
            choice = Choice(calibration, None, f"calibration {calibration.name}, as asked")
        else:
            choice = resolve_calibration(ts, calibration)
        params, version, why = choice.calibration.params, choice.calibration.version, choice.reason
    registry = build_registry(ts.registry(), progress, total=store.count("items"))
    return Tracer(registry, ts.chains, ts.parties(), params, version, ts.count_days()), why


def _batches(it: Iterator[Recovery], size: int) -> Iterator[list[Recovery]]:
    batch: list[Recovery] = []
    for rec in it:
        batch.append(rec)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def trace_all(
    store: SqlStore, output: Path | None = None, *, params: ScoringParameters | None = None,
    calibration: str | Calibration = AUTO, progress: Progress = no_progress,
    clock: Clock | None = None, batch_size: int = 10_000,
) -> TraceSummary:
    """Trace every stored recovery under a new run; optionally write ``traces.csv``.

    Re-tracing appends a new run; ``TraceStore.latest()`` then answers from it.
    The run and every trace carry the calibration's version (``scoring_v2/poor``).
    """
    clock = clock or SystemClock()
    started = time.perf_counter()
    ts = TraceStore(store)
    tracer, why = _open(ts, store, params, progress, calibration)
    index_seconds = time.perf_counter() - started
    total = store.count("recoveries")
    run_id = f"T{clock.now().replace('-', '').replace(':', '')[:15]}-{uuid.uuid4().hex[:8]}"
    ts.start_run(run_id, clock.now(), tracer.version)
    by_status: Counter[str] = Counter()
    holders: Counter[str] = Counter()
    done = 0
    t0 = time.perf_counter()
    try:
        with _csv_sink(output) as sink:
            for batch in _batches(ts.recoveries(), batch_size):
                rows = tracer.trace(batch)
                ts.write(run_id, tracer.version, rows)
                for row in rows:
                    by_status[row["status"]] += 1
                    if row["last_custodian_id"]:
                        holders[row["last_custodian_id"]] += 1
                    sink(row)
                done += len(batch)
                progress("tracing recoveries", done, total)
    except BaseException:
        ts.finish_run(run_id, clock.now(), "failed", len(tracer.reg), done)
        raise
    ts.finish_run(run_id, clock.now(), "completed", len(tracer.reg), done)
    top = [(pid, tracer.party_name(pid), n) for pid, n in holders.most_common(10)]
    return TraceSummary(run_id, tracer.version, len(tracer.reg), done, dict(by_status), top,
                        output, index_seconds, time.perf_counter() - t0, why)


class _csv_sink:
    """Writes trace rows to ``traces.csv`` in contract order (or discards them)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: Any = None
        self._writer: Any = None

    def __enter__(self) -> Callable[[dict[str, Any]], None]:
        if self.path is None:
            return lambda _row: None
        self._file = open(self.path, "w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        self._writer.writerow(CSV_COLUMNS)
        return self._write

    def _write(self, row: dict[str, Any]) -> None:
        self._writer.writerow([_cell(row.get(c), c) for c in CSV_COLUMNS])

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            self._file.close()


def _cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if column == "confidence":
        return f"{float(value):.4f}"
    if column == "shared_custodian":
        return "yes" if value else "no"
    return str(value)


# --------------------------------------------------------------------------- lookup


@dataclass(frozen=True, slots=True)
class LookupCandidate:
    item_id: str
    serial: str
    maker: str | None
    model: str | None
    calibre: str | None
    licence_id: str | None
    posterior: float
    score: float
    parts: list[tuple[str, float, str]]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    occurred_at: str
    event_type: str
    from_party: str | None
    to_party: str | None
    region: str | None
    document_ref: str | None
    void: bool


@dataclass
class LookupResult:
    reading: str | None
    status: str
    confidence: float
    reason: str
    never_licensed: float
    never_licensed_score: float
    candidates: list[LookupCandidate]
    chosen: str | None
    timeline: list[TimelineEntry] = field(default_factory=list)
    last_custodian: str | None = None
    last_custodian_name: str | None = None
    scorer_version: str = ""


def lookup(
    store: SqlStore, serial: str, make: str | None, calibre: str | None = None,
    model: str | None = None, *, recovered_on: str | None = None, region: str | None = None,
    params: ScoringParameters | None = None, limit: int = 10, tracer: Tracer | None = None,
    calibration: str | None = None,
) -> LookupResult:
    """One weapon in hand: its candidates with scores, and the chosen item's custody.

    The chosen item is the matched one, or the best candidate when ambiguous.
    ``recovered_on`` defaults to today (custody as recorded up to now).
    ``calibration`` defaults to the one the store's latest trace run used.
    """
    if tracer is None:
        tracer, _ = open_tracer(store, params, calibration=calibration or stored_calibration(
            TraceStore(store)))
    rec = Recovery(recovery_id="lookup", recovered_on=recovered_on or date.today().isoformat(),
                   region=region, manufacturer=make, calibre=calibre, model=model, serial=serial)
    sb = tracer.score([rec])
    row = tracer._row(sb, 0)
    rows, d = tracer.decision(sb, 0)
    reg = tracer.reg
    cands = []
    for r in rows[:limit]:
        item = int(sb.ev.item[r])
        parts = candidate_parts(tracer.params, tracer._candidate_evidence(sb, r))
        cands.append(LookupCandidate(
            reg.item_ids[item], reg.serials[item], reg.makers.get(int(reg.maker[item])),
            reg.models.get(int(reg.model[item])), reg.calibres.get(int(reg.calibre[item])),
            reg.licences.get(int(reg.licence[item])), float(sb.post[r]), float(sb.scores[r]),
            [(p.name, p.value, p.text) for p in parts]))
    chosen = None
    if d.status in (Status.MATCHED, Status.AMBIGUOUS) and d.listed:
        chosen = cands[d.listed[0]].item_id if d.listed[0] < len(cands) else None
    result = LookupResult(
        reading=sb.readings[0].canonical if sb.readings[0].readable else None,
        status=d.status, confidence=float(d.confidence), reason=row["reason"],
        never_licensed=float(sb.post_none[0]), never_licensed_score=float(sb.none[0]),
        candidates=cands, chosen=chosen, last_custodian=row["last_custodian_id"],
        scorer_version=tracer.version)
    if chosen is not None:
        events = tracer.chains([chosen])[chosen]
        for entry in custody_chain(events):
            e = entry.event
            result.timeline.append(TimelineEntry(
                e.occurred_at, e.event_type,
                tracer.party_name(e.from_party_id) or None, tracer.party_name(e.to_party_id) or None,
                e.region, e.document_ref, entry.void))
        if d.status == Status.AMBIGUOUS and result.last_custodian is None:
            c = sb.custody.get(rows[d.listed[0]])
            result.last_custodian = c.custodian if c else None
    if result.last_custodian:
        result.last_custodian_name = tracer.party_name(result.last_custodian)
    return result
