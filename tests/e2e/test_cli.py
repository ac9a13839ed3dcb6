"""The command line as a user runs it: real processes, real files, exit codes, no tracebacks."""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import FIXTURES


def armstrace(*args: str, cwd: Path, env: dict[str, str] | None = None,
              timeout: float = 300) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "ARMSTRACE_DB"} | (env or {})
    return subprocess.run([sys.executable, "-m", "armstrace", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def import_killed_once(world: Path, cwd: Path, table: str) -> tuple[int, str]:
    """Start ``armstrace import world`` on cwd's default store and SIGTERM it as soon as
    ``table`` holds rows. Returns (the import's exit status, its stderr); fails the test
    if the import ended before it could be interrupted."""
    db = cwd / "armstrace.db"
    proc = subprocess.Popen([sys.executable, "-m", "armstrace", "import", str(world), "-q"],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={k: v for k, v in os.environ.items() if k != "ARMSTRACE_DB"})
    deadline = time.time() + 120
    seen = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            with contextlib.closing(sqlite3.connect(db, timeout=1)) as conn:
                seen = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        except sqlite3.Error:
            continue
        if seen:
            proc.send_signal(signal.SIGTERM)
            break
    _, err = proc.communicate(timeout=60)
    if seen == 0:
        pytest.fail("the import finished before it could be interrupted; make the file bigger")
    return proc.returncode, err

def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert words in result.stderr


def test_import_then_verify_with_the_default_store(tmp_path: Path) -> None:
    result = armstrace("import", str(FIXTURES / "michoacan"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "armstrace.db").exists()
    assert "custody_events.csv" in result.stdout and "2 rejected rows" in result.stdout
    assert "\x1b[" not in result.stdout + result.stderr  # piped: no colours, no progress bars
    assert (tmp_path / "rejects-michoacan.csv").read_text(encoding="utf-8").count("\n") == 3
    verified = armstrace("verify", cwd=tmp_path)
    assert verified.returncode == 0 and "Ledger intact: 14 custody events" in verified.stdout


def test_the_store_can_come_from_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "elsewhere.db"
    result = armstrace("import", str(FIXTURES / "michoacan"), "-q", cwd=tmp_path,
                       env={"ARMSTRACE_DB": f"sqlite:///{db}"})
    assert result.returncode == 0 and db.exists() and not (tmp_path / "armstrace.db").exists()


def test_tampering_by_sql_is_named_by_verify(tmp_path: Path) -> None:
    armstrace("import", str(FIXTURES / "michoacan"), cwd=tmp_path)
    with sqlite3.connect(tmp_path / "armstrace.db") as conn:
        conn.execute("UPDATE custody_events SET to_party_id = 'P-MIC-SSP' WHERE event_id = 'E-10'")
    result = armstrace("verify", cwd=tmp_path)
    assert result.returncode == 1
    assert "LEDGER BROKEN" in result.stderr and "(E-10)" in result.stderr


def test_user_mistakes_get_one_clear_line(tmp_path: Path) -> None:
    assert_clean_failure(armstrace("import", str(tmp_path / "nope"), cwd=tmp_path), 2, "not a folder")
    (tmp_path / "empty").mkdir()
    assert_clean_failure(armstrace("import", str(tmp_path / "empty"), cwd=tmp_path), 2,
                         "none of parties")
    assert_clean_failure(armstrace("verify", "--db", "mysql://x@y/z", cwd=tmp_path), 2,
                         "unsupported database")
    assert_clean_failure(armstrace("verify", "--db", "postgresql://nobody@127.0.0.1:1/x",
                                   cwd=tmp_path), 2, "cannot use the store")
    bad = tmp_path / "latin1"
    bad.mkdir()
    (bad / "parties.csv").write_bytes("party_id,name,kind\nP-1,Policía,other\n".encode("latin-1"))
    assert_clean_failure(armstrace("import", str(bad), cwd=tmp_path), 2, "not UTF-8")
    assert_clean_failure(armstrace("simulate", "--out", str(tmp_path / "w"), "--recording", "sloppy",
                                   cwd=tmp_path), 2, "use one of poor, fair, careful")


def test_killed_import_leaves_a_consistent_store_and_a_rerun_completes_it(tmp_path: Path) -> None:
    world = tmp_path / "world"
    shutil.copytree(FIXTURES / "michoacan", world)
    items = ["item_id,manufacturer,serial,licence_id"]
    events = ["event_id,event_type,occurred_at,item_id,from_party_id,to_party_id"]
    for n in range(60_000):
        items.append(f"X-{n},Colt,LE{n:06d},DSP5-050123")
        events.append(f"X-E-{n},ship,2007-01-{n % 28 + 1:02d},X-{n},P-BUSH,P-SEDENA")
    (world / "items.csv").write_text("\n".join(items) + "\n", encoding="utf-8")
    (world / "custody_events.csv").write_text("\n".join(events) + "\n", encoding="utf-8")
    db = tmp_path / "armstrace.db"
    returncode, err = import_killed_once(world, tmp_path, "custody_events")
    assert returncode == 130, err
    assert "run the same import again" in err and "Traceback" not in err
    assert armstrace("verify", cwd=tmp_path).returncode == 0
    rerun = armstrace("import", str(world), cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM custody_events").fetchone()[0] == 60_000
    assert "Ledger intact: 60,000" in armstrace("verify", cwd=tmp_path).stdout


def test_every_command_is_documented_with_its_current_help() -> None:
    from armstrace.entrypoints.cli.docs import command_names, render

    reference = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in command_names():
        assert f"### armstrace {name}\n" in reference
    assert reference.strip() == render().strip(), "docs/cli.md is stale: run `make docs`"


def test_demo_runs_end_to_end_on_a_fresh_directory(tmp_path: Path) -> None:
    result = armstrace("demo", "--scale", "tiny", "--seed", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for step in ("1. Simulate", "2. Import", "3. Verify", "4. Trace", "5. Summary"):
        assert step in result.stdout
    assert "Traced " in result.stdout and (tmp_path / "demo" / "traces.csv").exists()
    assert "Ledger intact" in result.stdout and "No rows rejected." in result.stdout
    assert "Holdings by kind of custodian" in result.stdout
    assert (tmp_path / "demo" / "world" / "truth" / "manifest.json").exists()
    again = armstrace("demo", "--scale", "tiny", "--seed", "3", cwd=tmp_path)
    assert again.returncode == 0
    assert "already stored" in again.stdout


def test_simulate_then_import_spanish_recoveries(tmp_path: Path) -> None:
    made = armstrace("simulate", "--out", "w", "--scale", "tiny", "--spanish", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "w" / "recuperaciones.csv").exists()
    imported = armstrace("import", "w", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "recuperaciones.csv" in imported.stdout and "No rows rejected." in imported.stdout
    bad_scale = armstrace("simulate", "--out", "w", "--scale", "huge", cwd=tmp_path)
    assert_clean_failure(bad_scale, 2, "--scale")


def test_simulate_with_inventories_imports_cleanly(tmp_path: Path) -> None:
    made = armstrace("simulate", "--out", "w", "--scale", "small", "--seed", "4", "--inventories",
                     "-q", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    with (tmp_path / "w" / "custody_events.csv").open(encoding="utf-8", newline="") as fh:
        kinds = {row["event_type"] for row in csv.DictReader(fh)}
    assert "inventory" in kinds
    imported = armstrace("import", "w", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "No rows rejected." in imported.stdout
