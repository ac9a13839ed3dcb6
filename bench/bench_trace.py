"""Benchmark: tracing end to end from the store, 1,000,000 registry items × 100,000 recoveries.

The world is the simulator's (``--items`` licensed weapons, custody chains and all),
with its recoveries thinned to ``--recoveries`` rows (every k-th row of
recoveries.csv, so licensed and never-licensed, duplicates and damage keep their
shares), imported into a SQLite store under ``--workdir`` once and reused.

Measured, each in its own spawned process so its peak memory is its own:

1. ``armstrace trace`` as a user runs it: ``trace_all(store, traces.csv)`` -- load
   the registry from the store, build the candidate index, search, score, read
   custody chains, write the traces table and traces.csv. Wall seconds, peak RSS.
2. The candidate task alone, on the same data (the store's registry serials and
   the recoveries' recorded serials), side by side: our ``CandidateIndex`` (build +
   query), Splink 5 on DuckDB (deletion-key blocking, Damerau-Levenshtein), and a
   brute-force RapidFuzz OSA scan on a sample (extrapolated). Recall: licensed
   recoveries whose true item is among the candidates, over those inside the error
   model (readable, no unreadable marks, within two OSA edits after folding).

    .venv/bin/python -m bench.bench_trace --items 1000000 --recoveries 100000 \
        --duckdb-memory 14GB --sample 1000
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import OSA

from bench.baselines import (
    BaselineAborted,
    BaselineResult,
    PairSet,
    _peak_mb_self,
    _run_isolated,
    bruteforce_candidates,
    normalise,
    splink_candidates,
)
from bench.bench_baselines import _hits, index_candidates


def prepare(workdir: Path, items: int, recoveries: int, seed: int) -> tuple[str, Path]:
    """Simulate, thin the recoveries, import; cached in ``workdir``. Returns (store URL, world)."""
    from armstrace.adapters.io.mappings import load_mapping
    from armstrace.bootstrap import open_store
    from armstrace.services.importing import Importer
    from armstrace.services.ports import SystemClock
    from armstrace.simulate.world import generate_world

    folder = workdir / f"trace-{items}-{recoveries}-{seed}"
    world, db = folder / "world", folder / "store.db"
    url = f"sqlite:///{db}"
    if (folder / ".imported").exists():
        return url, world
    if folder.exists():
        shutil.rmtree(folder)
    full = folder / "full"
    t0 = time.perf_counter()
    generate_world(full, seed=seed, scale=str(items))
    print(f"simulated {items:,} licensed weapons in {time.perf_counter() - t0:.0f} s")
    shutil.copytree(full, world, ignore=shutil.ignore_patterns("recoveries.csv", "truth"))
    (world / "truth").mkdir()
    with open(full / "recoveries.csv", newline="", encoding="utf-8") as f:
        total = sum(1 for _ in f) - 1
    step = max(1, math.ceil(total / recoveries))
    kept: set[str] = set()
    with open(full / "recoveries.csv", newline="", encoding="utf-8") as src, \
            open(world / "recoveries.csv", "w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        for k, row in enumerate(reader):
            if k % step == 0 and len(kept) < recoveries:
                writer.writerow(row)
                kept.add(row[0])
    with open(full / "truth" / "truth_recoveries.csv", newline="", encoding="utf-8") as src, \
            open(world / "truth" / "truth_recoveries.csv", "w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        writer.writerows(row for row in reader if row[0] in kept)
    shutil.rmtree(full)
    t0 = time.perf_counter()
    store = open_store(url)
    Importer(store, SystemClock(), load_mapping(None)).run(world, folder / "rejects.csv")
    store.engine.dispose()
    print(f"imported in {time.perf_counter() - t0:.0f} s ({len(kept):,} of {total:,} recoveries kept)")
    (folder / ".imported").write_text("ok\n")
    return url, world


def _trace_job(url: str, output: str) -> tuple[dict[str, Any], float]:
    from armstrace.bootstrap import open_store
    from armstrace.services.tracing import trace_all

    store = open_store(url)
    summary = trace_all(store, Path(output))
    store.engine.dispose()
    return {"index_seconds": summary.index_seconds, "by_status": dict(summary.by_status),
            "total": summary.recoveries}, _peak_mb_self()


def task_data(url: str, world: Path) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """(registry serials, recovery readings, true registry position or -1, inside the error model)."""
    from sqlalchemy import text

    from armstrace.bootstrap import open_store
    from armstrace.domain.serials import normalise_serial

    store = open_store(url)
    with store.engine.connect() as conn:
        items = conn.execute(text("SELECT item_id, serial FROM items ORDER BY item_id")).all()
        recs = conn.execute(text("SELECT recovery_id, serial FROM recoveries ORDER BY recovery_id")).all()
    store.engine.dispose()
    position = {item_id: k for k, (item_id, _) in enumerate(items)}
    registry = [normalise_serial(s).canonical for _, s in items]
    with open(world / "truth" / "truth_recoveries.csv", newline="", encoding="utf-8") as f:
        true_item = {r["recovery_id"]: r["item_id"] for r in csv.DictReader(f)}
    readings = [normalise_serial(s or "").canonical for _, s in recs]
    truth = np.array([position.get(true_item.get(rid, ""), -1) for rid, _ in recs], dtype=np.int64)
    inside = np.array([
        t >= 0 and bool(r) and "?" not in r
        and OSA.distance(normalise(r), normalise(registry[t]), score_cutoff=2) <= 2
        for r, t in zip(readings, truth, strict=True)], dtype=bool)
    return registry, readings, truth, inside


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--recoveries", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--sample", type=int, default=1000, help="readings for the brute-force scan")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/armstrace-bench"))
    ap.add_argument("--duckdb-memory", default=None, help="DuckDB memory_limit for Splink, e.g. 14GB")
    ap.add_argument("--timeout", type=float, default=1200.0, help="stop a method after this many s")
    ap.add_argument("--max-rss-gb", type=float, default=18.0)
    ap.add_argument("--no-splink", action="store_true")
    ap.add_argument("--no-brute", action="store_true")
    ap.add_argument("--prepare-only", action="store_true", help="build the world and store, measure nothing")
    args = ap.parse_args()
    limits = {"timeout_s": args.timeout, "max_rss_mb": args.max_rss_gb * 1024}
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]

    url, world = prepare(args.workdir, args.items, args.recoveries, args.seed)
    if args.prepare_only:
        return
    out = args.workdir / "bench-traces.csv"
    t0 = time.perf_counter()
    (summary, peak), times = _run_isolated(_trace_job, (url, str(out)), **limits)
    wall = time.perf_counter() - t0
    print(f"\ntrace_all: {wall:.1f} s wall (index {summary['index_seconds']:.1f} s), "
          f"CPU {times['cpu']:.1f} s, peak {peak:,.0f} MB; {summary['by_status']}")

    registry, readings, truth, inside = task_data(url, world)
    licensed = truth >= 0
    print(f"candidate task: {len(registry):,} registry serials, {len(readings):,} readings, "
          f"{int(licensed.sum()):,} licensed, {int(inside.sum()):,} inside the error model")
    rows: list[tuple[str, list[int], float, float | None, float, BaselineResult | None, str]] = []

    def run(name: str, fn: Any, queries: list[int], **kw: Any) -> None:
        try:
            res = fn(registry, [readings[q] for q in queries], 2, **kw, **limits)
        except BaselineAborted as exc:
            rows.append((name, queries, exc.seconds, None, exc.peak_mb, None, f"aborted: {exc}"))
            return
        res.pairs = PairSet(np.asarray(queries, dtype=np.int64)[res.pairs.readings], res.pairs.items)
        print(f"{name}: {res.notes}")
        rows.append((name, queries, res.seconds, res.cpu_seconds, res.peak_mb, res, ""))

    all_q = list(range(len(readings)))
    run("armstrace CandidateIndex (build + query)", index_candidates, all_q)
    if not args.no_splink:
        run("Splink 5 + DuckDB (deletion-key blocking, DL <= 2)", splink_candidates, all_q,
            memory_limit=args.duckdb_memory)
    if not args.no_brute:
        readable = [q for q in all_q if readings[q]]
        rng = random.Random(1)
        sample = sorted(set(rng.sample(readable, min(args.sample, len(readable))))
                        | set(rng.sample(np.flatnonzero(inside).tolist(),
                                         min(args.sample // 4, int(inside.sum())))))
        run("RapidFuzz cdist OSA (brute force, sample)", bruteforce_candidates, sample,
            total_queries=len(readable))

    statuses = Counter(summary["by_status"])
    print(f"\nload average {load}; {args.items:,} licensed weapons simulated, seed {args.seed}\n")
    print("| step | registry | recoveries | seconds | CPU s | peak MB | result |")
    print("|---|---:|---:|---:|---:|---:|---|")
    print(f"| `trace_all` end to end from the store (index {summary['index_seconds']:.1f} s) | "
          f"{len(registry):,} | {summary['total']:,} | {wall:.1f} | {times['cpu']:.1f} | {peak:,.0f} | "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())) + " |")
    for name, queries, secs, cpu, pk, res, status in rows:
        if res is None:
            print(f"| {name} | {len(registry):,} | {len(queries):,} | >{secs:.0f} | | {pk:,.0f} | {status} |")
            continue
        hit = _hits(res.pairs, np.where(truth >= 0, truth, -2), len(readings))
        sel = np.zeros(len(readings), dtype=bool)
        sel[np.asarray(queries, dtype=np.int64)] = True
        sel &= inside
        recall = f"true item among candidates: {hit[sel].mean():.2%} of {int(sel.sum()):,} inside the model"
        extra = (f"; ≈{res.extrapolated_seconds:,.0f} s extrapolated to all readable"
                 if res.extrapolated_seconds is not None else "")
        cpu_s = f"{cpu:.1f}" if cpu is not None else ""
        print(f"| {name} | {len(registry):,} | {len(queries):,} | {secs:.1f} | {cpu_s} | {pk:,.0f} | "
              f"{recall}{extra} |")


if __name__ == "__main__":
    main()
