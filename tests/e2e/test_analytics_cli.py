"""The analytics commands as a user runs them: tables on screen, CSV with --output, one-line errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tests.integration.analytics_world import build
from typer.testing import CliRunner

from armstrace.adapters.db.engine import make_engine
from armstrace.adapters.db.store import SqlStore
from armstrace.entrypoints.cli.main import app


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("world")
    url = f"sqlite:///{folder / 'store.db'}"
    store = SqlStore(make_engine(url))
    build(store, folder)
    store.engine.dispose()
    return url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_rates_ranks_with_intervals_and_writes_csv(db: str, tmp_path: Path) -> None:
    code, out, _ = run("rates", "--db", db)
    assert code == 0
    assert "Diversion rates by custodian" in out and "Gobierno de Michoacán" in out
    assert "Overall: 4 of 18" in out
    code, out, _ = run("rates", "--db", db, "--by", "kind", "--output", str(tmp_path / "k.csv"))
    assert code == 0 and "k.csv" in out
    with open(tmp_path / "k.csv", newline="", encoding="utf-8") as f:
        rows = {r["kind"]: r for r in csv.DictReader(f)}
    assert rows["state_government"]["recovered (k)"] == "2"
    assert float(rows["state_government"]["low 95%"]) < float(rows["state_government"]["rate"])


def test_reconcile_coverage_annual(db: str) -> None:
    code, out, _ = run("reconcile", "--db", db)
    assert code == 0 and "received_not_assigned" in out and "Gobierno de Michoacán" in out
    code, out, _ = run("reconcile", "--db", db, "--by", "licence")
    assert code == 0 and "L1" in out and "L2" in out
    code, out, _ = run("coverage", "--db", db)
    assert code == 0 and "68,161" in out and "99,691" in out and "secondary" in out
    assert "share of recovered weapons traced to licensed weapons" in out
    code, out, _ = run("annual", "--db", db, "--reference")
    assert code == 0 and "2009" in out and "Section 655" in out and "Mexico" in out


def test_accountability_writes_csv_and_letters(db: str, tmp_path: Path) -> None:
    code, out, _ = run("accountability", "--db", db, "--state", "mic", "--from", "2009-01-01",
                       "--to", "2013-12-31", "--output-dir", str(tmp_path / "acc"),
                       "--dated", "2026-11-22")
    assert code == 0, out
    assert sorted(p.name for p in (tmp_path / "acc").iterdir()) == [
        "accountability-MX-MIC.csv", "carta-MX-MIC-es.pdf", "letter-MX-MIC-en.pdf"]
    code, out, _ = run("accountability", "--db", db, "-o", str(tmp_path / "all"), "--lang", "en")
    assert code == 0 and "Michoacán de Ocampo (MX-MIC)" in out
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        "accountability-MX-MIC.csv", "letter-MX-MIC-en.pdf"]


@pytest.mark.parametrize(("args", "words"), [
    (("rates", "--by", "colour"), "--by 'colour'"),
    (("accountability", "--state", "XX", "-o", "out"), "not a Mexican state code"),
    (("accountability", "--from", "2020-13-01", "-o", "out"), "not a date"),
    (("accountability", "--from", "2012-01-01", "--to", "2011-01-01", "-o", "out"), "is after"),
    (("accountability", "--lang", "fr", "-o", "out"), "--lang 'fr'"),
    (("accountability", "--from", "1990-01-01", "--to", "1990-12-31", "-o", "out"),
     "nothing to ask for"),
    (("report", "-o", "out", "--lang", "de"), "--lang 'de'"),
])
def test_user_mistakes_get_one_clear_line(db: str, args: tuple[str, ...], words: str) -> None:
    code, out, err = run(*args, "--db", db)
    assert code == 2, out
    assert words in err and "Traceback" not in out + err


def test_an_untraced_store_says_to_run_trace_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    for command in ("rates", "report"):
        code, _out, err = run(command, "--db", url, *(["-o", str(tmp_path / "r")]
                                                      if command == "report" else []))
        assert code == 2 and "import recoveries.csv, then run `armstrace trace`" in err
    code, out, _ = run("coverage", "--db", url)  # published figures need no store
    assert code == 0 and "68,161" in out
