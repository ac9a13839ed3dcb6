"""The fast paths of a large import on both backends: the bulk append (one transaction, a
writer thread, indexes rebuilt) and custody events staged by a second process."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from tests.conftest import FIXTURES
from tests.integration.test_store import by_file, run_import

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.io.readers import FileFormatError
from armstrace.bootstrap import open_store
from armstrace.services import importing
from armstrace.services.verifying import verify_ledger


def test_a_bulk_import_stores_what_batches_would_and_reimports_to_nothing(
        store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "BULK_FROM", 1)
    monkeypatch.setattr(importing, "EVENT_BATCH", 3)  # several batches through the writer thread
    report = run_import(store, FIXTURES / "michoacan", tmp_path)
    assert by_file(report)["custody_events.csv"] == (14, 0, 2)
    assert store.count("custody_events") == 14
    assert verify_ledger(store).ok
    again = run_import(store, FIXTURES / "michoacan", tmp_path)
    assert by_file(again)["custody_events.csv"] == (0, 14, 2)


def test_a_failing_bulk_write_rolls_everything_back(
        store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "BULK_FROM", 1)
    monkeypatch.setattr(importing, "EVENT_BATCH", 3)
    calls = {"n": 0}
    original = SqlStore.append_events

    def dying(self: SqlStore, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # as if the process were stopped mid-append
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SqlStore, "append_events", dying)
    with pytest.raises(KeyboardInterrupt):
        run_import(store, FIXTURES / "michoacan", tmp_path)
    assert store.count("custody_events") == 0  # one transaction: nothing partial
    indexes = {i["name"] for i in inspect(store.engine).get_indexes("custody_events")}
    assert {"ux_custody_events_event_id", "ix_custody_events_item_id"} <= indexes  # dropped, rolled back
    monkeypatch.setattr(SqlStore, "append_events", original)
    again = run_import(store, FIXTURES / "michoacan", tmp_path)
    assert by_file(again)["custody_events.csv"] == (14, 0, 2)
    assert verify_ledger(store).ok


@pytest.fixture
def second_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty store on the same backend: another SQLite file or PostgreSQL schema."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    base, _, _ = store_url.partition("?")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{base}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _clean(tmp_path: Path) -> Path:
    """The Michoacán case without its two bad rows: every staged event is appended."""
    folder = tmp_path / "clean"
    shutil.copytree(FIXTURES / "michoacan", folder)
    events = folder / "custody_events.csv"
    events.write_text("".join(events.read_text(encoding="utf-8").splitlines(keepends=True)[:-2]),
                      encoding="utf-8")
    return folder


@pytest.mark.parametrize("bulk_from", [1, 10**9])
@pytest.mark.parametrize("fixture", ["michoacan", "bad", "clean"])
def test_staging_in_a_second_process_reports_exactly_what_inline_staging_does(
        store_url: str, second_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fixture: str, bulk_from: int) -> None:
    """Same counts, same rejects file, same ledger head, whichever process read the events
    (and hashed ahead for the bulk append)."""
    monkeypatch.setattr(importing, "BULK_FROM", bulk_from)
    outcomes = []
    for url, limit in ((store_url, 10**12), (second_url, 0)):  # inline, then a staging process
        monkeypatch.setattr(importing, "LARGE_EVENTS_FILE", limit)
        store = open_store(url)
        run = tmp_path / f"run-{limit}"
        run.mkdir()
        report = run_import(store, _clean(run) if fixture == "clean" else FIXTURES / fixture, run)
        verified = verify_ledger(store)
        assert verified.ok
        outcomes.append((by_file(report), (run / "rejects.csv").read_text(encoding="utf-8"),
                         verified.events, verified.head))
        store.engine.dispose()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][2] > 0


def test_a_file_error_found_by_the_staging_process_is_the_usual_one_line(
        store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "LARGE_EVENTS_FILE", 0)
    folder = tmp_path / "latin1"
    shutil.copytree(FIXTURES / "michoacan", folder)
    with (folder / "custody_events.csv").open("ab") as f:
        f.write("E-99,ship,2009-01-01,I-1,P-1,Policía\n".encode("latin-1"))
    with pytest.raises(FileFormatError, match="not UTF-8"):
        run_import(store, folder, tmp_path)
    assert store.count("custody_events") == 0



def test_hashes_computed_ahead_are_used_only_where_the_seq_is_theirs(
        store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "LARGE_EVENTS_FILE", 0)
    monkeypatch.setattr(importing, "BULK_FROM", 1)
    used: list[int] = []
    original = importing.linked_rows

    def counting(*args: Any, **kwargs: Any) -> Any:
        contents = args[5] if len(args) > 5 else kwargs.get("contents")
        used.append(sum(c is not None for c in contents or ()))
        return original(*args, **kwargs)

    monkeypatch.setattr(importing, "linked_rows", counting)
    run_import(store, FIXTURES / "michoacan", tmp_path)
    # The two rows the checks refuse are the file's last: all 14 accepted events keep the seq guessed.
    assert sum(used) == 14
    assert verify_ledger(store).ok


def test_a_clean_bulk_load_is_copied_from_staging_and_falls_back_if_the_chain_moved(
        store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "LARGE_EVENTS_FILE", 0)
    monkeypatch.setattr(importing, "BULK_FROM", 1)
    copied = {"n": 0}
    original = SqlStore.append_staged

    def counting(self: SqlStore, conn: Any, links: list[Any], *args: Any) -> None:
        copied["n"] += len(links)
        original(self, conn, links, *args)

    monkeypatch.setattr(SqlStore, "append_staged", counting)
    report = run_import(store, _clean(tmp_path), tmp_path)
    assert by_file(report)["custody_events.csv"] == (14, 0, 0)
    assert copied["n"] == (14 if store.can_copy_staged else 0)
    assert verify_ledger(store).ok

    # The same load on a second store whose guesses are off by one: rolled back, then linked here.
    real = importing.hashed_ahead
    monkeypatch.setattr(importing, "hashed_ahead", lambda path: ((n, seq + 1, c) for n, seq, c in real(path)))
    second = tmp_path / "second"
    second.mkdir()
    other = open_store(f"sqlite:///{second / 'store.db'}")
    again = run_import(other, _clean(second), second)
    assert by_file(again)["custody_events.csv"] == (14, 0, 0)
    assert verify_ledger(other).head == verify_ledger(store).head
    other.engine.dispose()


def _shared_world(folder: Path) -> Path:
    """The Michoacán parties and licence, 600 items with five events each, and some bad rows
    spread through the file: enough chunks for two processes to share."""
    shutil.copytree(FIXTURES / "michoacan", folder)
    items = ["item_id,manufacturer,serial,licence_id"]
    events = ["event_id,event_type,occurred_at,item_id,from_party_id,to_party_id,notes"]
    for n in range(600):
        items.append(f"S-{n},Bushmaster,SH{n:05d},DSP5-050123")
        day = n % 28 + 1
        events += [f"S-E-{n}-1,ship,2007-01-{day:02d},S-{n},P-BUSH,P-SEDENA,",
                   f"S-E-{n}-2,receive,2007-02-{day:02d}T10:00:00Z,S-{n},,P-SEDENA,caja {n}",
                   f"S-E-{n}-3,transfer,2007-0{3 + n % 2}-{day:02d},S-{n},P-SEDENA,P-MIC-GOV,",
                   f"S-E-{n}-4,receive,2007-03-{day:02d},S-{n},,P-MIC-GOV,",
                   f"S-E-{n}-5,{'assign' if n % 97 else 'bogus'},2007-0{5 if n % 89 else 1}-{day:02d},"
                   f"S-{n},P-MIC-GOV,P-MIC-SSP,"]
    with (folder / "items.csv").open("a", encoding="utf-8") as f:
        f.write("\n".join(items[1:]) + "\n")
    with (folder / "custody_events.csv").open("a", encoding="utf-8") as f:
        f.write("\n".join(",".join(e.split(",")[:6]) + ",,," for e in events[1:]) + "\n")
    return folder


@pytest.mark.parametrize("child_waits", [0.0, 1.5])
def test_two_processes_sharing_the_events_file_report_what_one_does(
        store_url: str, second_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        child_waits: float) -> None:
    """Chunks staged here and in the staging process (``child_waits``: this process takes
    most of them) give the same counts, rejects file and ledger as reading inline."""
    monkeypatch.setattr(importing, "BULK_FROM", 1)
    monkeypatch.setattr(importing, "SHARE_CHUNK", 50)
    original = importing._stage_elsewhere

    def late(*args: Any) -> None:
        time.sleep(child_waits)
        original(*args)

    monkeypatch.setattr(importing, "_stage_elsewhere", late)
    outcomes = []
    for url, limit in ((store_url, 10**12), (second_url, 0)):
        monkeypatch.setattr(importing, "LARGE_EVENTS_FILE", limit)
        store = open_store(url)
        run = tmp_path / f"run-{limit}"
        run.mkdir()
        report = run_import(store, _shared_world(run / "world"), run)
        verified = verify_ledger(store)
        assert verified.ok
        outcomes.append((by_file(report), (run / "rejects.csv").read_text(encoding="utf-8"),
                         verified.events, verified.head))
        store.engine.dispose()
    assert outcomes[0] == outcomes[1]
    taken, _, rejected = outcomes[0][0]["custody_events.csv"]
    assert taken > 2_500 and rejected > 300  # bad types and dates, receipts before transfers
