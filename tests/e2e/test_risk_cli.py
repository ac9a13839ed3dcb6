"""``armstrace risk`` and ``armstrace checks ...`` end to end on a small traced world."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from armstrace.adapters.db.engine import make_engine
from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.io.mappings import load_mapping
from armstrace.entrypoints.cli.main import app
from armstrace.services.importing import Importer
from armstrace.services.ports import SystemClock
from armstrace.services.risk import CSV_COLUMNS
from armstrace.services.tracing import trace_all
from armstrace.simulate.world import generate_world


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("risk")
    generate_world(root / "w", seed=3, scale="small")
    url = f"sqlite:///{root / 's.db'}"
    store = SqlStore(make_engine(url))
    Importer(store, SystemClock(), load_mapping(None)).run(root / "w", root / "r.csv")
    trace_all(store)
    store.engine.dispose()
    return url


def run(*args: str) -> tuple[int, str]:
    os.environ["COLUMNS"] = "160"
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_risk_writes_the_ranked_queue_with_reasons(world_db: str, tmp_path: Path) -> None:
    out = tmp_path / "risk.csv"
    code, text = run("risk", "--db", world_db, "--output", str(out), "--budget", "4")
    assert code == 0, text
    assert "Check queue by licence (risk_v1)" in text and "queued for a budget of 4" in text
    with open(out, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4"]
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    top = rows[0]
    assert top["reasons"] and "_v1]" in top["reasons"] and top["risk_version"] == "risk_v1"
    for flag in top["flags"].split(";"):  # every flag's records are in the evidence column
        assert f"{flag}=" in top["evidence"]
    assert "recovered_serials" in top["flags"]  # the traced world recovers licensed weapons


def test_risk_by_custodian_with_a_share_and_weights(world_db: str, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    code, text = run("risk", "--db", world_db, "--by", "custodian", "--share", "0.05",
                     "--weights", "--output", str(out))
    assert code == 0, text
    assert "Flag weights at the custodian level" in text and "losses_thefts_v1" in text
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["subject_kind"] == "custodian" and r["weapons_received"] for r in rows)


def test_checks_open_record_list_summary_and_feedback(world_db: str, tmp_path: Path) -> None:
    out = tmp_path / "risk.csv"
    run("risk", "--db", world_db, "--output", str(out), "--budget", "1")
    with open(out, newline="", encoding="utf-8") as f:
        first = next(csv.DictReader(f))["subject_id"]
    code, text = run("checks", "open", "--db", world_db, "--licence", first, "--type", "post_shipment",
                     "--reason", "top of the queue")
    assert code == 0, text
    check_id = text.split("Opened ")[1].split(":")[0]
    assert check_id.startswith("CHK-")
    code, text = run("risk", "--db", world_db, "--output", str(out), "--budget", "1")
    assert "1 with a check already open left out" in text
    with open(out, newline="", encoding="utf-8") as f:
        assert next(csv.DictReader(f))["subject_id"] != first
    code, text = run("checks", "record", check_id, "--db", world_db, "--finding", "unfavourable",
                     "--cause", "retransfer", "--cause", "insecure_storage", "--notes", "12 missing")
    assert code == 0 and "unfavourable (unauthorised retransfer, insecure storage)" in text
    code, text = run("checks", "list", "--db", world_db)
    assert code == 0 and check_id in text and "unfavourable" in text
    code, text = run("checks", "summary", "--db", world_db)
    assert code == 0 and "post-shipment" in text and "unauthorised retransfer 1" in text
    code, text = run("checks", "open", "--db", world_db, "--custodian", "P-SEDENA", "--type",
                     "pre_licence", "--on", "2009-10-02")
    assert code == 0 and "CHK-2010-00001" in text and "(2009-10-02)" in text
    code, text = run("checks", "summary", "--db", world_db, "--fy", "2010")
    assert code == 0 and "pre-licence" in text and "post-shipment" not in text
    code, text = run("risk", "--db", world_db, "--output", str(out), "--budget", "3")
    with open(out, newline="", encoding="utf-8") as f:
        rows = {r["subject_id"]: r for r in csv.DictReader(f)}
    assert first in rows and "unfavourable_finding" in rows[first]["flags"]


def test_crime_scene_recoveries_open_post_shipment_checks(world_db: str, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'copy.db'}"
    Path(tmp_path / "copy.db").write_bytes(Path(world_db.removeprefix("sqlite:///")).read_bytes())
    code, text = run("checks", "open", "--db", db, "--from-recoveries")
    assert code == 0 and "post-shipment check(s) on licences with serials recovered" in text
    opened = int(text.split("Opened ")[1].split()[0])
    assert opened > 0
    code, text = run("checks", "list", "--db", db, "--open")
    assert text.count("post-shipment") == opened
    code, text = run("checks", "open", "--db", db, "--from-recoveries")
    assert "Opened 0" in text and "already has one" in text
    code, text = run("risk", "--db", db, "--budget", "2")
    assert f"{opened} with a check already open left out" in text


@pytest.mark.parametrize(("args", "message"), [
    (("checks", "open", "--licence", "NOPE"), "unknown licence 'NOPE'"),
    (("checks", "open", "--custodian", "P-NOPE"), "unknown party 'P-NOPE'"),
    (("checks", "open"), "exactly one of --licence or --custodian"),
    (("checks", "open", "--licence", "X", "--from-recoveries"), "leave out --licence"),
    (("checks", "open", "--licence", "X", "--type", "audit"), "unknown check type 'audit'"),
    (("checks", "record", "CHK-1900-00001", "--finding", "favourable"), "unknown check"),
    (("checks", "record", "CHK-1900-00001", "--finding", "great"), "unknown finding 'great'"),
    (("checks", "record", "CHK-1900-00001", "--finding", "unfavourable"), "needs at least one"),
    (("checks", "open", "--licence", "X", "--on", "2009-13-01"), "--on '2009-13-01': not a date"),
    (("risk", "--by", "state"), "--by 'state': use licence or custodian"),
    (("risk", "--budget", "3", "--share", "0.1"), "not both"),
    (("risk", "--output", "/no/such/dir/x.csv"), "no such folder"),
])
def test_user_mistakes_end_in_one_line(world_db: str, args: tuple[str, ...], message: str) -> None:
    code, text = run(*args, "--db", world_db)
    assert code == 2 and message in text and "Traceback" not in text


def test_an_empty_store_says_what_to_do(tmp_path: Path) -> None:
    code, text = run("risk", "--db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert code == 2 and "no licences" in text
    code, text = run("checks", "summary", "--db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert code == 0 and "No checks recorded" in text
