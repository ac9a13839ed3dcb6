"""Re-record a simulated world's recoveries under another recording profile.

The simulator writes every recovery down with one of its recording profiles
(``armstrace.simulate.damage``: ``poor``, the default, ``fair`` and ``careful``),
which differ only in how often each kind of damage happens. Simulating again with
another profile draws a different world (the profiles use different amounts of
randomness); to see what recording quality alone changes, this module keeps the
world (parties, licences, items, custody, which weapons were recovered where and
when, the duplicates) and writes each recovery down again from its ground truth
with the simulator's own damage model under the chosen profile. The kinds applied
go to ``truth/truth_recoveries.csv`` (``damage``) as in a simulated world.
"""

from __future__ import annotations

import csv
import random
import shutil
from collections.abc import Callable
from pathlib import Path

from armstrace.simulate.catalogue import MAKERS, MODELS, Model
from armstrace.simulate.damage import PROFILES, read_weapon

_MODELS: dict[tuple[str, str], Model] = {(MAKERS[m.maker].name, m.name): m for m in MODELS}


def rewrite_world(src: Path, dst: Path,
                  record: Callable[[dict[str, str], dict[str, str]], list[str]]) -> Path:
    """Copy the world at ``src`` to ``dst``, passing every recovery row through ``record``.

    ``record(row, truth)`` rewrites the row in place from its truth and returns the
    kinds of damage it applied, which replace ``damage`` in the copied truth.
    """
    if dst.exists():
        shutil.rmtree(dst)
    (dst / "truth").mkdir(parents=True)
    for name in ("parties.csv", "licences.csv", "items.csv", "custody_events.csv"):
        shutil.copy(src / name, dst / name)
    for name in ("truth_items.csv", "truth_splits.csv", "manifest.json"):
        if (src / "truth" / name).exists():
            shutil.copy(src / "truth" / name, dst / "truth" / name)
    with open(src / "truth" / "truth_recoveries.csv", newline="", encoding="utf-8") as f:
        truth = {r["recovery_id"]: r for r in csv.DictReader(f)}
    with open(src / "recoveries.csv", newline="", encoding="utf-8") as fin, \
            open(dst / "recoveries.csv", "w", newline="", encoding="utf-8") as fout, \
            open(dst / "truth" / "truth_recoveries.csv", "w", newline="", encoding="utf-8") as ftruth:
        reader = csv.DictReader(fin)
        writer = csv.DictWriter(fout, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        twriter: csv.DictWriter[str] | None = None
        for row in reader:
            t = dict(truth[row["recovery_id"]])
            t["damage"] = ";".join(record(row, t))
            writer.writerow(row)
            if twriter is None:
                twriter = csv.DictWriter(ftruth, fieldnames=list(t))
                twriter.writeheader()
            twriter.writerow(t)
    return dst


def rerecord_world(src: Path, dst: Path, seed: int, profile: str) -> Path:
    """Copy the world at ``src`` to ``dst`` with its recoveries written down again."""
    recording = PROFILES[profile]
    rng = random.Random(f"rerecord:{profile}:{seed}")

    def record(row: dict[str, str], t: dict[str, str]) -> list[str]:
        model = _MODELS[(t["true_manufacturer"], t["true_model"])]
        serial = t["true_serial"]
        r = read_weapon(rng, model, serial, model.serial.prefix_len(serial), t["true_manufacturer"],
                        recording)
        row.update(serial=r.serial, serial_obliterated=r.obliterated, manufacturer=r.manufacturer,
                   model=r.model, calibre=r.calibre, weapon_type=r.weapon_type)
        return r.kinds

    return rewrite_world(src, dst, record)
