"""``splits_command`` through typer (registered on a throwaway app, as main.py will)."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from typer.testing import CliRunner

from armstrace.adapters.db.engine import make_engine
from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.io.mappings import load_mapping
from armstrace.entrypoints.cli.splits_cmd import splits_command
from armstrace.services.importing import Importer
from armstrace.services.ports import SystemClock
from armstrace.services.splitting import CSV_COLUMNS
from armstrace.simulate.world import generate_world

app = typer.Typer()
app.command("splits")(splits_command)


@app.command()
def _other() -> None:  # a second command keeps typer from collapsing the group
    pass


def test_splits_cli(tmp_path: Path) -> None:
    generate_world(tmp_path / "w", seed=2, scale="tiny")
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = SqlStore(make_engine(url))
    Importer(store, SystemClock(), load_mapping(None)).run(tmp_path / "w", tmp_path / "r.csv")
    store.engine.dispose()
    runner = CliRunner()
    out = tmp_path / "splits.csv"
    res = runner.invoke(app, ["splits", "--db", url, "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert "suspected split group" in res.output
    with open(out, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    with open(tmp_path / "w" / "truth" / "truth_splits.csv", newline="", encoding="utf-8") as f:
        planted = {r["licence_id"] for r in csv.DictReader(f) if r["kind"] == "split"}
    assert planted and planted <= {r["licence_id"] for r in rows}

    res = runner.invoke(app, ["splits", "--db", url, "--output", str(tmp_path / "no" / "x.csv")])
    assert res.exit_code == 2 and "no such folder" in res.output
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    res = runner.invoke(app, ["splits", "--db", empty])
    assert res.exit_code == 2 and "no licences" in res.output
