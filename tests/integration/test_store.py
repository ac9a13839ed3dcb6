"""Import, re-import, rejects, verify and tamper checks: the same tests on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from tests.conftest import FIXTURES

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.db.tables import metadata
from armstrace.adapters.io.mappings import load_mapping
from armstrace.domain.custody import last_lawful_custodian
from armstrace.domain.reconciliation import custody_gaps
from armstrace.services import importing
from armstrace.services.importing import Importer, ImportReport
from armstrace.services.verifying import verify_ledger


class FixedClock:
    def now(self) -> str:
        return "2026-11-22T12:00:00.000000Z"


def run_import(store: SqlStore, folder: Path, tmp_path: Path) -> ImportReport:
    return Importer(store, FixedClock(), load_mapping()).run(folder, tmp_path / "rejects.csv")


def by_file(report: ImportReport) -> dict[str, tuple[int, int, int]]:
    return {Path(f.path).name: (f.taken, f.already_stored, f.rejected_rows) for f in report.files}


def test_migrations_match_the_table_definitions(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_the_michoacan_case_imports_and_reimports_to_nothing(store: SqlStore, tmp_path: Path) -> None:
    first = run_import(store, FIXTURES / "michoacan", tmp_path)
    assert by_file(first) == {
        "parties.csv": (7, 0, 0), "licences.csv": (1, 0, 0), "items.csv": (4, 0, 0),
        "custody_events.csv": (14, 0, 2), "recoveries.csv": (2, 0, 0),
    }
    second = run_import(store, FIXTURES / "michoacan", tmp_path)
    assert second.taken == 0
    assert by_file(second)["custody_events.csv"] == (0, 14, 2)
    assert store.count("custody_events") == 14
    assert verify_ledger(store).ok


def test_rejects_name_file_row_column_and_reason(store: SqlStore, tmp_path: Path) -> None:
    report = run_import(store, FIXTURES / "bad", tmp_path)
    with open(tmp_path / "rejects.csv", encoding="utf-8") as handle:
        rows = {(r["file"], r["row"], r["column"]) : r["reason"] for r in csv.DictReader(handle)}
    assert rows[("parties.csv", "3", "name")] == "required but empty"
    assert rows[("custody_events.csv", "3", "occurred_at")].startswith("received before it was shipped")
    assert "unknown item" in rows[("custody_events.csv", "5", "item_id")]
    assert "unknown licence" in rows[("items.csv", "3", "licence_id")]
    assert rows[("recoveries.csv", "3", "recovered_on")].startswith("not an ISO 8601 date")
    # Good neighbours of bad rows are all kept.
    assert by_file(report) == {"parties.csv": (2, 0, 2), "items.csv": (1, 0, 3),
                               "custody_events.csv": (1, 0, 5), "recoveries.csv": (1, 0, 3)}
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM import_rejects")).scalar_one()
    assert stored == len(rows)


def test_a_changed_record_is_rejected_not_overwritten(store: SqlStore, tmp_path: Path) -> None:
    run_import(store, FIXTURES / "michoacan", tmp_path)
    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / "items.csv").write_text(
        "item_id,manufacturer,serial,model,calibre,weapon_type,country_of_manufacture,"
        "year_of_manufacture,licence_id,lot\n"
        "I-1,Bushmaster,BFI999999,XM-15,5.56x45mm,rifle,US,2006,DSP5-050123,507\n", encoding="utf-8")
    report = run_import(store, changed, tmp_path)
    assert by_file(report) == {"items.csv": (0, 0, 1)}
    assert "different serial" in (tmp_path / "rejects.csv").read_text(encoding="utf-8")


def test_custody_reasoning_on_the_stored_chain(store: SqlStore, tmp_path: Path) -> None:
    run_import(store, FIXTURES / "michoacan", tmp_path)
    with store.connection() as conn:
        chains = store.events_for_items(conn, ["I-1", "I-2"])
    custodian = last_lawful_custodian(chains["I-1"], "2009-11-30")
    assert custodian is not None and custodian.party_id == "P-MIC-GOV"
    kinds = {pid: info[1] for pid, info in store.parties_info().items()}
    assert {g.kind for g in custody_gaps(chains["I-1"], kinds)} == {"received_not_assigned"}
    assert {g.kind for g in custody_gaps(chains["I-2"], kinds)} == {"stolen"}


@pytest.mark.parametrize("column", ["to_party_id", "occurred_at", "chain_hash"])
def test_verify_names_the_event_edited_by_sql(store: SqlStore, tmp_path: Path, column: str) -> None:
    run_import(store, FIXTURES / "michoacan", tmp_path)
    assert verify_ledger(store).ok
    value = {"to_party_id": "P-MIC-SSP", "occurred_at": "2006-06-30",
             "chain_hash": bytes(32)}[column]
    with store.engine.begin() as conn:
        conn.execute(text(f"UPDATE custody_events SET {column} = :v WHERE event_id = 'E-8'"),
                     {"v": value})
        seq = conn.execute(text("SELECT seq FROM custody_events WHERE event_id = 'E-8'")).scalar_one()
    report = verify_ledger(store)
    assert not report.ok
    assert report.mismatch is not None
    assert report.mismatch.seq == seq and report.mismatch.event_id == "E-8"


def test_verify_notices_deleted_events(store: SqlStore, tmp_path: Path) -> None:
    run_import(store, FIXTURES / "michoacan", tmp_path)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM custody_events WHERE seq = 5"))
    report = verify_ledger(store)
    assert report.mismatch is not None and report.mismatch.seq == 6
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM custody_events WHERE seq >= 5"))
    tail = verify_ledger(store)
    assert tail.mismatch is not None and "removed from the end" in tail.mismatch.reason


def test_an_interrupted_import_is_completed_by_running_it_again(
        store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "world"
    shutil.copytree(FIXTURES / "michoacan", folder)
    monkeypatch.setattr(importing, "EVENT_BATCH", 4)
    calls = {"n": 0}
    original = SqlStore.append_events

    def dying(self: SqlStore, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-import
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SqlStore, "append_events", dying)
    with pytest.raises(KeyboardInterrupt):
        run_import(store, folder, tmp_path)
    assert store.count("custody_events") == 8  # two whole batches, nothing partial
    assert verify_ledger(store).ok
    monkeypatch.setattr(SqlStore, "append_events", original)
    again = run_import(store, folder, tmp_path)
    assert by_file(again)["custody_events.csv"] == (6, 8, 2)
    assert store.count("custody_events") == 14
    assert verify_ledger(store).ok
    with store.engine.connect() as conn:
        statuses = sorted(conn.execute(text("SELECT status FROM import_runs")).scalars())
    assert statuses == ["completed", "interrupted"]


def test_xlsx_with_spanish_headers(store: SqlStore, tmp_path: Path) -> None:
    from openpyxl import Workbook

    run_import(store, FIXTURES / "michoacan", tmp_path)
    folder = tmp_path / "sedena"
    folder.mkdir()
    book = Workbook()
    sheet = book.active
    sheet.append(["Folio", "Fecha", "Entidad", "Marca", "Matrícula", "Calibre", "Matrícula limada",
                  "Observaciones"])
    from datetime import datetime

    sheet.append(["AS-1", datetime(2011, 3, 4), "MX-GRO", "COLT", "LE01?345", "5.56", "parcial",
                  "asegurada en cateo"])
    sheet.append(["AS-2", "04/03/2011", "MX-GRO", "COLT", "LE012346", "5.56", "no", ""])
    book.save(folder / "armas_aseguradas.xlsx")
    report = run_import(store, folder, tmp_path)
    assert by_file(report) == {"armas_aseguradas.xlsx": (1, 0, 1)}
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT recovered_on, serial, serial_obliterated, notes, region "
                                "FROM recoveries WHERE recovery_id = 'AS-1'")).one()
    assert tuple(row) == ("2011-03-04", "LE01?345", "partial", "asegurada en cateo", "MX-GRO")
