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
from bench.sections import replace_section
from bench.trace_worlds import prepare_world, read_truth

TUNING_SEED = 1
HEADING = "## Tracing recovered weapons"
END_MARK = "<!-- end of section: tracing recovered weapons (bench/accuracy_trace.py) -->"


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
    review_licensed: int = 0  # licensed recoveries sent to review (ambiguous) ...
    review_single: int = 0  # ... listing one candidate
    review_named: int = 0  # ... naming a last custodian
    review_named_right: int = 0  # ... the documented one
    matched_sibling: int = 0  # licensed recoveries matched to ANOTHER licensed item ...
    matched_sibling_custodian: int = 0  # ... which names the documented custodian all the same

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
            if status == "matched" and not right:
                self.matched_sibling += 1
                self.matched_sibling_custodian += (row["last_custodian_id"]
                                                   == t["documented_last_custodian_id"])
            self.ambiguous_right += amb
            if row["last_custodian_id"]:
                self.custodian_named += 1
                self.custodian_right += row["last_custodian_id"] == t["documented_last_custodian_id"]
            if status != "untraceable":
                self.licensed_readable += 1
                self.found_readable += right or amb
            if status == "ambiguous":
                self.review_licensed += 1
                self.review_single += ";" not in row["candidates"]
                if row["last_custodian_id"]:
                    self.review_named += 1
                    self.review_named_right += (row["last_custodian_id"]
                                                == t["documented_last_custodian_id"])
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
class Ceiling:
    """Cases no tracer can get right from what was recorded (counted from the truth)."""

    licensed: int = 0
    read_as_sibling: int = 0  # licensed, read exactly as ANOTHER licensed serial of its maker
    never: int = 0
    read_as_licensed: int = 0  # never licensed, misread exactly as a licensed serial of its maker
    same_marking: int = 0  # never licensed per truth, but the registry holds its very serial
    #                        under its very maker (the same marking: a simulator artefact)


def ceilings(world_folder: Path, truth: dict[str, dict[str, str]]) -> Ceiling:
    from armstrace.domain.makers import canonical_maker
    from armstrace.domain.serials import normalise_serial

    registry: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    with open(world_folder / "items.csv", newline="", encoding="utf-8") as f:
        for it in csv.DictReader(f):
            key = (normalise_serial(it["serial"]).folded, canonical_maker(it["manufacturer"]))
            registry[key].add(it["item_id"])
    c = Ceiling()
    with open(world_folder / "recoveries.csv", newline="", encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            t = truth[rec["recovery_id"]]
            maker = canonical_maker(t["true_manufacturer"])
            reading = normalise_serial(rec["serial"] or None)
            hit = registry.get((reading.folded, maker), set()) if reading.readable else set()
            if t["item_id"]:
                c.licensed += 1
                c.read_as_sibling += bool(hit - {t["item_id"]})
            else:
                c.never += 1
                true_key = (normalise_serial(t["true_serial"]).folded, maker)
                if true_key in registry:
                    c.same_marking += 1
                else:
                    c.read_as_licensed += bool(hit)
    return c


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
    ceiling: Ceiling = field(default_factory=Ceiling)


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
                  summary.trace_seconds, kinds, overall, summary.by_status,
                  ceilings(world.folder, truth))


def table(rows: list[tuple[str, Tally]]) -> list[str]:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join([name, *t.cells()]) + " |" for name, t in rows]
    return lines


def label(r: Result) -> str:
    return f"{r.scale} seed {r.seed}" + (", other error model" if r.shifted else "")


def report(results: list[Result]) -> list[str]:
    lines: list[str] = []
    if any(not r.shifted for r in results):
        lines.append("### Against the targets (simulator's error model, all evaluation worlds)\n")
        lines += targets(results)
        lines.append("")
    lines.append("### Per world\n")
    lines += table([(label(r), r.overall) for r in results])
    lines.append("")
    for title, group in (("simulator's error model", [r for r in results if not r.shifted]),
                         ("the other error model (bench/shifted_damage.py)",
                          [r for r in results if r.shifted])):
        if group:
            lines += breakdown(title, group)
    lines.append("### What `ambiguous` holds for licensed recoveries\n")
    lines.append("| world | licensed sent to review | with the true item listed | one candidate listed "
                 "| naming a custodian | ... the documented one |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for r in results:
        o = r.overall
        n = max(o.review_licensed, 1)
        lines.append(f"| {label(r)} | {o.review_licensed:,} | {100 * o.ambiguous_right / n:.1f}% | "
                     f"{100 * o.review_single / n:.1f}% | {100 * o.review_named / n:.1f}% | "
                     f"{100 * o.review_named_right / max(o.review_named, 1):.1f}% |")
    lines.append("")
    lines.append("### Wrong matches\n")
    lines.append("| world | matched | wrong | never-licensed matched | licensed matched to another licensed "
                 "item | ... naming the documented custodian all the same |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for r in results:
        o = r.overall
        wrong = o.matched - o.matched_right
        lines.append(f"| {label(r)} | {o.matched:,} | {wrong:,} | {o.false_matches:,} | "
                     f"{o.matched_sibling:,} | {o.matched_sibling_custodian:,} |")
    lines.append("")
    lines.append("### What no tracer could get right (counted from the truth)\n")
    lines.append("| world | licensed read exactly as another licensed serial of their maker "
                 "| never-licensed misread exactly as a licensed serial of their maker "
                 "| never-licensed carrying a registered serial of their own maker |")
    lines.append("|---|---:|---:|---:|")
    for r in results:
        c = r.ceiling
        lines.append(f"| {label(r)} | {c.read_as_sibling:,} of {c.licensed:,} "
                     f"({100 * c.read_as_sibling / max(c.licensed, 1):.1f}%) | "
                     f"{c.read_as_licensed:,} of {c.never:,} | {c.same_marking:,} |")
    lines.append("")
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


def targets(results: list[Result]) -> list[str]:
    """The issue's targets against all worlds of the simulator's own error model together."""
    t = Tally()
    for r in results:
        if not r.shifted:
            for f in t.__dataclass_fields__:
                setattr(t, f, getattr(t, f) + getattr(r.overall, f))

    def pct(a: int, b: int) -> float:
        return 100 * a / b if b else float("nan")

    rows = [
        ("precision of matched", ">= 99.5%", pct(t.matched_right, t.matched), True),
        ("recall (matched + truth among ambiguous)", ">= 95%",
         pct(t.matched_right + t.ambiguous_right, t.licensed), True),
        ("... of traceable recoveries (serial readable)", "", pct(t.found_readable, t.licensed_readable),
         True),
        ("recall counting matched alone", ">= 80%", pct(t.matched_right, t.licensed), True),
        ("false matches on never-licensed", "<= 1%", pct(t.false_matches, t.never), False),
        ("never-licensed sent to review", "<= 20%", pct(t.review, t.never), False),
        ("custodian correct (traced licensed)", ">= 98%", pct(t.custodian_right, t.custodian_named),
         True),
    ]
    lines = ["| measure | target | measured | met |", "|---|---|---:|---|"]
    for name, target, value, higher in rows:
        met = ""
        if target:
            bound = float(target.split()[1].rstrip("%"))
            met = "yes" if (value >= bound if higher else value <= bound) else "**no**"
        lines.append(f"| {name} | {target} | {value:.2f}% | {met} |")
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


def curve(workdir: Path, results: list[Result]) -> list[str]:
    """Precision and matched recall had the match threshold been set elsewhere.

    Read-only: the threshold in ``ScoringParameters`` was chosen on the tuning
    world; this shows what the trade-off looks like on the evaluation worlds.
    """
    import numpy as np

    from armstrace.domain.scoring import ScoringParameters
    from armstrace.services.tracing import open_tracer
    from bench.fit_scoring import posteriors, rates

    parts = []
    for r in results:
        world = prepare_world(workdir, r.seed, r.scale)
        store = open_store(world.db_url)
        tracer, _ = open_tracer(store)
        parts.append(posteriors(tracer, world.db_url, read_truth(world.truth_path)))
        store.engine.dispose()
    d = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    p = ScoringParameters()
    lines = ["", "### Other match thresholds on the same worlds (" + ", ".join(label(r) for r in results)
             + ")\n", "| match threshold | precision % | matched recall % | false matches % |",
             "|---:|---:|---:|---:|"]
    for m in sorted({0.8, 0.9, 0.95, 0.97, 0.99, 0.995, p.match_threshold}):
        x = rates(d, m, p.match_ratio, p.ambiguous_threshold, p.list_ratio, p.max_listed)
        mark = " (chosen)" if m == p.match_threshold else ""
        lines.append(f"| {m}{mark} | {100 * x['precision']:.2f} | {100 * x['matched_recall']:.1f} | "
                     f"{100 * x['false_matches']:.3f} |")
    lines.append("")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worlds", default="small:11,small:12,default:11",
                    help="scale:seed pairs, comma-separated (never seed 1); scale:seed:shifted "
                    "re-records that world's recoveries under another error model")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/armstrace-bench"))
    ap.add_argument("--markdown", type=Path,
                    help="write our section of this file (docs/accuracy.md), keeping the others")
    ap.add_argument("--intro", type=Path, help="prose for the section, with a {tables} placeholder")
    ap.add_argument("--curve", action="store_true",
                    help="also show precision and matched recall at other match thresholds")
    args = ap.parse_args()
    results = []
    for spec in args.worlds.split(","):
        scale, seed, *flag = spec.split(":")
        t0 = time.perf_counter()
        results.append(run_world(args.workdir, scale, int(seed), shifted=flag == ["shifted"]))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{spec}: {time.perf_counter() - t0:.1f} s, peak RSS so far {peak:.0f} MB", flush=True)
    lines = report(results)
    if args.curve:
        lines += curve(args.workdir, [r for r in results if not r.shifted])
    print("\n".join(lines))
    if args.markdown:
        command = ".venv/bin/python -m bench.accuracy_trace --worlds " + args.worlds + (
            " --curve" if args.curve else "")
        write_section(args.markdown, "\n".join(lines), args.intro, command)


def write_section(path: Path, tables: str, intro: Path | None, command: str) -> None:
    """Replace our section of the shared accuracy file (HEADING to END_MARK), or append it.

    Everything outside our markers belongs to other benchmarks and is kept. The
    prose (``--intro``, a Markdown file with a ``{tables}`` placeholder) is ours too.
    """
    body = intro.read_text(encoding="utf-8") if intro else "{tables}"
    body = body.replace("{tables}", tables).replace("{command}", command)
    replace_section(path, f"{HEADING}\n\n{body.strip()}\n", HEADING, END_MARK)


if __name__ == "__main__":
    main()
