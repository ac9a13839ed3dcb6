"""Accuracy of licence-splitting detection against the simulator's planted groups.

For each (scale, seed): simulate a world, import its parties and licences into a
throwaway SQLite store (the detector reads nothing else), run ``find_splits`` and
compare with ``truth/truth_splits.csv``:

* recall: planted ``split`` groups whose every licence is in one reported group;
* decoys reported: planted ``decoy`` groups (a shared order under the threshold, one
  licence over it) any of whose licences is reported; should be 0;
* outside planted: reported groups that are not part of a planted split (the
  simulator does not label ordinary licences, so these are for reading, not errors
  by definition).

Small worlds plant one DDTC split; 100,000 weapons or more also plant a BIS one.

    .venv/bin/python -m bench.accuracy_splits --worlds small:1,small:2,small:3,100000:1,100000:3
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from armstrace.adapters.db.engine import make_engine
from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.io.mappings import load_mapping
from armstrace.services.importing import Importer
from armstrace.services.ports import SystemClock
from armstrace.services.splitting import find_splits
from armstrace.simulate.world import generate_world


def run(scale: str, seed: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate_world(root / "w", seed=seed, scale=int(scale) if scale.isdigit() else scale)
        (root / "in").mkdir()
        for name in ("parties.csv", "licences.csv"):
            shutil.copy(root / "w" / name, root / "in" / name)
        store = SqlStore(make_engine(f"sqlite:///{root / 's.db'}"))
        Importer(store, SystemClock(), load_mapping(None)).run(root / "in", root / "rej.csv")
        groups = find_splits(store)
        n_licences = store.count("licences")
        store.engine.dispose()
        with open(root / "w" / "truth" / "truth_splits.csv", newline="", encoding="utf-8") as f:
            truth = list(csv.DictReader(f))
    planted: dict[str, set[str]] = defaultdict(set)
    decoys: dict[str, set[str]] = defaultdict(set)
    thresholds: set[str] = set()
    for row in truth:
        (planted if row["kind"] == "split" else decoys)[row["group_id"]].add(row["licence_id"])
        if row["kind"] == "split":
            thresholds.add(f"${int(row['threshold_usd']) // 1_000_000}M")
    reported = {lid for g in groups for lid in g.licence_ids}
    found = sum(any(m <= set(g.licence_ids) for g in groups) for m in planted.values())
    decoy_hits = sum(bool(m & reported) for m in decoys.values())
    outside = [g for g in groups if not any(set(g.licence_ids) <= m for m in planted.values())]
    rules = ", ".join(f"{g.rule} {len(g.members)}" for g in outside) or "-"
    return (f"| {scale} | {seed} | {n_licences} | {len(planted)} ({'+'.join(sorted(thresholds))})"
            f" | {found} | {len(decoys)} | {decoy_hits} | {len(groups)} | {len(outside)} "
            f"({rules}) |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", default="small:1,small:2,small:3",
                    help="comma-separated scale:seed pairs")
    args = ap.parse_args()
    print("| scale | seed | licences | planted splits | found | decoy groups | decoys reported "
          "| groups reported | outside planted (rule, members) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for spec in args.worlds.split(","):
        scale, seed = spec.split(":")
        print(run(scale, int(seed)), flush=True)


if __name__ == "__main__":
    main()
