"""Benchmark: candidate generation for damaged serial readings (fixed seed).

Builds a registry of N serials the way exports happen: sequential production
runs (some with gaps, as when a run is split between customers) across makers
whose formats differ ("LE" + 6 digits, "BFI" + 6, "SV" + 5 with rolling letters,
pure digits with leading zeros shared by several makers, Ruger-style
"196-12345"), then M readings of random items damaged the way officers record
them: labels, spaces, dashes, lower case, look-alikes, one or two edits
(substitution, transposition, insertion, deletion), dropped prefixes or lost
leading zeros, one or two unreadable marks, partly ground-off serials, and a
small share of damage beyond the promised error model (three edits, a dropped
prefix plus an edit), reported separately rather than hidden.

Measures build time, query time, peak RSS, recall of the true item and the
mean number of candidates, and runs a brute-force rapidfuzz OSA scan on a
sample of readings side by side (its candidate sets are also checked against
the index's: the index must contain every brute-force hit).

    .venv/bin/python bench/bench_candidates.py --items 1000000 --queries 100000
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from armstrace.adapters.linkage.candidates import MIN_CORE_LEN, CandidateIndex
from armstrace.domain.serials import (
    fold_confusables,
    normalise_serial,
    reading_cores,
    serial_cores,
)

DIGITS = "0123456789"
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
ALNUM = DIGITS + LETTERS
LOOKALIKE = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8",
             "8": "B", "Z": "2", "2": "Z", "G": "6", "6": "G", "D": "0", "L": "1"}
LABELS = ("No. ", "S/N: ", "NO. DE SERIE ", "SERIE: ", "MATRICULA ", "#", "N° ")
MARKS = "?*_#"


@dataclass(frozen=True)
class Fmt:
    """A marking scheme: letters + zero-padded number, rolling letters, or blocks."""

    prefix: str
    digits: int
    style: str = "prefix"  # prefix | rollover | block
    suffix: str = ""
    weight: float = 1.0

    def render(self, n: int) -> str:
        if self.style == "block":
            block, body = divmod(n, 10**self.digits)
            return f"{int(self.prefix) + block}-{body:0{self.digits}d}"
        if self.style == "rollover":
            turn, body = divmod(n, 10**self.digits)
            return f"{_bump(self.prefix, turn)}{body:0{self.digits}d}{self.suffix}"
        return f"{self.prefix}{n:0{self.digits}d}{self.suffix}"

    def prefix_len(self, serial: str) -> int:
        if self.style == "block":
            return serial.index("-") + 1
        return len(serial) - self.digits - len(self.suffix)


def _bump(prefix: str, steps: int) -> str:
    letters = prefix.lstrip(DIGITS)
    head = prefix[: len(prefix) - len(letters)]
    v = 0
    for ch in letters:
        v = v * 26 + ord(ch) - 65
    v += steps
    out = []
    for _ in letters:
        v, r = divmod(v, 26)
        out.append(chr(65 + r))
    return head + "".join(reversed(out))


# (maker, format); the two "D6"/"D7" pure-digit formats are shared between makers.
FORMATS: list[tuple[str, Fmt]] = [
    ("Colt", Fmt("LE", 6, weight=3)), ("Colt", Fmt("A", 6, weight=0.5)),
    ("Bushmaster", Fmt("BFI", 6, weight=2)), ("Bushmaster", Fmt("L", 6, weight=1)),
    ("SIG Sauer", Fmt("SV", 5, "rollover", weight=1.5)), ("SIG Sauer", Fmt("63A", 6)),
    ("SIG Sauer", Fmt("U", 6, "rollover")), ("FN Herstal", Fmt("FN", 6)),
    ("FN Herstal", Fmt("LC", 5, "rollover")), ("Ruger", Fmt("196", 5, "block", weight=2)),
    ("Ruger", Fmt("580", 5, "block")), ("Remington", Fmt("", 6, weight=1.5)),
    ("Springfield Armory", Fmt("", 6)), ("Zastava", Fmt("", 6, weight=0.5)),
    ("Remington", Fmt("RS", 5, suffix="W")), ("Beretta", Fmt("BER", 6, weight=1.5)),
    ("Beretta", Fmt("PX", 5, "rollover")), ("Beretta", Fmt("D", 5, suffix="Z")),
    ("Smith & Wesson", Fmt("HSK", 4, "rollover")), ("Smith & Wesson", Fmt("SM", 6, "rollover")),
    ("Barrett", Fmt("", 5, weight=0.3)), ("Daniel Defense", Fmt("DDM", 7, weight=0.5)),
    ("Taurus", Fmt("TAW", 5, "rollover")), ("Glock", Fmt("AAA", 3, "rollover", weight=1.5)),
    ("Norinco", Fmt("", 7)), ("Anderson", Fmt("", 8, weight=0.7)),
    ("Springfield Armory", Fmt("US", 6, "rollover")), ("Hi-Point", Fmt("P", 7, weight=0.5)),
]


def make_registry(n_items: int, rng: random.Random) -> tuple[list[str], list[int]]:
    """Serials in sequential production runs; returns (serials, format id per item)."""
    counters = [rng.randrange(0, 2000) for _ in FORMATS]
    weights = [f.weight for _, f in FORMATS]
    serials: list[str] = []
    fmt_of: list[int] = []
    while len(serials) < n_items:
        k = rng.choices(range(len(FORMATS)), weights)[0]
        fmt = FORMATS[k][1]
        size = min(int(rng.lognormvariate(5.8, 1.0)) + 10, 5000)  # median ~330
        gappy = rng.random() < 0.3
        start = counters[k] + rng.randrange(0, 3000)
        n = start
        for _ in range(min(size, n_items - len(serials))):
            serials.append(fmt.render(n))
            fmt_of.append(k)
            n += 1 + (rng.randrange(0, 3) if gappy else 0)
        counters[k] = n
    return serials, fmt_of


def _edit(rng: random.Random, chars: list[str], kind: str) -> None:
    n = len(chars)
    if kind == "substitution":
        i = rng.randrange(n)
        pool = DIGITS if chars[i].isdigit() else LETTERS
        chars[i] = rng.choice([c for c in pool if c != chars[i]])
    elif kind == "transposition" and n > 1:
        i = rng.randrange(n - 1)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif kind == "insertion":
        chars.insert(rng.randrange(n + 1), rng.choice(DIGITS))
    elif kind == "deletion" and n > 3:
        del chars[rng.randrange(n)]


def damage(rng: random.Random, serial: str, prefix_len: int) -> tuple[str, str]:
    """A reading of ``serial`` and the damage class it belongs to."""
    chars = list(serial.replace("-", ""))
    plen = prefix_len - (1 if "-" in serial[:prefix_len] else 0)
    r = rng.random()
    if r < 0.04:
        return rng.choice(("ILEGIBLE", "LIMADO", "SIN NUMERO", "S/N", "", "N/A")), "unreadable"
    r = rng.random()
    if r < 0.20:
        kind = "perfect"
    elif r < 0.33:
        kind = "lookalike"
        spots = [i for i, c in enumerate(chars) if c in LOOKALIKE]
        for i in rng.sample(spots, min(len(spots), rng.choice((1, 1, 2)))):
            chars[i] = LOOKALIKE[chars[i]]
    elif r < 0.63:
        n_edits = rng.choice((1, 1, 1, 2))
        kind = f"{n_edits}_edit"
        for _ in range(n_edits):
            _edit(rng, chars, rng.choice(("substitution", "substitution", "transposition",
                                          "insertion", "deletion")))
    elif r < 0.73:
        kind = "prefix_or_zeros"
        if plen > 0 and rng.random() < 0.6:
            del chars[:plen]
        else:
            while len(chars) > 1 and chars[plen if plen < len(chars) else 0] == "0":
                del chars[plen]
            if chars[0] == "0":
                chars.pop(0)
    elif r < 0.86:
        k = rng.choice((1, 1, 2))
        kind = f"{k}_wildcard"
        for i in rng.sample(range(len(chars)), k):
            chars[i] = rng.choice(MARKS)
        if k == 1 and rng.random() < 0.4:
            i = rng.choice([j for j, c in enumerate(chars) if c not in MARKS])
            pool = DIGITS if chars[i].isdigit() else LETTERS
            chars[i] = rng.choice([c for c in pool if c != chars[i]])
    elif r < 0.93:
        kind = "partial"
        n = len(chars)
        run = max(3, min(n - 2, round(n * rng.uniform(0.3, 0.5))))
        start = rng.randrange(n - run + 1)
        mark = rng.choice(MARKS)
        for i in range(start, start + run):
            chars[i] = mark
    else:
        kind = "beyond_model"
        if plen > 0 and rng.random() < 0.5:
            del chars[:plen]
            _edit(rng, chars, "substitution")
        else:
            for _ in range(3):
                _edit(rng, chars, "substitution")
    text = "".join(chars)
    if rng.random() < 0.15 and len(text) > 2:
        i = rng.randrange(1, len(text))
        text = text[:i] + rng.choice((" ", "-", " - ")) + text[i:]
    if rng.random() < 0.10:
        text = rng.choice(LABELS) + text
    if rng.random() < 0.10:
        text = text.lower()
    return text, kind


def in_model(reading: str, serial: str) -> bool:
    """Does the index's stated guarantee cover this (reading, true marking) pair?"""
    if not reading:
        return False
    fr, fs = fold_confusables(reading), fold_confusables(normalise_serial(serial).canonical)
    k = fr.count("?")
    if k == 0:
        if OSA.distance(fr, fs) <= 2:
            return True
        ours = {c for c in reading_cores(reading) if len(c) >= MIN_CORE_LEN}
        return bool(ours & set(serial_cores(serial)))
    if len(fr) != len(fs):  # wildcards stand for exactly one character each
        return False
    diff = sum(1 for a, b in zip(fr, fs, strict=True) if a != "?" and a != b)
    return diff == 0 if k >= 3 else diff <= 2 - k


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20091130)
    ap.add_argument("--baseline-sample", type=int, default=200)
    ap.add_argument("--workers", type=int, default=1, help="threads for build and query")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    registry, fmt_of = make_registry(args.items, rng)
    truth = [rng.randrange(len(registry)) for _ in range(args.queries)]
    raw_kind = [
        damage(rng, registry[i], FORMATS[fmt_of[i]][1].prefix_len(registry[i])) for i in truth
    ]
    t_gen = time.perf_counter() - t0
    rss_data = rss_mb()

    t0 = time.perf_counter()
    readings = [normalise_serial(raw) for raw, _ in raw_kind]
    t_norm = time.perf_counter() - t0

    gc.collect()
    t0 = time.perf_counter()
    index = CandidateIndex.build(registry, workers=args.workers)
    t_build = time.perf_counter() - t0
    rss_build = rss_mb()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.npz"
        t0 = time.perf_counter()
        index.save(path)
        t_save = time.perf_counter() - t0
        del index
        gc.collect()
        t0 = time.perf_counter()
        index = CandidateIndex.load(path)
        t_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    batch = index.query_many(readings, workers=args.workers)
    t_query = time.perf_counter() - t0
    rss_query = rss_mb()

    counts = batch.counts()
    found = np.zeros(len(readings), dtype=bool)
    for q, item in enumerate(truth):
        a, b = batch.offsets[q], batch.offsets[q + 1]
        # registry strings may repeat across makers: any item with the true string counts
        found[q] = item in set(batch.items[a:b].tolist()) if b > a else False
    readable = np.array([r.readable for r in readings])
    covered = np.array(
        [r.readable and in_model(r.canonical, registry[i]) for r, i in zip(readings, truth, strict=True)]
    )
    by_kind: dict[str, list[int]] = {}
    for q, (_, kind) in enumerate(raw_kind):
        by_kind.setdefault(kind, []).append(q)

    index_mb = (index.entries.nbytes + index.offsets.nbytes + index.canonical.nbytes * 2) / 2**20
    print(f"\nregistry {len(registry):,} serials, {len(readings):,} readings, seed {args.seed}, "
          f"{args.workers} worker(s)")
    print(f"index: {len(index.entries):,} keys, {index.bucket_bits} bucket bits, {index_mb:,.0f} MB")
    print("\n| step | wall s | peak RSS MB |")
    print("|---|---:|---:|")
    print(f"| generate data (not timed below) | {t_gen:.2f} | {rss_data:,.0f} |")
    print(f"| normalise readings | {t_norm:.2f} | |")
    print(f"| build index | {t_build:.2f} | {rss_build:,.0f} |")
    print(f"| save / load index (.npz) | {t_save:.2f} / {t_load:.2f} | |")
    print(f"| query_many | {t_query:.2f} | {rss_query:,.0f} |")
    print(f"| **build + query** | **{t_build + t_query:.2f}** | **{rss_query:,.0f}** |")

    print("\n| readings | n | recall | mean cands | median |")
    print("|---|---:|---:|---:|---:|")

    def row(name: str, sel: np.ndarray) -> None:
        n = int(sel.sum())
        if n == 0:
            return
        print(f"| {name} | {n:,} | {found[sel].mean():.4%} | {counts[sel].mean():.1f} | "
              f"{np.median(counts[sel]):.0f} |")

    row("all readable", readable)
    row("within the guarantee", covered)
    row("outside it", readable & ~covered)
    for kind in sorted(by_kind):
        sel = np.zeros(len(readings), dtype=bool)
        sel[by_kind[kind]] = True
        row(f"  {kind}", sel & readable)
    print(f"\nunreadable readings: {int((~readable).sum()):,} (no candidates by design)")
    misses = Counter(raw_kind[q][1] for q in np.flatnonzero(covered & ~found))
    print(f"misses inside the guarantee: {sum(misses.values())} {dict(misses)}")

    # brute force on a sample of plain readings (no wildcards): OSA <= 2 over the registry
    sample = [q for q in range(len(readings))
              if readings[q].readable and "?" not in readings[q].canonical]
    sample = random.Random(1).sample(sample, min(args.baseline_sample, len(sample)))
    folded_reg = [fold_confusables(s.replace("-", "")) for s in registry]
    t0 = time.perf_counter()
    missing = extra = 0
    for start in range(0, len(sample), 25):
        part = sample[start : start + 25]
        qs = [readings[q].folded for q in part]
        d = process.cdist(qs, folded_reg, scorer=OSA.distance, score_cutoff=2,
                          dtype=np.uint8, workers=1)
        for row_i, q in enumerate(part):
            brute = set(np.flatnonzero(d[row_i] <= 2).tolist())
            a, b = batch.offsets[q], batch.offsets[q + 1]
            got = {int(i) for i, dd in zip(batch.items[a:b], batch.distances[a:b], strict=True)
                   if dd <= 2}
            missing += len(brute - got)
            extra += len(got - brute)
    t_brute = time.perf_counter() - t0
    per_q = t_brute / max(1, len(sample))
    idx_per_q = t_query / max(1, len(readings))
    print(f"\nbrute-force rapidfuzz cdist (OSA <= 2, 1 thread) on {len(sample)} readings: "
          f"{per_q * 1000:.1f} ms/reading -> {per_q * len(readings):,.0f} s extrapolated "
          f"for {len(readings):,}; index {idx_per_q * 1e6:.0f} us/reading "
          f"(ratio {per_q / idx_per_q:,.0f}x)")
    print(f"brute-force hits missing from the index: {missing}; index hits not in brute force: "
          f"{extra}")


if __name__ == "__main__":
    main()
