"""Does the custodian ranking find the planted diversion points? Precision at k on simulated worlds.

For each (scale, seed): simulate a world, import it into a throwaway SQLite store,
trace it, rank custodians with ``services.analytics.diversion_rates`` and count how
many of the top k are among the hot custodians the simulator planted
(``truth/manifest.json``). Two sources of traces, each reported separately:

* ``tracer``: the real ``services.tracing.trace_all`` (if it imports and runs);
* ``oracle``: the truth file's ``documented_last_custodian_id`` for every licensed
  recovery, as a perfect tracer would name it. This is an upper bound for the
  tracer, not a measure of it.

Some planted hot custodians cannot be found by any analysis of the record: in a
small world many never receive a weapon, and units of the states that never
record assignments are hidden behind their state government (their weapons'
trails end there, which is the finding). ``findable`` counts the hot custodians
named as documented last custodian by at least one licensed recovery in the
truth file; ``ceiling`` is the best precision at k that allows.

    .venv/bin/python -m bench.accuracy_ranking --worlds small:11,small:12,default:11,default:12 \\
        --markdown docs/accuracy.md
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import textwrap
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.db.trace_store import TraceStore
from armstrace.adapters.io.mappings import load_mapping
from armstrace.bootstrap import open_store
from armstrace.domain.statistics import rank_key
from armstrace.services.analytics import DiversionRate, diversion_rates
from armstrace.services.analytics_data import Dataset, load_dataset
from armstrace.services.importing import Importer
from armstrace.services.ports import SystemClock
from armstrace.simulate.world import generate_world
from bench.sections import replace_section

KS = (5, 10, 13)
CHOSEN = "wilson_lower_95 (chosen)"
HEADING = "## Ranking the diversion points"
END_MARK = "<!-- end of section: ranking the diversion points (bench/accuracy_ranking.py) -->"

# Alternative orderings of the same rows (exposed denominator), to show what the chosen key buys.
KEYS: dict[str, Callable[[DiversionRate], tuple[float, ...]]] = {
    "wilson_lower_95 (chosen)": lambda r: rank_key(r.recovered, r.exposed),
    "jeffreys_lower_95": lambda r: (r.rate.jeffreys.low, r.rate.jeffreys.high),
    "p_above_overall": lambda r: (r.rate.p_above or 0.0, r.rate.estimate or 0.0),
    "ratio k/n": lambda r: (r.rate.estimate or 0.0, float(r.exposed)),
    "count k": lambda r: (float(r.recovered), r.rate.estimate or 0.0),
}


@dataclass
class Result:
    scale: str
    seed: int
    source: str
    hot: int
    findable: int
    licensed_recoveries: int
    named: int
    precision: dict[str, dict[int, float]]
    seconds: float
    others_top10: Counter[str]  # what the non-hot custodians in the top 10 are


def prepare(workdir: Path, scale: str, seed: int) -> tuple[Path, str]:
    """Simulate and import (scale, seed) unless already done; returns (world folder, db url)."""
    folder = workdir / f"{scale}-{seed}"
    world, db = folder / "world", folder / "store.db"
    url = f"sqlite:///{db}"
    if not (folder / ".imported").exists():
        folder.mkdir(parents=True, exist_ok=True)
        generate_world(world, seed=seed, scale=scale)
        db.unlink(missing_ok=True)
        store = open_store(url)
        Importer(store, SystemClock(), load_mapping(None)).run(world, folder / "rejects.csv")
        store.engine.dispose()
        (folder / ".imported").write_text("ok\n")
    return world, url


SCORERS: set[str] = set()  # the calibrations the tracer chose, for the provenance line


def run_tracer(store: SqlStore) -> str | None:
    """Trace with the real tracer; returns None on success, else why it could not run."""
    try:
        from armstrace.services.tracing import trace_all
    except ImportError as exc:
        return f"services.tracing not importable: {exc}"
    try:
        SCORERS.add(trace_all(store).scorer_version)
    except Exception as exc:  # the tracer is someone else's work in progress
        return f"trace_all failed: {type(exc).__name__}: {exc}"
    return None


def write_oracle(store: SqlStore, world: Path) -> int:
    """A completed trace run naming each licensed recovery's documented last custodian."""
    ts = TraceStore(store)
    items: dict[str, str] = {}
    with open(world / "truth" / "truth_items.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            items[row["item_id"]] = row["licence_id"]
    clock = SystemClock()
    run_id = f"ORACLE-{uuid.uuid4().hex[:12]}"
    ts.start_run(run_id, clock.now(), "oracle_truth")
    rows = []
    with open(world / "truth" / "truth_recoveries.csv", newline="", encoding="utf-8") as f:
        for t in csv.DictReader(f):
            licensed = t["licensed"] == "yes" and bool(t["item_id"])
            rows.append({
                "recovery_id": t["recovery_id"], "status": "matched" if licensed else "unmatched",
                "item_id": t["item_id"] if licensed else None, "confidence": 1.0,
                "licence_id": items.get(t["item_id"]) if licensed else None,
                "last_custodian_id": (t["documented_last_custodian_id"] or None) if licensed else None,
                "reason": "oracle: ground truth of the simulated world"})
    for start in range(0, len(rows), 10_000):
        ts.write(run_id, "oracle_truth", rows[start:start + 10_000])
    ts.finish_run(run_id, clock.now(), "completed", store.count("items"), len(rows))
    return sum(1 for r in rows if r["status"] == "matched")


def precision_at(rows: Sequence[DiversionRate], hot: set[str], key: Callable[[DiversionRate],
                 tuple[float, ...]]) -> dict[int, float]:
    ordered = sorted(rows, key=lambda r: (tuple(-x for x in key(r)), r.key))
    return {k: sum(1 for r in ordered[:k] if r.key in hot) / k for k in KS}


def evaluate(ds: Dataset, hot: set[str], silent: set[str], findable: int, scale: str, seed: int,
             source: str, seconds: float) -> Result:
    table = diversion_rates(ds, "custodian")
    others: Counter[str] = Counter()
    for r in table.rows[:10]:
        if r.key in hot:
            continue
        what = r.kind or "unknown"
        if what == "state_government" and r.region in silent:
            what += " of a state that records no assignments"
        elif r.region and any(h.startswith(f"P-{r.region}-") for h in hot):
            what += " of a state with a hot custodian"
        others[what] += 1
    licensed = sum(1 for t in ds.traces if t.status == "matched")
    named = sum(1 for t in ds.traces if t.names_custodian)
    precision = {name: precision_at(table.rows, hot, key) for name, key in KEYS.items()}
    chosen = KEYS[CHOSEN]
    for den in ("held", "received"):
        rows = diversion_rates(ds, "custodian", denominator=den).rows
        precision[f"{CHOSEN}, n = {den}"] = precision_at(rows, hot, chosen)
    return Result(scale, seed, source, len(hot), findable, licensed, named, precision, seconds,
                  others)


def findable_hot(world: Path, hot: set[str]) -> int:
    """Hot custodians that at least one licensed recovery documents as last custodian."""
    with open(world / "truth" / "truth_recoveries.csv", newline="", encoding="utf-8") as f:
        named = {t["documented_last_custodian_id"] for t in csv.DictReader(f)
                 if t["licensed"] == "yes"}
    return len(hot & named)


def measure(workdir: Path, scale: str, seed: int, sources: Sequence[str]) -> list[Result]:
    world, url = prepare(workdir, scale, seed)
    manifest = json.loads((world / "truth" / "manifest.json").read_text(encoding="utf-8"))
    hot = set(manifest["diversion"]["hot_custodians"])
    silent = set(manifest["diversion"]["states_without_assignment_records"])
    findable = findable_hot(world, hot)
    store = open_store(url)
    out = []
    try:
        if "tracer" in sources:
            t0 = time.perf_counter()
            problem = run_tracer(store)
            if problem is None:
                out.append(evaluate(load_dataset(store), hot, silent, findable, scale, seed, "tracer",
                                    time.perf_counter() - t0))
            else:
                print(f"<!-- {scale}:{seed}: tracer unavailable ({problem}) -->")
        if "oracle" in sources:
            t0 = time.perf_counter()
            write_oracle(store, world)
            out.append(evaluate(load_dataset(store), hot, silent, findable, scale, seed, "oracle",
                                time.perf_counter() - t0))
    finally:
        store.engine.dispose()
    return out


def markdown(results: Sequence[Result], command: str) -> str:
    lines = [HEADING, "",
             "Custodians ranked by `services.analytics.diversion_rates(ds, \"custodian\")`: the "
             "95 % Wilson lower bound of recovered weapons over weapons exposed (for custodians "
             "that keep weapons, those whose documented trail ends with them; for brokers, "
             "customs brokers, the import authority and exporters, all they received), scored "
             "against the 13 hot custodians the simulator plants (`truth/manifest.json`). "
             "*oracle* = traces built from the truth file's documented last custodian: an upper "
             "bound for the tracer, not a measure of it. *findable* = hot custodians that at "
             "least one licensed recovery documents as last custodian (in a small world many hot "
             "custodians never receive a weapon; units of states that never record assignments "
             "are hidden behind their state government, by design); *ceiling* = the best "
             "precision at 13 that allows.", "",
             f"    {command}", "",
             f"Code: {provenance()}.", "",
             "| world | traces | hot (findable) | matched | naming a custodian "
             "| P@5 | P@10 | P@13 | ceiling@13 | findable in top 13 |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        p = r.precision[CHOSEN]
        lines.append(f"| {r.scale}:{r.seed} | {r.source} | {r.hot} ({r.findable}) | "
                     f"{r.licensed_recoveries:,} | {r.named:,} | {p[5]:.2f} | {p[10]:.2f} | "
                     f"{p[13]:.2f} | {min(13, r.findable) / 13:.2f} | "
                     f"{round(p[13] * 13)} of {r.findable} |")
    scales = sorted({r.scale for r in results}, key=lambda s: [r.scale for r in results].index(s))
    lines += ["", "In short:", ""]
    for scale in scales:
        for source in ("tracer", "oracle"):
            rs = [r for r in results if r.source == source and r.scale == scale]
            if not rs:
                continue
            top5 = sum(r.precision[CHOSEN][5] * 5 for r in rs) / len(rs)
            found = sum(round(r.precision[CHOSEN][13] * 13) for r in rs)
            total = sum(r.findable for r in rs)
            others: Counter[str] = Counter()
            for r in rs:
                others.update(r.others_top10)
            lines.append(f"- {scale}, {source}: on average {top5:.1f} of the top 5 are planted hot "
                         f"custodians; {found} of the {total} findable are in the top 13. The "
                         f"others in the top 10 ({len(rs)} worlds): "
                         + ", ".join(f"{k} {v}" for k, v in others.most_common()) + ".")
    lines += ["", "Mean precision at k by ranking key and denominator (same traces, other "
              "orderings; *chosen* is what `diversion_rates` does):", "",
              "| key | traces | " + " | ".join(f"{s} P@5 | P@10 | P@13" for s in scales) + " |",
              "|---|---|" + "---:|---:|---:|" * len(scales)]
    for name in results[0].precision if results else ():
        for source in ("tracer", "oracle"):
            cells = []
            for scale in scales:
                rs = [r for r in results if r.source == source and r.scale == scale]
                for k in KS:
                    cells.append(f"{sum(r.precision[name][k] for r in rs) / len(rs):.2f}"
                                 if rs else "–")
            if any(c != "–" for c in cells):
                lines.append(f"| {name} | {source} | " + " | ".join(cells) + " |")
    return "\n".join(_wrap(line) for line in lines) + "\n"


def _wrap(line: str) -> str:
    """Prose wrapped like the rest of the docs; tables, code and list items kept whole."""
    if not line or line.startswith(("|", "    ", "#")):
        return line
    if line.startswith("- "):
        return textwrap.fill(line, 88, subsequent_indent="  ")
    return textwrap.fill(line, 88)


def provenance() -> str:
    """The commit, and whether the tracer's files differ from it (work in progress)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, check=True,
                                  cwd=Path(__file__).resolve().parent).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "../src/armstrace/services/tracing.py",
                "../src/armstrace/services/trace_evidence.py", "../src/armstrace/domain/scoring.py",
                "../src/armstrace/domain/calibrations.py")
    note = "; the tracer's files had uncommitted changes" if dirty else ""
    version = ", ".join(sorted(SCORERS)) or "none"
    return f"commit {head}, scorer {version}{note}"


def append_section(path: Path, text: str) -> None:
    """Replace our own section (from HEADING to END_MARK) if present, else append it."""
    replace_section(path, text, HEADING, END_MARK)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", default="small:11,small:12,default:11,default:12",
                    help="scale:seed,... (default: %(default)s)")
    ap.add_argument("--sources", default="tracer,oracle")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/armstrace-bench-ranking"))
    ap.add_argument("--markdown", type=Path, help="append the section to this file")
    args = ap.parse_args(argv)
    sources = args.sources.split(",")
    results: list[Result] = []
    for spec in args.worlds.split(","):
        scale, seed = spec.split(":")
        results.extend(measure(args.workdir, scale, int(seed), sources))
    command = (f".venv/bin/python -m bench.accuracy_ranking --worlds {args.worlds} "
               f"--sources {args.sources}")
    text = markdown(results, command)
    print(text)
    if args.markdown:
        append_section(args.markdown, text)


if __name__ == "__main__":
    main()
