"""Simulated worlds imported into throwaway SQLite stores, for the tracer's benchmarks.

Shared by ``fit_scoring.py`` (which fits ``scoring_v2`` on one seed) and
``accuracy_trace.py`` (which measures it on other seeds). Worlds are cached under
a work folder so a second run does not simulate and import again.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from armstrace.adapters.io.mappings import load_mapping
from armstrace.bootstrap import open_store
from armstrace.services.importing import Importer
from armstrace.services.ports import SystemClock
from armstrace.simulate.world import generate_world


@dataclass(frozen=True)
class World:
    seed: int
    scale: str
    folder: Path
    db_url: str

    @property
    def truth_path(self) -> Path:
        return self.folder / "truth" / "truth_recoveries.csv"


VARIANTS = ("shifted", "shifted-careful", "shifted-mid", "poor", "fair", "careful", "inventories")


def world_folder(workdir: Path, seed: int, scale: str, variant: str = "") -> Path:
    """Where ``prepare_world`` keeps (scale, seed, variant): its store, and traces.csv."""
    return workdir / (f"{scale}-{seed}" + (f"-{variant}" if variant else ""))


def prepare_world(workdir: Path, seed: int, scale: str, *, variant: str = "") -> World:
    """Simulate (seed, scale) and import it, unless already done in ``workdir``.

    ``variant``: "" for the world as simulated; otherwise the same world with its
    recoveries written down again from the truth: ``shifted`` under another error
    model (``shifted_damage``; ``shifted-careful`` and ``shifted-mid`` the same at a
    careful agency's rates and at twice those), or a recording profile of the
    simulator's own (``poor``, ``fair``, ``careful``; ``rerecord``); ``inventories``: the same world
    simulated with custodians' inventory counts (same weapons, recoveries and truth).
    """
    if variant and variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; use one of {', '.join(VARIANTS)}")
    folder = world_folder(workdir, seed, scale, variant)
    db = folder / "store.db"
    url = f"sqlite:///{db}"
    done = folder / ".imported"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        world = folder / "world"
        if variant.startswith("shifted"):
            from bench.shifted_damage import RATES, shift_world

            shift_world(prepare_world(workdir, seed, scale).folder, world, seed, RATES[variant])
        elif variant == "inventories":
            generate_world(world, seed=seed, scale=scale, inventories=True)
        elif variant:
            from bench.rerecord import rerecord_world

            rerecord_world(prepare_world(workdir, seed, scale).folder, world, seed, variant)
        else:
            generate_world(world, seed=seed, scale=scale)
        if db.exists():
            db.unlink()
        store = open_store(url)
        Importer(store, SystemClock(), load_mapping(None)).run(world, folder / "rejects.csv")
        store.engine.dispose()
        done.write_text("ok\n")
    return World(seed, scale, folder / "world", url)


def read_truth(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return {row["recovery_id"]: row for row in csv.DictReader(f)}
