"""The bulk append (one transaction, a writer thread, indexes rebuilt) on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import FIXTURES
from tests.integration.test_store import by_file, run_import

from armstrace.adapters.db.store import SqlStore
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
    monkeypatch.setattr(SqlStore, "append_events", original)
    again = run_import(store, FIXTURES / "michoacan", tmp_path)
    assert by_file(again)["custody_events.csv"] == (14, 0, 2)
    assert verify_ledger(store).ok
