"""Generate a whole world: the five interchange files and the truth beside them.

Determinism: every random choice comes from ``random.Random`` instances seeded
from the world seed and a stage name, never from global state or the clock, so
the same seed and scale give byte-identical files. Memory: licences are planned
up front (O(licences)); weapons, events and recoveries are generated licence by
licence and written at once, so memory does not grow with the number of weapons.
The simulator never prints; a caller may pass ``progress`` to draw a bar.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from armstrace.simulate.calibration import LICENSED_SHARE_TARGET, apportion, calibrate
from armstrace.simulate.custody import Ledger
from armstrace.simulate.damage import POOR, PROFILES, RecordingProfile
from armstrace.simulate.diversion import choose_diversion
from armstrace.simulate.geography import build_spots
from armstrace.simulate.inventories import choose_inventories
from armstrace.simulate.licences import CASE_2009_ID, Planner, allocate_serials, split_rows
from armstrace.simulate.parties import build_cast
from armstrace.simulate.recoveries import RecoveryMaker
from armstrace.simulate.writer import Sinks, write_json

GENERATOR_VERSION = "sim_v1"
SCALES: dict[str, int] = {
    "tiny": 100,
    "small": 2_000,
    "default": 20_000,
    "medium": 200_000,
    "large": 2_000_000,
    "xl": 10_000_000,
}
WORLD_END = date(2024, 12, 31).toordinal()
PROGRESS_EVERY = 10_000

Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class WorldSummary:
    """What was written: rows per file, and how to reproduce it."""

    out_dir: Path
    seed: int
    scale: str
    weapons: int
    generator: str
    counts: dict[str, int] = field(default_factory=dict)


def resolve_scale(scale: str | int) -> tuple[str, int]:
    """Return (label, number of licensed weapons) for a scale name or a count."""
    if isinstance(scale, int):
        if scale < 1:
            raise ValueError("scale must be at least one weapon")
        return str(scale), scale
    if scale in SCALES:
        return scale, SCALES[scale]
    if scale.isdigit() and int(scale) >= 1:
        return scale, int(scale)
    raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)} or a number")


def resolve_recording(recording: RecordingProfile | str) -> RecordingProfile:
    """The recording profile for a profile or its name (ValueError when unknown)."""
    if isinstance(recording, RecordingProfile):
        return recording
    if recording in PROFILES:
        return PROFILES[recording]
    raise ValueError(f"unknown recording profile {recording!r}; use one of {', '.join(PROFILES)}")


def generate_world(
    out_dir: Path,
    *,
    seed: int = 0,
    scale: str | int = "default",
    spanish_recoveries: bool = False,
    recording: RecordingProfile | str = POOR,
    inventories: bool = False,
    progress: Progress | None = None,
) -> WorldSummary:
    """Write a synthetic world of ``scale`` licensed weapons into ``out_dir``.

    ``recording``: how carefully recoveries are written down (a profile or its
    name, see ``armstrace.simulate.damage``). Profiles draw different amounts of
    randomness, so two profiles with one seed give two different worlds of the
    same kind; to compare profiles on one world, re-record its recoveries from the
    truth (``bench/recording_quality.py``).

    ``inventories``: custodians that keep books also count the weapons they hold
    (``armstrace.simulate.inventories``); the weapons, recoveries and truth are
    those of the same seed without them. Off by default: they add about two
    thirds to the custody events and, measured, lift matched traces by about
    seven points in a poorly recorded world (docs/accuracy.md).
    """
    label, weapons = resolve_scale(scale)
    profile = resolve_recording(recording)
    out_dir = Path(out_dir)
    report: Progress = progress or (lambda stage, done, total: None)
    cal = calibrate()
    cast = build_cast()
    plans = Planner(random.Random(f"{seed}:licences"), cast, weapons, cal).plan()
    series = allocate_serials(random.Random(f"{seed}:serials"), plans)
    diversion = choose_diversion(random.Random(f"{seed}:diversion"), cast)
    count_plan = choose_inventories(random.Random(f"{seed}:inventories"), cast) if inventories else None
    spots = build_spots(seed)
    shipped = sum(p.quantity for p in plans if p.ships)
    never_total = round(shipped * cal.recoveries_per_weapon * (1 - LICENSED_SHARE_TARGET))
    years = apportion(never_total, cal.recoveries_by_year)

    with Sinks(out_dir, spanish_recoveries=spanish_recoveries) as sinks:
        for row in cast.rows:
            sinks.parties.write(row)
        report("parties", len(cast.rows), len(cast.rows))
        for plan in plans:
            sinks.licences.write(plan.row())
        for srow in split_rows(plans):
            sinks.truth_splits.write(srow)
        report("licences", len(plans), len(plans))
        maker = RecoveryMaker(random.Random(f"{seed}:recoveries"), sinks, spots, series, plans,
                              years, WORLD_END, profile)
        ledger = Ledger(cast, sinks, diversion.rates, diversion.silent_states, maker, WORLD_END,
                        count_plan)
        done = 0
        next_report = PROGRESS_EVERY
        for plan in plans:
            if not plan.ships:
                continue
            ledger.emit(plan)
            done += plan.quantity
            maker.never_licensed(never_total * done // shipped - maker.never_licensed_written)
            if done >= next_report:
                report("weapons", done, shipped)
                next_report = (done // PROGRESS_EVERY + 1) * PROGRESS_EVERY
        maker.never_licensed(never_total - maker.never_licensed_written)
        maker.flush()
        report("weapons", done, shipped)
        counts = sinks.counts()

    stats = ledger.stats
    manifest: dict[str, Any] = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "scale": label,
        "weapons": shipped,
        "spanish_recoveries": spanish_recoveries,
        "recording": profile.name,
        "inventories": inventories,
        "counts": counts,
        "calibration": {
            "fy_weights_usd": {str(k): round(v) for k, v in cal.fy_weights.items()},
            "recoveries_by_year_atf": {str(k): round(v) for k, v in cal.recoveries_by_year.items()},
            "real_licensed_weapons_estimate": round(cal.real_licensed_weapons),
            "recoveries_per_licensed_weapon": round(cal.recoveries_per_weapon, 4),
            "never_licensed_by_year": {str(k): v for k, v in years.items()},
            "note": "derived from packaged reference tables; some inputs are unverified seeds",
        },
        "diversion": {
            "hot_custodians": diversion.hot,
            "states_without_assignment_records": sorted(diversion.silent_states),
            "items_diverted": stats.diverted,
            "by_kind": dict(sorted(stats.by_kind.items())),
            "diverted_then_recovered": stats.recovered,
        },
        "custody": {"items": stats.items, "destroyed": stats.destroyed,
                    "corrections": stats.corrections},
        "recoveries": {
            "licensed_rows": maker.licensed_written,
            "never_licensed_seizures": maker.never_licensed_written,
            "rows": maker.next_id - 1,
        },
        "licences": {
            "total": len(plans),
            "shipping": sum(1 for p in plans if p.ships),
            "case_2009": CASE_2009_ID if any(p.licence_id == CASE_2009_ID for p in plans)
            else None,
        },
    }
    write_json(out_dir / "truth" / "manifest.json", manifest)
    report("done", 1, 1)
    return WorldSummary(out_dir, seed, label, shipped, GENERATOR_VERSION, counts)
