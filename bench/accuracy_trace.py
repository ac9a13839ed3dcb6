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
from typing import Any

from armstrace.bootstrap import open_store
from armstrace.domain.scoring import ScoringParameters
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
    matched_readable: int = 0  # ... matched correctly (readable serial)
    matched_sibling: int = 0  # licensed recoveries matched to ANOTHER licensed item ...
    matched_sibling_custodian: int = 0  # ... which names the documented custodian all the same

    def add(self, t: dict[str, str], row: dict[str, str], readable: bool) -> None:
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
            if readable:
                self.licensed_readable += 1
                self.found_readable += right or amb
                self.matched_readable += right
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
    read_exactly: int = 0  # licensed, the reading equals the true serial once normalised
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
                c.read_exactly += reading.readable and reading.folded == normalise_serial(
                    t["true_serial"]).folded
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
    variant: str
    recoveries: int
    items: int
    index_seconds: float
    trace_seconds: float
    by_kind: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    by_status: dict[str, int] = field(default_factory=dict)
    ceiling: Ceiling = field(default_factory=Ceiling)
    scorer: str = ""
    calibration: str = ""


def readable_ids(world_folder: Path) -> set[str]:
    """Recoveries whose recorded serial has at least ``min_readable`` readable characters.

    Decided from the reading alone (the same rule the tracer applies before it
    tries), so the *readable* columns do not depend on what the tracer answered.
    """
    from armstrace.domain.serials import WILDCARD, normalise_serial

    least = ScoringParameters().min_readable
    out = set()
    with open(world_folder / "recoveries.csv", newline="", encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            r = normalise_serial(rec["serial"] or None)
            if r.readable and len(r.canonical) - r.canonical.count(WILDCARD) >= least:
                out.add(rec["recovery_id"])
    return out


def evaluate(traces_csv: Path, truth: dict[str, dict[str, str]], readable: set[str]
             ) -> tuple[Tally, dict[str, Tally]]:
    overall = Tally()
    kinds: dict[str, Tally] = defaultdict(Tally)
    with open(traces_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            t = truth[row["recovery_id"]]
            ok = row["recovery_id"] in readable
            overall.add(t, row, ok)
            for kind in (t["damage"].split(";") if t["damage"] else ["none"]):
                kinds[kind].add(t, row, ok)
    return overall, dict(kinds)


def run_world(workdir: Path, scale: str, seed: int, variant: str = "",
              params: ScoringParameters | None = None) -> Result:
    if seed == TUNING_SEED:
        raise SystemExit(f"seed {TUNING_SEED} is the tuning seed: evaluate on other seeds")
    world = prepare_world(workdir, seed, scale, variant=variant)
    truth = read_truth(world.truth_path)
    store = open_store(world.db_url)
    out = world.folder.parent / "traces.csv"
    summary = trace_all(store, out, params=params)
    store.engine.dispose()
    overall, kinds = evaluate(out, truth, readable_ids(world.folder))
    return Result(scale, seed, variant, summary.recoveries, summary.registry_items, summary.index_seconds,
                  summary.trace_seconds, kinds, overall, summary.by_status,
                  ceilings(world.folder, truth), summary.scorer_version, summary.calibration)


def table(rows: list[tuple[str, Tally]]) -> list[str]:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join([name, *t.cells()]) + " |" for name, t in rows]
    return lines


VARIANT_WORDS = {"shifted": "other error model", "shifted-careful": "other error model, careful",
                 "shifted-mid": "other error model, twice careful's slips",
                 "poor": "poor recording", "fair": "fair recording",
                 "careful": "careful recording", "inventories": "with inventories"}


def label(r: Result) -> str:
    return f"{r.scale} seed {r.seed}" + (f", {VARIANT_WORDS[r.variant]}" if r.variant else "")


GROUP_TITLES = {"": "simulator's error model, as simulated (poor recording)",
                "shifted": "the other error model (bench/shifted_damage.py)",
                "shifted-careful": "the other error model at a careful agency's rates "
                                   "(bench/shifted_damage.py)",
                "shifted-mid": "the other error model at twice a careful agency's slips "
                               "(bench/shifted_damage.py)",
                "poor": "poor recording, re-recorded (bench/rerecord.py)",
                "fair": "fair recording, re-recorded (bench/rerecord.py)",
                "careful": "careful recording, re-recorded (bench/rerecord.py)",
                "inventories": "as simulated (poor recording), with custodians' inventories"}


def groups(results: list[Result]) -> dict[str, list[Result]]:
    """Results by variant, in the order the variants first appear."""
    out: dict[str, list[Result]] = {}
    for r in results:
        out.setdefault(r.variant, []).append(r)
    return out


def report(results: list[Result]) -> list[str]:
    lines: list[str] = []
    for variant, group in groups(results).items():
        if variant != "shifted":
            names = ", ".join(label(r) for r in group)
            lines.append(f"### Against the targets: {GROUP_TITLES[variant]} ({names})\n")
            lines += targets(group)
            lines.append("")
    lines.append("### Per world\n")
    lines += table([(label(r), r.overall) for r in results])
    lines.append("")
    for variant, group in groups(results).items():
        lines += breakdown(GROUP_TITLES[variant], group)
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
    lines.append("### Runs, and the calibration each chose\n")
    lines.append("| world | registry items | recoveries | index s | trace s | matched | ambiguous "
                 "| unmatched | untraceable | calibration | why |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in results:
        s = r.by_status
        lines.append(f"| {label(r)} | {r.items:,} | {r.recoveries:,} | "
                     f"{r.index_seconds:.1f} | {r.trace_seconds:.1f} | {s.get('matched', 0):,} | "
                     f"{s.get('ambiguous', 0):,} | {s.get('unmatched', 0):,} | "
                     f"{s.get('untraceable', 0):,} | {r.scorer} | {r.calibration} |")
    return lines


def targets(results: list[Result]) -> list[str]:
    """The issue's targets against ``results`` taken together.

    Each recall is shown twice: over every licensed recovery (the target's
    wording) and over those whose recorded serial has at least three readable
    characters (decided from the reading, whatever the tracer answered). The
    ceiling rows count, from the truth, the licensed recoveries whose reading
    equals their true serial once normalised (no tracer can match more), and
    those with a readable serial at all (no tracer can recall more).
    """
    t = Tally()
    c = Ceiling()
    for r in results:
        for f in t.__dataclass_fields__:
            setattr(t, f, getattr(t, f) + getattr(r.overall, f))
        for f in c.__dataclass_fields__:
            setattr(c, f, getattr(c, f) + getattr(r.ceiling, f))

    def pct(a: int, b: int) -> float:
        return 100 * a / b if b else float("nan")

    rows = [
        ("precision of matched", ">= 99.5%", pct(t.matched_right, t.matched), True),
        ("recall (matched + truth among ambiguous)", ">= 95%",
         pct(t.matched_right + t.ambiguous_right, t.licensed), True),
        ("... of licensed recoveries with a readable serial", "",
         pct(t.found_readable, t.licensed_readable), True),
        ("recall counting matched alone", ">= 80%", pct(t.matched_right, t.licensed), True),
        ("... of licensed recoveries with a readable serial", "",
         pct(t.matched_readable, t.licensed_readable), True),
        ("ceiling: licensed recoveries read exactly (no tracer can match more)", "",
         pct(c.read_exactly, c.licensed), True),
        ("ceiling: licensed recoveries with a readable serial (no tracer can recall more)", "",
         pct(t.licensed_readable, t.licensed), True),
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


MATCH_STEPS = (0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995)
REVIEW_STEPS = (0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002, 0.0001, 0.0)


def curves(workdir: Path, results: list[Result], fitted: dict[str, ScoringParameters]) -> list[str]:
    """Other thresholds on the same worlds: the match threshold, and recall bought with review.

    Read-only, one pair of tables per kind of world, each world scored as in its
    run (the calibration ``auto`` chose, or ``--params``); a row moves one
    threshold for every world and keeps each calibration's other values. The
    thresholds were chosen on the tuning world; this shows what the trade-offs
    look like on the evaluation worlds. The target allows up to 20% of
    never-licensed recoveries in review; the shipped thresholds spend far less,
    and the second table shows what spending more would find.
    """
    from collections import Counter

    from armstrace.services.tracing import open_tracer
    from bench.fit_scoring import counts, posteriors

    def decided(scored: list[tuple[dict[str, Any], ScoringParameters, str]], match: float | None = None,
                amb: float | None = None) -> Counter[str]:
        """Counts over the group's worlds, each at its own thresholds unless one is given."""
        total: Counter[str] = Counter()
        for d, p, _ in scored:
            total.update(counts(d, p.match_threshold if match is None else match, p.match_ratio,
                                p.ambiguous_threshold if amb is None else amb, p.list_ratio,
                                p.max_listed))
        return total

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.2f}" if b else "–"

    lines: list[str] = []
    for variant, group in groups(results).items():
        scored: list[tuple[dict[str, Any], ScoringParameters, str]] = []
        for r in group:
            world = prepare_world(workdir, r.seed, r.scale, variant=r.variant)
            store = open_store(world.db_url)
            tracer, _ = open_tracer(store, fitted.get(variant))
            scored.append((posteriors(tracer, world.db_url, read_truth(world.truth_path)),
                           tracer.params, r.scorer.rsplit("/", 1)[-1]))
            store.engine.dispose()
        shipped: dict[float, set[str]] = defaultdict(set)
        for _, p, name in scored:
            shipped[p.match_threshold].add(name)
        lines += ["", f"### Other match thresholds: {GROUP_TITLES[variant]}\n",
                  "| match threshold | precision % | matched recall % | false matches % |",
                  "|---:|---:|---:|---:|"]
        for step in sorted({*MATCH_STEPS, *shipped}):
            c = decided(scored, match=step)
            mark = f" (shipped: {', '.join(sorted(shipped[step]))})" if step in shipped else ""
            lines.append(f"| {step}{mark} | {pct(c['matched_right'], c['matched'])} | "
                         f"{pct(c['matched_right'], c['licensed'])} | "
                         f"{pct(c['false_matches'], c['never'])} |")
        lines += ["", f"### Recall bought with review: {GROUP_TITLES[variant]}\n",
                  "| ambiguous threshold | recall % | never-licensed sent to review % |",
                  "|---:|---:|---:|"]
        for name, amb in [("as shipped", None), *((str(v), v) for v in REVIEW_STEPS)]:
            c = decided(scored, amb=amb)
            lines.append(f"| {name} | {pct(c['found'], c['licensed'])} | {pct(c['review'], c['never'])} |")
    lines.append("")
    return lines


def load_params(path: Path) -> ScoringParameters:
    """Weights and thresholds written by ``bench.fit_scoring --save`` (JSON)."""
    import json

    saved = json.loads(path.read_text(encoding="utf-8"))
    known = set(ScoringParameters.field_names())
    names = [k for k in saved if k in known]
    return ScoringParameters().with_weights(names, [saved[k] for k in names])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worlds", default="small:11,small:12,default:11",
                    help="scale:seed pairs, comma-separated (never seed 1); scale:seed:VARIANT "
                    "writes that world's recoveries down again: shifted (another error model; "
                    "shifted-careful / shifted-mid: the same at a careful agency's rates / "
                    "twice its slips), "
                    "or the recording profile poor, fair or careful; inventories simulates it again "
                    "with custodians' inventory counts")
    ap.add_argument("--params", action="append", default=[], metavar="VARIANT=FILE",
                    help="trace worlds of VARIANT ('' for as simulated) with the weights and "
                    "thresholds of FILE (written by bench.fit_scoring) instead of the shipped ones")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/armstrace-bench"))
    ap.add_argument("--markdown", type=Path,
                    help="write our section of this file (docs/accuracy.md), keeping the others")
    ap.add_argument("--intro", type=Path, help="prose for the section, with a {tables} placeholder")
    ap.add_argument("--curve", action="store_true",
                    help="also show, per kind of world, precision and matched recall at other "
                    "match thresholds, and recall and review load at other ambiguous thresholds")
    args = ap.parse_args()
    fitted: dict[str, ScoringParameters] = {}
    for spec in args.params:
        variant, _, path = spec.partition("=")
        fitted[variant] = load_params(Path(path))
    results = []
    for spec in args.worlds.split(","):
        scale, seed, *flag = spec.split(":")
        variant = flag[0] if flag else ""
        t0 = time.perf_counter()
        results.append(run_world(args.workdir, scale, int(seed), variant, fitted.get(variant)))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{spec}: {time.perf_counter() - t0:.1f} s, peak RSS so far {peak:.0f} MB", flush=True)
    lines = report(results)
    if args.curve:
        lines += curves(args.workdir, results, fitted)
    print("\n".join(lines))
    if args.markdown:
        command = ".venv/bin/python -m bench.accuracy_trace --worlds " + args.worlds + "".join(
            f" --params {spec}" for spec in args.params) + (" --curve" if args.curve else "")
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
