"""Accuracy of the tracer against the simulator's ground truth, by kind of damage.

For each (scale, seed): simulate a world, import it into a throwaway SQLite store,
run the real ``trace_all`` (traces table and traces.csv), and compare traces.csv
with ``truth/truth_recoveries.csv``. Never run this on the tuning seed of
``fit_scoring.py`` (seed 1): the weights were fitted there.

Measures, per damage kind and overall (a recovery counts under every kind it
carries; "none" = recorded perfectly):

* precision: matched recoveries whose item is the true one;
* recall: licensed recoveries matched correctly or with the truth among the
  ambiguous candidates; *matched recall*: matched correctly only;
* false matches: never-licensed recoveries given ``matched``;
* review load: never-licensed recoveries given ``ambiguous``;
* custodian: licensed recoveries given a last custodian whose custodian is the
  DOCUMENTED last custodian (``documented_last_custodian_id``): a weapon diverted
  silently leaves no record, so the documented one is all a trace can name.

    .venv/bin/python -m bench.accuracy_trace --worlds small:11,small:12,default:11 \
        --markdown docs/accuracy.md
"""

from __future__ import annotations

import argparse
import csv
import resource
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from armstrace.bootstrap import open_store
from armstrace.services.tracing import trace_all
from bench.trace_worlds import prepare_world, read_truth

TUNING_SEED = 1


@dataclass
class Tally:
    licensed: int = 0
    never: int = 0
    matched: int = 0
    matched_right: int = 0
    ambiguous_right: int = 0
    false_matches: int = 0
    review: int = 0
    custodian_named: int = 0
    custodian_right: int = 0
    licensed_readable: int = 0
    found_readable: int = 0

    def add(self, t: dict[str, str], row: dict[str, str]) -> None:
        truth_item = t["item_id"]
        status = row["status"]
        if status == "matched":
            self.matched += 1
        if truth_item:
            self.licensed += 1
            right = status == "matched" and row["item_id"] == truth_item
            amb = status == "ambiguous" and truth_item in row["candidates"].split(";")
            self.matched_right += right
            self.ambiguous_right += amb
            if row["last_custodian_id"]:
                self.custodian_named += 1
                self.custodian_right += row["last_custodian_id"] == t["documented_last_custodian_id"]
            if status != "untraceable":
                self.licensed_readable += 1
                self.found_readable += right or amb
        else:
            self.never += 1
            self.false_matches += status == "matched"
            self.review += status == "ambiguous"

    def cells(self) -> list[str]:
        def pct(a: int, b: int) -> str:
            return f"{100 * a / b:.1f}" if b else "–"

        return [f"{self.licensed:,}", f"{self.never:,}",
                pct(self.matched_right, self.matched),
                pct(self.matched_right + self.ambiguous_right, self.licensed),
                pct(self.found_readable, self.licensed_readable),
                pct(self.matched_right, self.licensed),
                pct(self.false_matches, self.never), pct(self.review, self.never),
                pct(self.custodian_right, self.custodian_named)]


HEADER = ["damage", "licensed", "never-licensed", "precision %", "recall %",
          "recall, traceable %", "matched recall %", "false matches %", "sent to review %",
          "custodian %"]


@dataclass
class Result:
    scale: str
    seed: int
    shifted: bool
    recoveries: int
    items: int
    index_seconds: float
    trace_seconds: float
    by_kind: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    by_status: dict[str, int] = field(default_factory=dict)


def evaluate(traces_csv: Path, truth: dict[str, dict[str, str]]) -> tuple[Tally, dict[str, Tally]]:
    overall = Tally()
    kinds: dict[str, Tally] = defaultdict(Tally)
    with open(traces_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            t = truth[row["recovery_id"]]
            overall.add(t, row)
            for kind in (t["damage"].split(";") if t["damage"] else ["none"]):
                kinds[kind].add(t, row)
    return overall, dict(kinds)


def run_world(workdir: Path, scale: str, seed: int, shifted: bool = False) -> Result:
    if seed == TUNING_SEED:
        raise SystemExit(f"seed {TUNING_SEED} is the tuning seed: evaluate on other seeds")
    world = prepare_world(workdir, seed, scale, shifted=shifted)
    truth = read_truth(world.truth_path)
    store = open_store(world.db_url)
    out = world.folder.parent / "traces.csv"
    summary = trace_all(store, out)
    store.engine.dispose()
    overall, kinds = evaluate(out, truth)
    return Result(scale, seed, shifted, summary.recoveries, summary.registry_items, summary.index_seconds,
                  summary.trace_seconds, kinds, overall, summary.by_status)


def table(rows: list[tuple[str, Tally]]) -> list[str]:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join([name, *t.cells()]) + " |" for name, t in rows]
    return lines


def label(r: Result) -> str:
    return f"{r.scale} seed {r.seed}" + (", other error model" if r.shifted else "")


def report(results: list[Result]) -> list[str]:
    lines: list[str] = []
    lines.append("### Per world\n")
    lines += table([(label(r), r.overall) for r in results])
    lines.append("")
    for title, group in (("simulator's error model", [r for r in results if not r.shifted]),
                         ("the other error model (bench/shifted_damage.py)",
                          [r for r in results if r.shifted])):
        if group:
            lines += breakdown(title, group)
    lines.append("### Runs\n")
    lines.append("| world | registry items | recoveries | index s | trace s | matched | ambiguous "
                 "| unmatched | untraceable |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        s = r.by_status
        lines.append(f"| {label(r)} | {r.items:,} | {r.recoveries:,} | "
                     f"{r.index_seconds:.1f} | {r.trace_seconds:.1f} | {s.get('matched', 0):,} | "
                     f"{s.get('ambiguous', 0):,} | {s.get('unmatched', 0):,} | "
                     f"{s.get('untraceable', 0):,} |")
    return lines


def breakdown(title: str, results: list[Result]) -> list[str]:
    lines: list[str] = []
    total = Tally()
    kinds: dict[str, Tally] = defaultdict(Tally)
    for r in results:
        for f in total.__dataclass_fields__:
            setattr(total, f, getattr(total, f) + getattr(r.overall, f))
        for k, t in r.by_kind.items():
            for f in t.__dataclass_fields__:
                setattr(kinds[k], f, getattr(kinds[k], f) + getattr(t, f))
    lines.append(f"### By kind of damage, {title}: " + ", ".join(label(r) for r in results) + "\n")
    order = sorted(kinds, key=lambda k: -kinds[k].licensed)
    lines += table([("**all**", total), *((k, kinds[k]) for k in order)])
    lines.append("")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worlds", default="small:11,small:12,default:11",
                    help="scale:seed pairs, comma-separated (never seed 1); scale:seed:shifted "
                    "re-records that world's recoveries under another error model")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/armstrace-bench"))
    ap.add_argument("--markdown", type=Path, help="also write the tables to this file")
    args = ap.parse_args()
    results = []
    for spec in args.worlds.split(","):
        scale, seed, *flag = spec.split(":")
        t0 = time.perf_counter()
        results.append(run_world(args.workdir, scale, int(seed), shifted=flag == ["shifted"]))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{spec}: {time.perf_counter() - t0:.1f} s, peak RSS so far {peak:.0f} MB", flush=True)
    lines = report(results)
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
