"""``armstrace trace`` end to end on a file of damaged recoveries.

Until ``trace`` is registered in ``main.py`` the command is mounted on a tiny Typer
app here and driven with ``CliRunner``; once registered, ``test_registered_command``
runs it as a real process too.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from tests.conftest import FIXTURES
from typer.testing import CliRunner

from armstrace.bootstrap import open_store
from armstrace.entrypoints.cli.main import app as main_app
from armstrace.entrypoints.cli.trace_cmd import trace_command, trace_headline
from armstrace.services.tracing import CONTRACT_COLUMNS

app = typer.Typer()
app.command("trace")(trace_command)


@app.command("noop")
def _noop() -> None:  # a second command so "trace" stays a subcommand
    """Nothing."""


DAMAGED = """recovery_id,recovered_on,region,manufacturer,model,calibre,serial,serial_obliterated
D-1,2009-11-30,MX-MIC,BUSHMASTER FIREARMS,AR-15,.223,bfi 100001,no
D-2,2009-12-01,MX-MIC,bush master,,5.56,BFI1OOOO2,no
D-3,2010-01-05,MX-JAL,BUSHMASTER,,,BFI10000#,partial
D-4,2010-01-06,MX-MIC,GLOCK,17,9MM,BFI100004,no
D-5,2010-02-01,MX-SON,,,,LIMADO,yes
D-6,2010-02-02,MX-SON,NORINCO,AK-47,7.62X39,XK339911,no
"""


@pytest.fixture
def world(tmp_path: Path) -> Path:
    folder = tmp_path / "world"
    shutil.copytree(FIXTURES / "michoacan", folder)
    (folder / "recoveries.csv").write_text(DAMAGED, encoding="utf-8")
    return folder


def imported(tmp_path: Path, world: Path) -> str:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    runner = CliRunner()
    result = runner.invoke(main_app, ["import", str(world), "--db", db, "-q",
                                      "--rejects", str(tmp_path / "rejects.csv")])
    assert result.exit_code == 0, result.output
    return db


def test_trace_writes_the_contract_file_and_a_summary(tmp_path: Path, world: Path) -> None:
    db = imported(tmp_path, world)
    out = tmp_path / "traces.csv"
    result = CliRunner().invoke(app, ["trace", "--db", db, "--output", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "Trace run" in result.output and "untraceable" in result.output
    assert "Top last custodians" in result.output
    # six recoveries say nothing of how carefully serials were copied: the cautious calibration
    assert "Calibration scoring_v2/poor: 0 weapons recorded twice" in result.output
    with open(out, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert (reader.fieldnames or [])[: len(CONTRACT_COLUMNS)] == list(CONTRACT_COLUMNS)
        rows = {r["recovery_id"]: r for r in reader}
    assert set(rows) == {f"D-{n}" for n in range(1, 7)}
    for rid in ("D-1", "D-2"):  # spaces, lower case, look-alikes: still the right weapon
        first = (rows[rid]["item_id"] or rows[rid]["candidates"]).split(";")[0]
        assert first == {"D-1": "I-1", "D-2": "I-2"}[rid], rows[rid]
    assert "I-3" in rows["D-3"]["candidates"] or rows["D-3"]["status"] == "unmatched"
    assert rows["D-4"]["status"] == "unmatched" and "maker disagrees" in rows["D-4"]["reason"]
    assert rows["D-5"]["status"] == "untraceable"
    assert rows["D-6"]["status"] == "unmatched"
    headline = trace_headline(open_store(db))
    assert headline[0].startswith("Traced 6 recoveries:")
    assert any("Michoacán" in line for line in headline[1:])


def test_single_lookup_prints_candidates_and_a_timeline(tmp_path: Path, world: Path) -> None:
    db = imported(tmp_path, world)
    result = CliRunner().invoke(app, ["trace", "--db", db, "--serial", "BFI 100002",
                                      "--make", "Bushmaster", "--calibre", "5.56",
                                      "--recovered-on", "2008-01-01", "--region", "MX-MIC"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Serial read as BFI100002" in out and "Candidates, best first" in out
    assert "scorer scoring_v2/poor" in out
    assert "Custody of I-2" in out and "theft" in out
    assert "Last accountable custodian" in out and "P-MIC-SSP" in out


def test_user_mistakes_get_one_clear_line(tmp_path: Path, world: Path) -> None:
    runner = CliRunner()
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    for args, words in (
        (["--make", "Colt"], "go with --serial"),
        (["--serial", "X1", "--output", str(tmp_path / "t.csv")], "leave out --serial"),
        (["--output", str(tmp_path / "nope" / "t.csv")], "no such folder"),
        (["--serial", "X1", "--recovered-on", "30/11/2009"], "YYYY-MM-DD"),
        (["--calibration", "sloppy"], "use one of auto, poor, fair, careful"),
        ([], "no licensed items"),
        (["--db", "mysql://x@y/z"], "unsupported database"),
    ):
        full = ["trace", *args] if "--db" in args else ["trace", "--db", empty, *args]
        result = runner.invoke(app, full)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output, (args, result.output)
        assert "Traceback" not in result.output


@pytest.mark.skipif(not any(c.name == "trace" for c in main_app.registered_commands),
                    reason="trace not yet registered in main.py")
def test_registered_command(tmp_path: Path, world: Path) -> None:
    db = imported(tmp_path, world)
    env = {k: v for k, v in os.environ.items() if k != "ARMSTRACE_DB"}
    result = subprocess.run([sys.executable, "-m", "armstrace", "trace", "--db", db, "--output",
                             str(tmp_path / "t.csv")], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "t.csv").exists() and "\x1b[" not in result.stdout + result.stderr
