"""Licence splitting on a simulated world: every planted split found, no decoy reported.

Runs on SQLite and (when reachable) PostgreSQL through the ``store`` fixture.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.io.mappings import load_mapping
from armstrace.services.importing import Importer
from armstrace.services.ports import SystemClock
from armstrace.services.splitting import find_splits, write_splits_csv
from armstrace.simulate.world import generate_world


@pytest.mark.parametrize("seed", [1, 3])
def test_planted_splits_found_and_decoys_spared(store: SqlStore, tmp_path: Path,
                                                 seed: int) -> None:
    world = tmp_path / "world"
    generate_world(world, seed=seed, scale="small")
    Importer(store, SystemClock(), load_mapping(None)).run(world, tmp_path / "rejects.csv")
    with open(world / "truth" / "truth_splits.csv", newline="", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    planted: dict[str, set[str]] = defaultdict(set)
    decoys: set[str] = set()
    for row in truth:
        if row["kind"] == "split":
            planted[row["group_id"]].add(row["licence_id"])
        else:
            decoys.add(row["licence_id"])
    assert planted and decoys

    groups = find_splits(store)
    reported = {lid for g in groups for lid in g.licence_ids}
    for gid, members in planted.items():
        assert any(members <= set(g.licence_ids) for g in groups), f"planted {gid} missed"
    assert not reported & decoys
    for g in groups:
        assert g.total_usd >= g.threshold_usd
        assert all(m.value_usd is None or m.value_usd < g.threshold_usd for m in g.members)
    assert write_splits_csv(groups, tmp_path / "splits.csv") == sum(len(g.members)
                                                                    for g in groups)
