"""Fit one calibration of ``scoring_v2`` on ONE simulated world (never the evaluation seeds).

A calibration (``armstrace.domain.calibrations``) is the weights and thresholds for
records of one quality; ``--variant`` fits on the tuning world written down again
under a recording profile (``poor``, ``fair``, ``careful``; ``bench/rerecord.py``).

The score is a conditional logit: for each recovery, the hypotheses are its
candidates and *none*; the truth says which one holds (the true item when the
index found it, *none* otherwise -- a never-licensed weapon, or a licensed one
read beyond the candidates). We maximise the log-likelihood of those labels by
Newton's method, with a small ridge, enforcing ``SIGN_CONSTRAINTS`` (a weight
that wants the wrong sign is pinned at zero and the rest refitted).

The custody parts depend on which candidates reach the second pass, which
depends on the weights, so the fit runs a few rounds: score with the current
weights, fit, repeat. Candidates scoring far below their recovery's best
hypothesis (< -PRUNE log-odds) carry no information and are dropped from the
fit; half of the recoveries without a licensed truth are kept, with weight 2.

Then the decision thresholds are swept on the same world and the loosest set
meeting the targets (with margin) is printed, to be copied into
``armstrace.domain.calibrations`` by hand (with the tuning world's re-reading
rate, ``bench.fit_scoring`` prints it last).

    .venv/bin/python -m bench.fit_scoring --seed 1 --scale medium --keep-unlicensed 0.1 \
        [--variant fair|careful]
"""

from __future__ import annotations

import argparse
import json
import time
import zlib
from dataclasses import fields
from pathlib import Path

import numpy as np
import numpy.typing as npt

from armstrace.bootstrap import open_store
from armstrace.domain.scoring import (
    CANDIDATE_FEATURES,
    NONE_FEATURES,
    SIGN_CONSTRAINTS,
    ScoringParameters,
)
from armstrace.services.tracing import ScoredBatch, Tracer, open_tracer
from bench.trace_worlds import prepare_world, read_truth

F64 = npt.NDArray[np.float64]
PRUNE = 10.0
FEATURES = (*CANDIDATE_FEATURES, *NONE_FEATURES)


def collect(tracer: Tracer, db_url: str, truth: dict[str, dict[str, str]], keep_unlicensed: float,
            batch_size: int = 10_000
            ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64], npt.NDArray[np.bool_], F64]:
    """Design rows, group ids, labels and group weights for the fit."""
    from armstrace.adapters.db.trace_store import TraceStore

    ts = TraceStore(open_store(db_url))
    nc, nn = len(CANDIDATE_FEATURES), len(NONE_FEATURES)
    rows: list[npt.NDArray[np.float32]] = []
    gids: list[npt.NDArray[np.int64]] = []
    labels: list[npt.NDArray[np.bool_]] = []
    weights: list[float] = []
    group = 0
    batch: list = []
    position = {item: k for k, item in enumerate(tracer.reg.item_ids)}

    def flush() -> None:
        for sb in tracer.scored_chunks(batch):
            add(sb)

    def add(sb: ScoredBatch) -> None:
        nonlocal group
        for k, rec in enumerate(sb.recoveries):
            t = truth[rec.recovery_id]
            licensed = bool(t["item_id"])
            if not licensed:
                h = zlib.crc32(rec.recovery_id.encode()) / 2**32
                if h >= keep_unlicensed:
                    continue
            a, b = int(sb.ev.offsets[k]), int(sb.ev.offsets[k + 1])
            s = sb.scores[a:b]
            top = max(float(s.max()) if b > a else -np.inf, float(sb.none[k]))
            is_true = sb.ev.item[a:b] == position.get(t["item_id"], -1)
            keep = (s >= top - PRUNE) | is_true
            x = sb.x[a:b][keep]
            f = np.zeros((len(x) + 1, nc + nn), dtype=np.float32)
            f[0, nc:] = sb.z[k]
            f[1:, :nc] = x
            y = np.zeros(len(x) + 1, dtype=bool)
            y[1:] = is_true[keep]
            if not y.any():
                y[0] = True
            rows.append(f)
            gids.append(np.full(len(f), group, dtype=np.int64))
            labels.append(y)
            weights.append(1.0 if licensed else 1.0 / keep_unlicensed)
            group += 1

    for rec in ts.recoveries():
        batch.append(rec)
        if len(batch) >= batch_size:
            flush()
            batch = []
    if batch:
        flush()
    ts.engine.dispose()
    return (np.concatenate(rows), np.concatenate(gids), np.concatenate(labels),
            np.array(weights))


def _loglik(f: npt.NDArray[np.float32], w: F64, gid: npt.NDArray[np.int64],
            y: npt.NDArray[np.bool_], gw: F64, starts: npt.NDArray[np.int64], ridge: float,
            block: int = 1 << 20) -> tuple[float, F64, F64]:
    """(penalised log-likelihood, row posteriors, row scores) at ``w``."""
    s = np.empty(len(f))
    for a in range(0, len(f), block):
        s[a:a + block] = f[a:a + block] @ w
    top = np.maximum.reduceat(s, starts)
    p = np.exp(s - top[gid])
    tot = np.add.reduceat(p, starts)
    p /= tot[gid]
    ll = float((gw * (np.add.reduceat(np.where(y, s, 0.0), starts) - top - np.log(tot))).sum())
    return ll - 0.5 * ridge * float(w @ w), p, s


def newton(f: npt.NDArray[np.float32], gid: npt.NDArray[np.int64], y: npt.NDArray[np.bool_],
           gw: F64, w0: F64, free: npt.NDArray[np.bool_], ridge: float = 1.0,
           iters: int = 50) -> F64:
    """Maximise the weighted conditional-logit log-likelihood over the free weights.

    Damped Newton (the step is halved until the likelihood rises), computed column
    by column and block by block so memory stays at a few vectors of the row count
    beside ``f`` itself (millions of rows at medium scale).
    """
    w = w0.copy()
    w[~free] = 0.0
    d = len(w)
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    rw = gw[gid]
    block = 1 << 20
    idx = np.flatnonzero(free)
    ll, p, _ = _loglik(f, w, gid, y, gw, starts, ridge)
    for _ in range(iters):
        mu = np.empty((len(starts), d))
        for j in range(d):
            mu[:, j] = np.add.reduceat(p * f[:, j], starts)
        g = (rw[y][:, None] * f[y]).sum(0) - (gw[:, None] * mu).sum(0) - ridge * w
        h = ridge * np.eye(d) - mu.T @ (gw[:, None] * mu)
        pw = rw * p
        for a in range(0, len(f), block):
            fb = f[a:a + block].astype(np.float64)
            h += fb.T @ (pw[a:a + block, None] * fb)
        step = np.zeros_like(w)
        step[idx] = np.linalg.solve(h[np.ix_(idx, idx)], g[idx])
        t = 1.0
        while True:
            new_ll, new_p, _ = _loglik(f, w + t * step, gid, y, gw, starts, ridge)
            if new_ll >= ll - 1e-9 or t < 1e-6:
                break
            t /= 2
        w = w + t * step
        gain = new_ll - ll
        ll, p = new_ll, new_p
        if gain < 1e-6 * max(1.0, abs(ll)) and np.abs(t * step).max() < 1e-3:
            break
    return w


def fit(f: npt.NDArray[np.float32], gid: npt.NDArray[np.int64], y: npt.NDArray[np.bool_],
        gw: F64, w0: F64) -> F64:
    free = np.ones(len(FEATURES), dtype=bool)
    while True:
        w = newton(f, gid, y, gw, w0, free)
        bad = [k for k, name in enumerate(FEATURES)
               if free[k] and SIGN_CONSTRAINTS.get(name, 0) * w[k] < 0]
        if not bad:
            return w
        for k in bad:
            free[k] = False
        w0 = w


TOP = 12  # candidates per recovery kept for the threshold sweep
REVIEW_PRICE = 150  # never-licensed recoveries reviewed per licensed weapon found, at most


def posteriors(tracer: Tracer, db_url: str, truth: dict[str, dict[str, str]],
               batch_size: int = 10_000
               ) -> dict[str, npt.NDArray[np.generic]]:
    """Per recovery: the best TOP posteriors, which of them is the truth, and flags."""
    from armstrace.adapters.db.trace_store import TraceStore

    ts = TraceStore(open_store(db_url))
    position = {item: k for k, item in enumerate(tracer.reg.item_ids)}
    post, true, licensed, traceable = [], [], [], []
    batch: list = []

    def flush() -> None:
        for sb in tracer.scored_chunks(batch):
            add(sb)

    def add(sb: ScoredBatch) -> None:
        for k, rec in enumerate(sb.recoveries):
            rows = tracer.ranked(sb, k)[:TOP]
            p = np.zeros(TOP)
            t = np.zeros(TOP, dtype=bool)
            p[: len(rows)] = sb.post[rows]
            t[: len(rows)] = sb.ev.item[rows] == position.get(truth[rec.recovery_id]["item_id"], -1)
            post.append(p)
            true.append(t)
            licensed.append(bool(truth[rec.recovery_id]["item_id"]))
            traceable.append(bool(sb.ev.reading_ok[k])
                             and int(sb.ev.readable_chars[k]) >= tracer.params.min_readable)

    for rec in ts.recoveries():
        batch.append(rec)
        if len(batch) >= batch_size:
            flush()
            batch = []
    if batch:
        flush()
    ts.engine.dispose()
    return {"post": np.array(post), "true": np.array(true), "licensed": np.array(licensed),
            "traceable": np.array(traceable)}


def counts(d: dict[str, npt.NDArray[np.generic]], match: float, ratio: float, amb: float,
           list_ratio: float, max_listed: int) -> dict[str, int]:
    """What one set of thresholds decides on these posteriors (a vectorised ``decide``), counted."""
    p, t, lic, ok = d["post"], d["true"], d["licensed"], d["traceable"]
    top, second = p[:, 0], p[:, 1]
    m = ok & (top >= match) & (top >= ratio * second)
    a = ok & ~m & (p.sum(1) >= amb)
    listed = (p >= list_ratio * top[:, None]) & (np.arange(p.shape[1]) < max_listed)
    right_m = m & t[:, 0]
    right_a = a & (t & listed).any(1)
    return {"licensed": int(lic.sum()), "never": int((~lic).sum()), "matched": int(m.sum()),
            "matched_right": int(right_m.sum()), "found": int((right_m | right_a).sum()),
            "false_matches": int((m & ~lic).sum()), "review": int((a & ~lic).sum())}


def rates(d: dict[str, npt.NDArray[np.generic]], match: float, ratio: float, amb: float,
          list_ratio: float, max_listed: int) -> dict[str, float]:
    """The headline metrics for one set of thresholds."""
    c = counts(d, match, ratio, amb, list_ratio, max_listed)
    nl, nn = max(c["licensed"], 1), max(c["never"], 1)
    return {"precision": c["matched_right"] / max(c["matched"], 1), "recall": c["found"] / nl,
            "matched_recall": c["matched_right"] / nl, "false_matches": c["false_matches"] / nn,
            "review": c["review"] / nn}


def sweep(d: dict[str, npt.NDArray[np.generic]]) -> dict[str, float]:
    """The loosest thresholds that keep the targets on this world, with a margin.

    Matching: maximise matched recall with precision >= 99.6% and false matches
    <= 0.5%. Review: lower ``ambiguous_threshold`` step by step while each step
    finds at least one more licensed weapon per ``REVIEW_PRICE`` never-licensed
    recoveries it adds to the review queue, and the queue stays <= 10% of them
    (the target is 20%): past that, reviewers mostly read about crime guns that
    were never licensed.
    """
    best: tuple[float, float, float] | None = None
    for match in np.arange(0.80, 0.996, 0.005):
        for ratio in (5.0, 10.0, 20.0, 50.0):
            r = rates(d, float(match), ratio, 0.02, 0.02, 10)
            ok = r["precision"] >= 0.996 and r["false_matches"] <= 0.005
            if ok and (best is None or r["matched_recall"] > best[0] + 1e-9):
                best = (r["matched_recall"], float(match), ratio)
    if best is None:  # the target is out of reach here: take the most precise setting
        print("precision >= 99.6% is out of reach on this world; taking the most precise setting")
        grid = [(rates(d, float(m), r, 0.02, 0.02, 10), float(m), r)
                for m in np.arange(0.80, 0.996, 0.005) for r in (5.0, 10.0, 20.0, 50.0)]
        top = max(g[0]["precision"] for g in grid)
        best_r = max((g for g in grid if g[0]["precision"] >= top - 1e-9),
                     key=lambda g: g[0]["matched_recall"])
        best = (best_r[0]["matched_recall"], best_r[1], best_r[2])
    _, match, ratio = best
    chosen = {"match_threshold": round(match, 3), "match_ratio": ratio}
    lic = d["licensed"]
    nl, nn = int(lic.sum()), int((~lic).sum())
    prev = rates(d, match, ratio, 0.2, 0.02, 10)
    chosen["ambiguous_threshold"] = 0.2
    for amb in (0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001):
        r = rates(d, match, ratio, amb, 0.02, 10)
        found = (r["recall"] - prev["recall"]) * nl
        added = (r["review"] - prev["review"]) * nn
        if r["review"] > 0.10 or found * REVIEW_PRICE < added:
            break
        chosen["ambiguous_threshold"] = amb
        prev = r
    print("chosen:", chosen)
    for amb in (0.05, 0.01, chosen["ambiguous_threshold"]):
        for lr in (0.005, 0.02, 0.05):
            r = rates(d, match, ratio, amb, lr, 10)
            print(f"  ambiguous >= {amb}, list >= {lr} x best: "
                  + ", ".join(f"{k} {v:.4f}" for k, v in r.items()))
    print("  precision / matched recall by match threshold (ratio as chosen):")
    for m in (0.8, 0.85, 0.9, 0.93, 0.95, 0.96, 0.97, 0.98, 0.99):
        r = rates(d, m, ratio, chosen["ambiguous_threshold"], 0.02, 10)
        print(f"    {m:.2f}: precision {r['precision']:.4f}, matched recall {r['matched_recall']:.4f}, "
              f"false matches {r['false_matches']:.5f}")
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", default="default")
    ap.add_argument("--variant", default="", help="fit on the world with its recoveries written down "
                    "again: a recording profile (poor, fair, careful) or shifted; or inventories, the "
                    "world simulated with custodians' inventory counts")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep-unlicensed", type=float, default=0.5)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/armstrace-bench"))
    ap.add_argument("--save", type=Path, default=Path("scoring_fit.json"),
                    help="where to write the fitted weights and thresholds (JSON)")
    ap.add_argument("--weights", type=Path, help="start from these weights (JSON)")
    args = ap.parse_args()
    world = prepare_world(args.workdir, args.seed, args.scale, variant=args.variant)
    truth = read_truth(world.truth_path)
    store = open_store(world.db_url)
    # Always from the same start (the shipped defaults, or --weights): the rounds read
    # custody and prune candidates by the current weights, so the start matters.
    tracer, _ = open_tracer(store, ScoringParameters())
    params = tracer.params
    if args.weights:
        saved = json.loads(args.weights.read_text())
        params = params.with_weights(FEATURES, [saved[n] for n in FEATURES])
        tracer.params = params
    for rnd in range(args.rounds):
        t0 = time.perf_counter()
        f, gid, y, gw = collect(tracer, world.db_url, truth, args.keep_unlicensed)
        w = fit(f, gid, y, gw, params.weights(FEATURES))
        del f, gid, y, gw
        params = params.with_weights(FEATURES, w)
        tracer.params = params
        args.save.write_text(json.dumps({n: float(getattr(params, n)) for n in FEATURES}, indent=1))
        print(f"round {rnd + 1}: {time.perf_counter() - t0:.1f} s", flush=True)
    d = posteriors(tracer, world.db_url, truth)
    np.savez(args.save.with_suffix(".npz"), **d)
    chosen = sweep(d)
    args.save.write_text(json.dumps({**{n: float(getattr(params, n)) for n in FEATURES}, **chosen},
                                    indent=1))
    from armstrace.adapters.db.trace_store import TraceStore
    from armstrace.domain.recording_quality import reread_disagreement

    estimate = reread_disagreement(TraceStore(open_store(world.db_url)).reread_rows())
    print(f"re-reading disagreement on this world: {estimate.differing:,} of {estimate.pairs:,} "
          f"= {estimate.rate or 0:.4f}")
    for fld in fields(ScoringParameters):
        if fld.name in FEATURES:
            print(f"    {fld.name}: float = {getattr(params, fld.name):.2f}")
        elif fld.name in chosen:
            print(f"    {fld.name}: float = {chosen[fld.name]}")


if __name__ == "__main__":
    main()
