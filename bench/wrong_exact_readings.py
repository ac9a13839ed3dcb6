"""Who the tracer's confident mistakes are: its best candidate when it is not the weapon.

For worlds that ``bench.accuracy_trace`` has traced (their ``traces.csv`` under the
work folder), takes every recovery traced ``matched`` or ``ambiguous`` with a best
candidate at confidence >= ``--confidence`` and, when that candidate is not the
true weapon, says from the ground truth what it is: a lot neighbour still held
lawfully or one diverted too (before or after the recovery date, from the same
holder as the true weapon or not), and whether its holder counted it in an
inventory after the recovery date (the one record that could have ruled it out).
Why: what evidence could lift ``matched`` is decided by who these are.

    .venv/bin/python -m bench.wrong_exact_readings --worlds default:11:inventories,default:12:inventories
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter, defaultdict
from pathlib import Path

from bench.trace_worlds import world_folder


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def tally(folder: Path, confidence: float) -> Counter[tuple[str, ...]]:
    """Counts of right best candidates and of the kinds of wrong ones in one traced world."""
    world = folder / "world"
    counted: dict[str, list[str]] = defaultdict(list)
    for e in _rows(world / "custody_events.csv"):
        if e["event_type"] == "inventory":
            counted[e["item_id"]].append(e["occurred_at"][:10])
    items = {r["item_id"]: r for r in _rows(world / "truth" / "truth_items.csv")}
    truth = {r["recovery_id"]: r for r in _rows(world / "truth" / "truth_recoveries.csv")}
    day_of = {r["recovery_id"]: r["recovered_on"][:10] for r in _rows(world / "recoveries.csv")}
    out: Counter[tuple[str, ...]] = Counter()
    for r in _rows(folder / "traces.csv"):
        if r["status"] not in ("matched", "ambiguous") or float(r["confidence"]) < confidence:
            continue
        best = r["item_id"] or r["candidates"].split(";")[0]
        t = truth[r["recovery_id"]]
        if t["item_id"] == best:
            out[("right",)] += 1
            continue
        day = day_of[r["recovery_id"]]
        n = items[best]
        diverted = n["diverted"] == "yes"
        holder = n["diverted_from_party_id"]
        same = bool(t["item_id"]) and items[t["item_id"]]["diverted_from_party_id"] == holder
        out[("licensed weapon" if t["licensed"] == "yes" else "never-licensed weapon",
             ("neighbour diverted " + ("before" if n["diverted_on"] <= day else "after") + " the recovery")
             if diverted else "neighbour still held",
             "same holder as the truth" if same else "",
             "counted after the recovery" if any(d > day for d in counted.get(best, ()))
             else "not counted after the recovery")] += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worlds", required=True, help="scale:seed[:variant], comma-separated, as traced")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/armstrace-bench"))
    ap.add_argument("--confidence", type=float, default=0.9)
    args = ap.parse_args()
    total: Counter[tuple[str, ...]] = Counter()
    for spec in args.worlds.split(","):
        scale, seed, *flag = spec.split(":")
        folder = world_folder(args.workdir, int(seed), scale, flag[0] if flag else "")
        if not (folder / "traces.csv").exists():
            raise SystemExit(f"{folder}/traces.csv is missing: trace it first with bench.accuracy_trace")
        total += tally(folder, args.confidence)
    print(f"| best candidate at confidence >= {args.confidence} | recoveries |")
    print("|---|---:|")
    for key, n in total.most_common():
        print(f"| {'; '.join(k for k in key if k)} | {n:,} |")


if __name__ == "__main__":
    main()
