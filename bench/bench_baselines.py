"""Benchmark: Splink 5 (DuckDB) and a brute-force RapidFuzz scan as baselines for candidates.

Builds the same synthetic registry and damaged readings as
``bench/bench_candidates.py`` (same generator, same seed, so the same data) when
that script and ``armstrace.domain.serials`` can be imported; otherwise a small
fixed-seed generator of its own. Readings are handed to the baselines in the
canonical form ``normalise_serial`` gives them (labels gone, unreadable ones
empty), so every method starts from the same strings; each baseline then folds
look-alikes itself (``bench.baselines.normalise``).

Runs ``splink_candidates`` on all readings and ``bruteforce_candidates`` on a
sample of readable ones, each in its own process, and prints a Markdown table:
wall seconds of the call, CPU seconds of the worker process (steadier than wall
time on a shared machine), peak RSS, recall of the true registry item among the
candidates (over readable readings, and over those without wildcards within
``--max-edits`` OSA edits of their serial after folding, which every method
must find), and mean candidates per reading. ``--index`` adds our
``CandidateIndex`` (build + query_many) on the same data, also in its own process.
A method past ``--timeout`` seconds or ``--max-rss-gb`` is stopped and reported
as such; ``--duckdb-memory`` caps DuckDB (it spills to disk past the cap).

    .venv/bin/python bench/bench_baselines.py --items 100000 --queries 10000 --sample 1000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from rapidfuzz.distance import OSA

from bench.baselines import (
    BaselineAborted,
    BaselineResult,
    PairSet,
    _overhead_note,
    _peak_mb_self,
    _run_isolated,
    bruteforce_candidates,
    normalise,
    splink_candidates,
)

# --- data -------------------------------------------------------------------------------
_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_LOOKALIKE = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
# (prefix, digits, weight): "LE"+6, "BFI"+6, "SV"+5, pure digits with leading zeros
_FALLBACK_FORMATS = [("LE", 6, 3.0), ("BFI", 6, 2.0), ("SV", 5, 1.5), ("", 6, 1.5), ("", 7, 1.0),
                     ("FN", 6, 1.0), ("DDM", 7, 0.5)]


def _fallback_data(
    n_items: int, n_queries: int, seed: int
) -> tuple[list[str], list[str], list[int], list[str]]:
    """Registry in sequential batches; readings = a true serial with 0-2 edits and look-alikes."""
    rng = random.Random(seed)
    counters = [rng.randrange(0, 2000) for _ in _FALLBACK_FORMATS]
    weights = [w for _, _, w in _FALLBACK_FORMATS]
    registry: list[str] = []
    while len(registry) < n_items:
        k = rng.choices(range(len(_FALLBACK_FORMATS)), weights)[0]
        prefix, digits, _ = _FALLBACK_FORMATS[k]
        n = counters[k] + rng.randrange(0, 3000)
        for _ in range(min(rng.randrange(10, 2000), n_items - len(registry))):
            registry.append(f"{prefix}{n % 10**digits:0{digits}d}")
            n += 1
        counters[k] = n
    truth = [rng.randrange(len(registry)) for _ in range(n_queries)]
    readings: list[str] = []
    kinds: list[str] = []
    for i in truth:
        chars = list(registry[i])
        n_edits = rng.choice((0, 0, 1, 1, 1, 2))
        for _ in range(n_edits):
            op = rng.choice(("sub", "sub", "swap", "ins", "del"))
            j = rng.randrange(len(chars))
            if op == "sub":
                chars[j] = rng.choice(_DIGITS if chars[j].isdigit() else _LETTERS)
            elif op == "swap" and j + 1 < len(chars):
                chars[j], chars[j + 1] = chars[j + 1], chars[j]
            elif op == "ins":
                chars.insert(j, rng.choice(_DIGITS))
            elif op == "del" and len(chars) > 3:
                del chars[j]
        if rng.random() < 0.3:
            spots = [j for j, c in enumerate(chars) if c in _LOOKALIKE]
            for j in rng.sample(spots, min(len(spots), 1)):
                chars[j] = _LOOKALIKE[chars[j]]
        text = "".join(chars)
        if rng.random() < 0.1:
            text = text.lower()
        readings.append(text)
        kinds.append(f"{n_edits}_edit")
    return registry, readings, truth, kinds


def make_data(
    n_items: int, n_queries: int, seed: int
) -> tuple[list[str], list[str], list[int], list[str], str]:
    """(registry, canonical readings ("" if unreadable), true item, damage kind, source)."""
    try:
        from armstrace.domain.serials import normalise_serial
        from bench.bench_candidates import FORMATS, damage, make_registry
    except ImportError as exc:
        registry, readings, truth, kinds = _fallback_data(n_items, n_queries, seed)
        return registry, readings, truth, kinds, f"fallback generator ({exc})"
    rng = random.Random(seed)  # the same sequence of draws as bench_candidates.main
    registry, fmt_of = make_registry(n_items, rng)
    truth = [rng.randrange(len(registry)) for _ in range(n_queries)]
    raw_kind = [
        damage(rng, registry[i], FORMATS[fmt_of[i]][1].prefix_len(registry[i])) for i in truth
    ]
    readings = [normalise_serial(raw).canonical for raw, _ in raw_kind]
    return registry, readings, truth, [k for _, k in raw_kind], "bench_candidates generator"


# --- our index, for a side-by-side row ------------------------------------------------
def _index_job(registry: list[str], readings: list[str], max_edits: int) -> tuple[
    np.ndarray, np.ndarray, float, dict[str, float]
]:
    from armstrace.adapters.linkage.candidates import CandidateIndex
    from armstrace.domain.serials import normalise_serial

    t0 = time.perf_counter()
    index = CandidateIndex.build(registry)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    batch = index.query_many([normalise_serial(r) for r in readings], max_edits=max_edits)
    t_query = time.perf_counter() - t0
    peak = _peak_mb_self()
    reading = np.repeat(np.arange(len(batch), dtype=np.int64), batch.counts())
    return reading, batch.items.astype(np.int64), peak, {"build": t_build, "query": t_query}


def index_candidates(
    registry: Sequence[str], readings: Sequence[str], max_edits: int, **limits: float | None
) -> BaselineResult:
    t0 = time.perf_counter()
    (reading, item, peak, t), times = _run_isolated(
        _index_job, (list(registry), list(readings), max_edits),
        timeout_s=limits.get("timeout_s"), max_rss_mb=limits.get("max_rss_mb"),
    )
    t_pairs = time.perf_counter()
    pairs = PairSet(reading, item)
    times["pairs"] = time.perf_counter() - t_pairs
    notes = (
        f"build {t['build']:.1f} s; query_many {t['query']:.1f} s (all routes, max_edits {max_edits}); "
        f"{_overhead_note(times)}"
    )
    return BaselineResult(
        pairs, time.perf_counter() - t0, peak, notes, queries=len(readings), cpu_seconds=times["cpu"]
    )


def _hits(pairs: PairSet, truth: np.ndarray, n: int) -> np.ndarray:
    """Per reading position: is its true item among its candidates?"""
    r, i = pairs.readings, pairs.items
    hit = np.zeros(n, dtype=bool)
    hit[r[truth[r] == i]] = True
    return hit


# --- report -----------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--sample", type=int, default=1000, help="readings for the brute-force scan")
    ap.add_argument("--seed", type=int, default=20091130)
    ap.add_argument("--max-edits", type=int, default=2, choices=(1, 2))
    ap.add_argument("--duckdb-memory", default=None, help="DuckDB memory_limit for Splink, e.g. 14GB")
    ap.add_argument("--timeout", type=float, default=900.0, help="stop a method after this many s")
    ap.add_argument("--max-rss-gb", type=float, default=18.0, help="stop a method past this RSS")
    ap.add_argument("--no-splink", action="store_true")
    ap.add_argument("--no-brute", action="store_true")
    ap.add_argument("--index", action="store_true", help="also run our CandidateIndex")
    args = ap.parse_args()
    limits = {"timeout_s": args.timeout, "max_rss_mb": args.max_rss_gb * 1024}

    t0 = time.perf_counter()
    registry, readings, truth, _kinds, source = make_data(args.items, args.queries, args.seed)
    print(f"data: {len(registry):,} registry serials, {len(readings):,} readings, seed {args.seed}, "
          f"{source} ({time.perf_counter() - t0:.1f} s)")
    readable = [q for q, r in enumerate(readings) if r]
    folded_reg = [normalise(s) for s in registry]
    within = {  # no wildcards (``?`` is a literal character to the baselines), OSA <= max_edits
        q for q in readable
        if "?" not in readings[q]
        and OSA.distance(normalise(readings[q]), folded_reg[truth[q]], score_cutoff=args.max_edits)
        <= args.max_edits
    }
    print(f"readable readings: {len(readable):,}; without wildcards and within {args.max_edits} OSA "
          f"edits of their serial after folding: {len(within):,}")

    truth_arr = np.asarray(truth, dtype=np.int64)
    within_mask = np.zeros(len(readings), dtype=bool)
    within_mask[list(within)] = True
    rows: list[tuple[str, int, str, float | None, float | None, BaselineResult | None, list[int]]] = []

    def run(
        name: str, fn: Callable[..., BaselineResult], queries: list[int], **kw: Any
    ) -> BaselineResult | None:
        sub = [readings[q] for q in queries]
        try:
            res = fn(registry, sub, args.max_edits, **kw, **limits)
        except BaselineAborted as exc:
            print(f"\n{name}: ABORTED: {exc} (peak {exc.peak_mb:,.0f} MB)")
            rows.append((name, len(queries), f"aborted: {exc}", exc.seconds, exc.peak_mb, None, queries))
            return None
        except RuntimeError as exc:  # the job raised in its process (e.g. a missing package)
            print(f"\n{name}: FAILED: {exc}")
            return None
        # map the sub-list's reading indices back to positions in ``readings``
        res.pairs = PairSet(np.asarray(queries, dtype=np.int64)[res.pairs.readings], res.pairs.items)
        print(f"\n{name}: {res.notes}")
        rows.append((name, len(queries), "", res.seconds, res.peak_mb, res, queries))
        return res

    all_q = list(range(len(readings)))
    splink = None
    if not args.no_splink:
        splink = run(f"Splink 5 + DuckDB (deletion-key blocking, DL <= {args.max_edits})",
                     splink_candidates, all_q,
                     memory_limit=args.duckdb_memory)
    brute = None
    sample = random.Random(1).sample(readable, min(args.sample, len(readable)))
    if not args.no_brute:
        brute = run("RapidFuzz cdist OSA (brute force, sample)", bruteforce_candidates, sample,
                    total_queries=len(readable))
    if args.index:
        run("armstrace CandidateIndex (build + query)", index_candidates, all_q)

    print(f"\n| method | items | queries | seconds | CPU s | peak MB | recall (readable) | "
          f"recall (no wildcard, <= {args.max_edits} edits) | mean cands/query |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, nq, status, secs, peak, res, queries in rows:
        if res is None:
            print(f"| {name} | {len(registry):,} | {nq:,} | >{secs:.0f} ({status}) | | {peak:,.0f} | | | |")
            continue
        qs = np.array([q for q in queries if readings[q]], dtype=np.int64)
        hit = _hits(res.pairs, truth_arr, len(readings))
        rec = hit[qs].mean() if len(qs) else 0.0
        w = qs[within_mask[qs]]
        rec_w = hit[w].mean() if len(w) else 0.0
        mean = len(res.pairs) / max(1, len(qs))
        cpu = f"{res.cpu_seconds:.1f}" if res.cpu_seconds is not None else ""
        print(f"| {name} | {len(registry):,} | {nq:,} | {secs:.1f} | {cpu} | {peak:,.0f} | {rec:.2%} | "
              f"{rec_w:.2%} | {mean:.1f} |")
        if res.extrapolated_seconds is not None:
            print(f"| ↳ extrapolated to {len(readable):,} readable readings | {len(registry):,} | "
                  f"{len(readable):,} | {res.extrapolated_seconds:,.0f} | | | | | |")

    if splink is not None and brute is not None:
        keep = np.isin(splink.pairs.readings, np.asarray(sample, dtype=np.int64))
        s_pairs = set(PairSet(splink.pairs.readings[keep], splink.pairs.items[keep]))
        print(f"\nsample cross-check: brute-force (OSA) pairs missing from Splink: "
              f"{len(brute.pairs - s_pairs)}; Splink pairs not in brute force (DL <= "
              f"{args.max_edits} < OSA): {len(s_pairs - brute.pairs)}")


if __name__ == "__main__":
    main()
