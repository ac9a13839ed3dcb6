"""Baselines for candidate generation: Splink 5 on DuckDB, and a brute-force RapidFuzz scan.

Both answer the same question as ``CandidateIndex`` without wildcards or
dropped-prefix routes: which registry serials are within ``max_edits`` edits of
each reading, after both sides are normalised the same simple way (upper case,
spaces and dashes removed, look-alike letters folded to digits).

``splink_candidates``
    Links two tables, readings (id, serial) and registry (id, serial), with
    ``link_type="link_only"``. Blocking is the symmetric-deletion neighbourhood:
    every serial gets an array of all strings obtained by deleting up to
    ``max_edits`` characters (computed in DuckDB SQL), and Splink blocks on
    equality of one element of each side's array (``block_on(...,
    arrays_to_explode=[...])``, which unnests both sides and joins on the key).
    Any two strings within ``max_edits`` OSA edits share such a key
    (substitution: delete the position on both sides; insertion or deletion:
    delete it on the longer side; transposition: delete one of the pair on both
    sides), so blocking loses nothing. The comparison is
    ``DamerauLevenshteinAtThresholds("serial", [1, 2])``; the model's m and u
    probabilities are fixed so that exactly the levels within ``max_edits`` have
    a positive match weight, and ``predict(threshold_match_weight=...)`` keeps
    those pairs. DuckDB's ``damerau_levenshtein`` is the unrestricted
    Damerau-Levenshtein distance, which is never larger than OSA: Splink's pairs
    are a superset of the OSA pairs (pairs such as "CA"/"ABC", DL 2 but OSA 3).
``bruteforce_candidates``
    ``rapidfuzz.process.cdist`` with the OSA distance and ``score_cutoff``, over
    the whole registry, in chunks of readings so the distance matrix stays small.
    Meant for a sample of readings; it reports the time per reading and the time
    extrapolated to all readings.

Each runs in a fresh child process (``spawn``), so its peak RSS is its own and not
the caller's data (read from /proc VmHWM: ``ru_maxrss`` would carry the parent's
RSS across fork and exec); the parent watches the child and stops it past a time
or RSS limit (``BaselineAborted``). ``seconds`` is the wall time of the whole call
(process start and imports included); ``notes`` has the breakdown.

Pairs are ``(reading_index, registry_index)``, positions in the given sequences.
Readings that normalise to "" (unreadable) have no candidates.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "CONFUSABLES",
    "BaselineAborted",
    "BaselineResult",
    "PairSet",
    "bruteforce_candidates",
    "deletion_keys_sql",
    "normalise",
    "splink_candidates",
]

# The same look-alike letters as ``armstrace.domain.serials.CONFUSABLES`` (kept as
# a copy so the baselines do not depend on the code they are measured against).
CONFUSABLES: dict[str, str] = {
    "O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5", "B": "8", "Z": "2", "G": "6",
}
_FOLD = str.maketrans(CONFUSABLES)
_DROP = str.maketrans("", "", " -")

# Splink model: levels exact, DL <= 1, DL <= 2, else (the null level has no m/u).
# With a prior of 0.5 the match weight is log2(m/u) of the level: +3, +2, +1 and
# negative for "else"; for max_edits=1 the DL <= 2 level is made negative too.
_M_U: dict[int, tuple[list[float], list[float]]] = {
    2: ([0.4, 0.3, 0.2, 0.1], [0.05, 0.075, 0.1, 0.775]),
    1: ([0.4, 0.3, 0.05, 0.25], [0.05, 0.075, 0.2, 0.675]),
}
_WEIGHT_CUT = 0.5


def normalise(serial: str) -> str:
    """Upper case, spaces and dashes removed, look-alike letters folded to digits."""
    return serial.upper().translate(_DROP).translate(_FOLD)


class PairSet(AbstractSet[tuple[int, int]]):
    """A read-only set of ``(reading_index, registry_index)`` pairs kept in two
    sorted int64 arrays: a million-by-100k run yields tens of millions of pairs,
    which as Python tuples in a ``set`` would take several GB. Supports ``in``,
    ``len``, iteration and the usual set comparisons and operators (those return
    plain ``set`` objects)."""

    __slots__ = ("_keys",)

    def __init__(self, readings: npt.ArrayLike = (), items: npt.ArrayLike = ()) -> None:
        r = np.asarray(readings, dtype=np.int64)
        i = np.asarray(items, dtype=np.int64)
        if r.shape != i.shape:
            raise ValueError("readings and items differ in length")
        if len(r) and (r.min() < 0 or i.min() < 0 or i.max() >= 1 << 32):
            raise ValueError("indices out of range")
        keys = np.sort((r << 32) | i)
        # sort + neighbour mask: np.unique (numpy 2.4) takes ~100 s on 36M int64 here
        self._keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys

    @classmethod
    def _from_iterable(cls, it: Iterable[Any]) -> set[tuple[int, int]]:  # type: ignore[override]
        return set(it)

    @property
    def readings(self) -> npt.NDArray[np.int64]:
        return self._keys >> 32

    @property
    def items(self) -> npt.NDArray[np.int64]:
        return self._keys & ((1 << 32) - 1)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.readings.tolist(), self.items.tolist(), strict=True)

    def __contains__(self, pair: object) -> bool:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            return False
        try:
            r, i = int(pair[0]), int(pair[1])
        except (TypeError, ValueError):
            return False
        if r < 0 or not 0 <= i < 1 << 32:
            return False
        key = (r << 32) | i
        k = int(np.searchsorted(self._keys, key))
        return k < len(self._keys) and int(self._keys[k]) == key

    def __repr__(self) -> str:
        return f"PairSet({len(self):,} pairs)"


@dataclass
class BaselineResult:
    """Candidate pairs of one baseline run and what it cost."""

    pairs: PairSet  # (reading_index, registry_index), a read-only set
    seconds: float  # wall time of the whole call
    peak_mb: float  # peak RSS of the process that did the work
    notes: str = ""
    queries: int = 0  # readings answered (brute force: the sample)
    extrapolated_seconds: float | None = None  # brute force: time for ``total_queries``
    cpu_seconds: float | None = None  # user + system CPU of the worker process (all threads)


class BaselineAborted(RuntimeError):
    """The child process was stopped (time or RSS limit) or died."""

    def __init__(self, message: str, seconds: float, peak_mb: float) -> None:
        super().__init__(message)
        self.seconds = seconds
        self.peak_mb = peak_mb


# --- running a job in its own process -----------------------------------------------
def _peak_mb_self() -> float:
    """Peak RSS of this process plus that of its waited-for children, in MB.

    This process's own peak is read from /proc (VmHWM), not ``ru_maxrss``: Linux
    carries ``ru_maxrss`` across fork and exec, so a spawned child would report at
    least its parent's RSS at the time of the fork.
    """
    own = _proc_mb(os.getpid(), "VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own + kids


def _proc_mb(pid: int, field: str) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _child_main(conn: Any, job: Callable[..., Any], args: tuple[Any, ...]) -> None:
    start = time.time()
    try:
        result = job(*args)
        ru = resource.getrusage(resource.RUSAGE_SELF)
        conn.send(("ok", (result, ru.ru_utime + ru.ru_stime), start, time.time()))
    except BaseException as exc:  # reported to the parent, re-raised there
        conn.send(("error", f"{type(exc).__name__}: {exc}", start, time.time()))
    finally:
        conn.close()


def _overhead_note(times: dict[str, float]) -> str:
    return (
        f"process start + arguments in {times['start']:.1f} s, results back "
        f"{times['back']:.1f} s, child exit {times['exit']:.1f} s, PairSet {times.get('pairs', 0):.1f} s"
    )


def _run_isolated(
    job: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    timeout_s: float | None,
    max_rss_mb: float | None,
) -> Any:
    """Run ``job(*args)`` in a spawned process; stop it past the limits.

    Returns the job's result and the times around it: ``start`` (spawn, imports,
    arguments), ``back`` (result through the pipe), ``exit`` (wall seconds) and
    ``cpu`` (the child's user + system CPU seconds, all threads).
    """
    ctx = mp.get_context("spawn")
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_main, args=(child_conn, job, args), daemon=True)
    t0 = time.perf_counter()
    wall0 = time.time()
    proc.start()
    child_conn.close()
    peak = 0.0
    try:
        while not parent_conn.poll(0.5):
            elapsed = time.perf_counter() - t0
            peak = max(peak, _proc_mb(proc.pid, "VmHWM"))
            reason = None
            if not proc.is_alive():
                reason = f"child exited with code {proc.exitcode}"
            elif timeout_s is not None and elapsed > timeout_s:
                reason = f"stopped after {elapsed:.0f} s (limit {timeout_s:.0f} s)"
            elif max_rss_mb is not None and _proc_mb(proc.pid, "VmRSS") > max_rss_mb:
                reason = f"stopped at RSS > {max_rss_mb:,.0f} MB after {elapsed:.0f} s"
            if reason is not None:
                if proc.is_alive():
                    proc.kill()
                proc.join()
                raise BaselineAborted(reason, elapsed, peak)
        status, payload, job_start, job_end = parent_conn.recv()
        received = time.time()
    finally:
        parent_conn.close()
    proc.join()
    if status != "ok":
        raise RuntimeError(f"baseline failed in its child process: {payload}")
    result, cpu = payload
    times = {
        "start": job_start - wall0, "back": received - job_end, "exit": time.time() - received, "cpu": cpu,
    }
    return result, times


# --- Splink --------------------------------------------------------------------------
def deletion_keys_sql(column: str, max_edits: int) -> str:
    """DuckDB expression: the distinct strings left after deleting up to ``max_edits``
    characters of ``column`` (the string itself included)."""
    if not 0 <= max_edits <= 2:
        raise ValueError("max_edits must be 0, 1 or 2")
    s, n = column, f"length({column})"
    parts = [f"[{s}]"]
    if max_edits >= 1:
        parts.append(
            f"list_transform(range(1, {n} + 1), lambda i: substr({s}, 1, i - 1) || substr({s}, i + 1))"
        )
    if max_edits >= 2:
        parts.append(
            f"flatten(list_transform(range(1, {n} + 1), lambda i: list_transform(range(i + 1, {n} + 1), "
            f"lambda j: substr({s}, 1, i - 1) || substr({s}, i + 1, j - i - 1) || substr({s}, j + 1))))"
        )
    return f"list_distinct({' || '.join(parts)})"


def _scalar(con: Any, sql: str) -> float:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on the connection
    value = con.execute(sql).fetchall()[0][0]
    return float(value or 0)


def _splink_job(
    registry: list[str],
    readings: list[str],
    max_edits: int,
    memory_limit: str | None,
    threads: int | None,
) -> tuple[np.ndarray, np.ndarray, float, dict[str, float]]:
    t_start = time.perf_counter()
    import duckdb
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    t = {"import": time.perf_counter() - t_start}
    t0 = time.perf_counter()
    reg = [normalise(s) for s in registry]
    rd = [normalise(s) for s in readings]
    reg_ids = np.array([i for i, s in enumerate(reg) if s], dtype=np.int64)
    rd_ids = np.array([i for i, s in enumerate(rd) if s], dtype=np.int64)
    reg_tbl = pa.table({"id": reg_ids, "serial": pa.array([reg[i] for i in reg_ids], pa.string())})
    rd_tbl = pa.table({"id": rd_ids, "serial": pa.array([rd[i] for i in rd_ids], pa.string())})
    del reg, rd
    t["normalise"] = time.perf_counter() - t0

    with tempfile.TemporaryDirectory(prefix="splink-baseline-") as tmp:
        con = duckdb.connect()
        con.execute(f"SET temp_directory = '{tmp}'")
        con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            con.execute(f"SET threads = {int(threads)}")

        t0 = time.perf_counter()
        keys = deletion_keys_sql("serial", max_edits)
        for name, tbl in (("registry", reg_tbl), ("readings", rd_tbl)):
            con.register(f"{name}_in", tbl)
            con.execute(f"CREATE TABLE {name} AS SELECT id, serial, {keys} AS dkeys FROM {name}_in")
            con.unregister(f"{name}_in")
        del reg_tbl, rd_tbl
        t["deletion keys"] = time.perf_counter() - t0
        t["registry keys"] = _scalar(con, "SELECT sum(len(dkeys)) FROM registry")
        t["reading keys"] = _scalar(con, "SELECT sum(len(dkeys)) FROM readings")

        t0 = time.perf_counter()
        db_api = DuckDBAPI(connection=con)
        sdf_readings = db_api.register("readings", dataset_display_name="readings")
        sdf_registry = db_api.register("registry", dataset_display_name="registry")
        m, u = _M_U[max_edits]
        settings = SettingsCreator(
            link_type="link_only",
            unique_id_column_name="id",
            probability_two_random_records_match=0.5,
            blocking_rules_to_generate_predictions=[block_on("dkeys", arrays_to_explode=["dkeys"])],
            comparisons=[
                cl.DamerauLevenshteinAtThresholds("serial", [1, 2]).configure(
                    m_probabilities=m, u_probabilities=u
                )
            ],
            retain_matching_columns=False,
            retain_intermediate_calculation_columns=True,
        )
        linker = Linker([sdf_readings, sdf_registry], settings, log_level=logging.WARNING)
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        t["blocking"] = time.perf_counter() - t0
        t["blocked pairs"] = _scalar(con, f"SELECT count(*) FROM {blocked.physical_name}")

        t0 = time.perf_counter()
        pred = linker.inference.predict(threshold_match_weight=_WEIGHT_CUT, warning_mode="never")
        t["predict"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        rows = con.execute(
            f"""SELECT CASE WHEN source_dataset_l = 'readings' THEN id_l ELSE id_r END AS reading,
                       CASE WHEN source_dataset_l = 'readings' THEN id_r ELSE id_l END AS item,
                       mw_serial
                FROM {pred.physical_name}"""
        ).fetchnumpy()
        # every kept pair must be at a level within max_edits (the only positive weights)
        if len(rows["mw_serial"]) and float(np.min(rows["mw_serial"])) <= 0:
            raise AssertionError("predict threshold let through a pair beyond max_edits")
        t["fetch"] = time.perf_counter() - t0
        con.close()
    return (  # int32 halves what goes back through the pipe
        np.asarray(rows["reading"], dtype=np.int32),
        np.asarray(rows["item"], dtype=np.int32),
        _peak_mb_self(),
        t,
    )


def splink_candidates(
    registry: Sequence[str],
    readings: Sequence[str],
    max_edits: int = 2,
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
    timeout_s: float | None = None,
    max_rss_mb: float | None = None,
) -> BaselineResult:
    """Splink 5 (DuckDB) link of readings to the registry within ``max_edits`` edits.

    ``memory_limit`` is DuckDB's (e.g. "12GB"; it spills to a temporary directory
    past it), ``threads`` DuckDB's thread count (default: all cores).
    """
    if max_edits not in _M_U:
        raise ValueError("max_edits must be 1 or 2 (comparison thresholds 1 and 2)")
    t0 = time.perf_counter()
    (reading, item, peak, t), times = _run_isolated(
        _splink_job,
        (list(registry), list(readings), max_edits, memory_limit, threads),
        timeout_s=timeout_s,
        max_rss_mb=max_rss_mb,
    )
    t_pairs = time.perf_counter()
    pairs = PairSet(reading, item)
    times["pairs"] = time.perf_counter() - t_pairs
    seconds = time.perf_counter() - t0
    counts = ("registry keys", "reading keys", "blocked pairs")
    steps = [k for k in t if k not in counts]
    notes = (
        "; ".join(f"{k} {t[k]:.1f} s" for k in steps)
        + f"; keys: {int(t['registry keys']):,} registry, {int(t['reading keys']):,} readings"
        + f"; blocked pairs {int(t['blocked pairs']):,}; kept {len(pairs):,}"
        + (f"; DuckDB memory_limit {memory_limit}" if memory_limit else "")
        + f"; {_overhead_note(times)}"
    )
    return BaselineResult(pairs, seconds, peak, notes, queries=len(readings), cpu_seconds=times["cpu"])


# --- brute force -----------------------------------------------------------------------
def _brute_job(
    registry: list[str],
    readings: list[str],
    max_edits: int,
    chunk_cells: int,
    workers: int,
) -> tuple[np.ndarray, np.ndarray, float, dict[str, float]]:
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    t0 = time.perf_counter()
    reg = [normalise(s) for s in registry]
    rd = [normalise(s) for s in readings]
    ids = [i for i, s in enumerate(rd) if s]
    t = {"normalise": time.perf_counter() - t0}
    chunk = max(1, chunk_cells // max(1, len(reg)))
    q_parts: list[np.ndarray] = []
    i_parts: list[np.ndarray] = []
    t0 = time.perf_counter()
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        d = process.cdist(
            [rd[i] for i in part], reg, scorer=OSA.distance, score_cutoff=max_edits,
            dtype=np.uint8, workers=workers,
        )
        rows, cols = np.nonzero(d <= max_edits)
        q_parts.append(np.asarray(part, dtype=np.int64)[rows])
        i_parts.append(cols.astype(np.int64))
    t["cdist"] = time.perf_counter() - t0
    t["chunk"] = chunk
    t["scanned"] = len(ids)
    empty = np.empty(0, dtype=np.int64)
    return (
        np.concatenate(q_parts) if q_parts else empty,
        np.concatenate(i_parts) if i_parts else empty,
        _peak_mb_self(),
        t,
    )


def bruteforce_candidates(
    registry: Sequence[str],
    readings: Sequence[str],
    max_edits: int = 2,
    *,
    total_queries: int | None = None,
    chunk_cells: int = 1 << 26,
    workers: int = -1,
    timeout_s: float | None = None,
    max_rss_mb: float | None = None,
) -> BaselineResult:
    """Every registry serial within ``max_edits`` OSA edits of each reading, by a
    full ``rapidfuzz.process.cdist`` scan (``chunk_cells`` bytes of distance matrix
    at a time). ``total_queries``: extrapolate the time to that many (readable)
    readings: the fixed cost of this call plus the scan time per reading."""
    t0 = time.perf_counter()
    (reading, item, peak, t), times = _run_isolated(
        _brute_job,
        (list(registry), list(readings), max_edits, chunk_cells, workers),
        timeout_s=timeout_s,
        max_rss_mb=max_rss_mb,
    )
    t_pairs = time.perf_counter()
    pairs = PairSet(reading, item)
    times["pairs"] = time.perf_counter() - t_pairs
    seconds = time.perf_counter() - t0
    per_query = t["cdist"] / max(1, t["scanned"])
    total = total_queries if total_queries is not None else int(t["scanned"])
    extrapolated = (seconds - t["cdist"]) + per_query * total
    threads = os.cpu_count() if workers == -1 else workers
    notes = (
        f"normalise {t['normalise']:.1f} s; cdist {t['cdist']:.1f} s over {int(t['scanned']):,} "
        f"readings ({per_query * 1000:.2f} ms/reading, {threads} threads, "
        f"{int(t['chunk']):,} readings per chunk); "
        f"extrapolated to {total:,} readings: {extrapolated:,.0f} s; {_overhead_note(times)}"
    )
    return BaselineResult(
        pairs, seconds, peak, notes, queries=len(readings), extrapolated_seconds=extrapolated,
        cpu_seconds=times["cpu"],
    )
