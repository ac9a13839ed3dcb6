"""import -> trace -> traces.csv, on both backends (the ``store`` fixture)."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

from tests.conftest import FIXTURES

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.db.trace_store import TraceStore
from armstrace.adapters.io.mappings import load_mapping
from armstrace.domain.calibrations import POOR
from armstrace.domain.scoring import SCORER_VERSION, ScoringParameters
from armstrace.services.importing import Importer
from armstrace.services.ports import SystemClock
from armstrace.services.tracing import CONTRACT_COLUMNS, CSV_COLUMNS, lookup, trace_all
from armstrace.simulate.world import generate_world

STATUSES = {"matched", "ambiguous", "unmatched", "untraceable"}


class Clock:
    """Distinct, increasing run times even when two runs start in the same microsecond."""

    def __init__(self) -> None:
        self.n = 0

    def now(self) -> str:
        self.n += 1
        return f"2030-01-01T00:00:{self.n:02d}.000000Z"


def load(store: SqlStore, folder: Path, tmp_path: Path) -> None:
    Importer(store, SystemClock(), load_mapping(None)).run(folder, tmp_path / "rejects.csv")


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_michoacan_case_traces_to_the_state_government(store: SqlStore, tmp_path: Path) -> None:
    load(store, FIXTURES / "michoacan", tmp_path)
    out = tmp_path / "traces.csv"
    summary = trace_all(store, out, clock=Clock())
    header, rows = read_csv(out)
    assert header[: len(CONTRACT_COLUMNS)] == list(CONTRACT_COLUMNS)
    assert header == list(CSV_COLUMNS)
    by_id = {r["recovery_id"]: r for r in rows}
    assert set(by_id) == {"R-1", "R-2"} and summary.recoveries == 2
    r1 = by_id["R-1"]
    # one licensed item fits exactly; its siblings of the same lot are one digit away
    assert r1["status"] in ("matched", "ambiguous")
    assert (r1["item_id"] or r1["candidates"]).split(";")[0] == "I-1"
    assert r1["last_custodian_id"] == "P-MIC-GOV" and r1["last_custody_at"] == "2006-07-03"
    assert int(r1["time_to_crime_days"]) == (date(2009, 11, 30) - date(2006, 7, 3)).days
    assert "Gobierno del Estado de Michoacán" in r1["reason"]
    assert r1["last_custodian_name"] == "Gobierno del Estado de Michoacán"
    # two recoveries are far too few to judge the recording: the most cautious calibration
    assert {r["scorer_version"] for r in rows} == {POOR.version} == {summary.scorer_version}
    assert "too few" in summary.calibration
    assert by_id["R-2"]["status"] == "untraceable" and "ILEGIBLE" in by_id["R-2"]["reason"]
    assert by_id["R-2"]["confidence"] == "0.0000"


def test_a_clear_match_names_item_licence_and_custodian(store: SqlStore, tmp_path: Path) -> None:
    load(store, FIXTURES / "michoacan", tmp_path)
    params = ScoringParameters(match_threshold=0.5, match_ratio=2.0)
    trace_all(store, tmp_path / "t.csv", params=params, clock=Clock())
    _, rows = read_csv(tmp_path / "t.csv")
    r1 = next(r for r in rows if r["recovery_id"] == "R-1")
    assert (r1["status"], r1["item_id"], r1["licence_id"]) == ("matched", "I-1", "DSP5-050123")
    assert r1["candidates"] == "" and 0.5 <= float(r1["confidence"]) <= 1.0
    assert r1["reason"].startswith("serial BFI100001 read exactly, maker agrees (Bushmaster)")
    stored = {row["recovery_id"]: row for row in TraceStore(store).latest(evidence=True)}
    evidence = json.loads(stored["R-1"]["evidence"])
    custom = f"{SCORER_VERSION}/custom"  # weights given by the caller, not a shipped calibration
    assert evidence["scorer"] == custom and stored["R-1"]["scorer_version"] == custom
    parts = evidence["candidates"][0]["parts"]
    assert {"serial_exact", "maker_agree", "calibre_agree"} <= set(parts)


def test_retracing_appends_a_run_and_latest_answers_from_it(store: SqlStore, tmp_path: Path) -> None:
    load(store, FIXTURES / "michoacan", tmp_path)
    clock = Clock()
    first = trace_all(store, None, clock=clock)
    more = tmp_path / "more"
    more.mkdir()
    (more / "recoveries.csv").write_text(
        "recovery_id,recovered_on,region,manufacturer,calibre,serial\n"
        "R-3,2008-03-01,MX-MIC,BUSHMASTER,5.56,BFI 1OOOO2\n", encoding="utf-8")
    load(store, more, tmp_path)
    second = trace_all(store, None, clock=clock)
    assert second.run_id != first.run_id and second.recoveries == 3
    latest = {row["recovery_id"]: row for row in TraceStore(store).latest()}
    assert set(latest) == {"R-1", "R-2", "R-3"}
    assert {row["run_id"] for row in latest.values()} == {second.run_id}
    r3 = latest["R-3"]
    assert r3["status"] in ("matched", "ambiguous") and "I-2" in (r3["item_id"] or r3["candidates"])
    assert r3["last_custodian_id"] == "P-MIC-SSP"  # stolen from the state police in 2007
    assert "reported stolen 2007-01-15" in r3["reason"]


def test_lookup_gives_candidates_and_a_custody_timeline(store: SqlStore, tmp_path: Path) -> None:
    load(store, FIXTURES / "michoacan", tmp_path)
    result = lookup(store, "bfi-10000?", "Bushmaster", ".223", recovered_on="2009-01-01")
    assert result.reading == "BFI10000?"
    assert {c.item_id for c in result.candidates} == {"I-1", "I-2", "I-3", "I-4"}
    assert all(0 <= c.posterior <= 1 for c in result.candidates)
    one = lookup(store, "BFI100003", "BUSHMASTER", recovered_on="2009-01-01")
    assert one.candidates[0].item_id == "I-3" and one.chosen == "I-3"
    # its assignments were rejected at import (unknown unit): the chain stops at a transfer
    # to the state government that was never confirmed received
    assert [e.event_type for e in one.timeline] == ["ship", "receive", "transfer"]
    assert one.timeline[-1].to_party == "Gobierno del Estado de Michoacán"
    assert one.last_custodian == "P-MIC-GOV"
    assert "Gobierno del Estado de Michoacán since 2006-07-01" in one.reason


def test_a_simulated_world_traces_to_the_contract(store: SqlStore, tmp_path: Path) -> None:
    world = tmp_path / "world"
    generate_world(world, seed=5, scale="tiny")
    shutil.rmtree(world / "truth")
    load(store, world, tmp_path)
    out = tmp_path / "traces.csv"
    summary = trace_all(store, out, clock=Clock(), batch_size=200)
    header, rows = read_csv(out)
    assert header == list(CSV_COLUMNS)
    with open(world / "recoveries.csv", newline="", encoding="utf-8") as f:
        ids = {r["recovery_id"] for r in csv.DictReader(f)}
    assert {r["recovery_id"] for r in rows} == ids and len(rows) == len(ids) == summary.recoveries
    for r in rows:
        assert r["status"] in STATUSES and 0.0 <= float(r["confidence"]) <= 1.0 and r["reason"]
        if r["status"] == "matched":
            assert r["item_id"] and not r["candidates"]
        elif r["status"] == "ambiguous":
            assert r["candidates"] and not r["item_id"]
            assert r["shared_custodian"] in ("yes", "no")
        else:
            assert not r["item_id"] and not r["candidates"] and not r["last_custodian_id"]
        if r["time_to_crime_days"]:
            assert int(r["time_to_crime_days"]) >= 0 and r["last_custody_at"]
    assert sum(summary.by_status.values()) == len(rows)


def test_carefully_kept_records_are_traced_with_the_careful_calibration(
        store: SqlStore, tmp_path: Path) -> None:
    """auto reads the records' care from weapons recorded twice, and it pays: on careful
    records the careful calibration names far more weapons, and names them right."""
    world = tmp_path / "world"
    generate_world(world, seed=1, scale="small", recording="careful")
    load(store, world, tmp_path)
    auto = trace_all(store, tmp_path / "auto.csv", clock=Clock())
    assert auto.scorer_version == "scoring_v2/careful"
    assert "weapons recorded twice were read two ways" in auto.calibration
    cautious = trace_all(store, None, calibration="poor", clock=Clock())
    assert cautious.scorer_version == "scoring_v2/poor"
    assert auto.by_status["matched"] > 2 * cautious.by_status.get("matched", 0)
    with open(world / "truth" / "truth_recoveries.csv", newline="", encoding="utf-8") as f:
        truth = {r["recovery_id"]: r["item_id"] for r in csv.DictReader(f)}
    _, rows = read_csv(tmp_path / "auto.csv")
    matched = [r for r in rows if r["status"] == "matched"]
    right = sum(truth[r["recovery_id"]] == r["item_id"] for r in matched)
    assert right >= 0.98 * len(matched)


def test_a_weapon_missing_from_its_holders_count_says_so(store: SqlStore, tmp_path: Path) -> None:
    """Counted by the state government in 2008, absent from its 2010 count, recovered in
    2009: the trace reads that it went missing, scores it, and stores the part."""
    load(store, FIXTURES / "michoacan", tmp_path)
    clock = Clock()  # one clock: the second run is the later one
    trace_all(store, None, clock=clock)
    first = next(r for r in TraceStore(store).latest(evidence=True) if r["recovery_id"] == "R-1")
    assert "missed_count" not in json.loads(first["evidence"])["candidates"][0]["parts"]
    counts = tmp_path / "counts"
    counts.mkdir()
    (counts / "custody_events.csv").write_text(
        "event_id,event_type,occurred_at,item_id,from_party_id,to_party_id,region,document_ref\n"
        "E-20,inventory,2008-06-30,I-1,,P-MIC-GOV,MX-MIC,INV-2008\n"
        "E-21,inventory,2010-06-30,I-4,,P-MIC-GOV,MX-MIC,INV-2010\n", encoding="utf-8")
    load(store, counts, tmp_path)
    assert TraceStore(store).count_days() == {"P-MIC-GOV": ["2008-06-30", "2010-06-30"]}
    trace_all(store, None, clock=clock)
    second = next(r for r in TraceStore(store).latest(evidence=True) if r["recovery_id"] == "R-1")
    best = json.loads(second["evidence"])["candidates"][0]
    assert best["item_id"] == "I-1" and best["parts"]["missed_count"] == POOR.params.missed_count > 0
    assert float(second["confidence"]) > float(first["confidence"])


def test_lookups_read_counts_recorded_after_the_tracer_was_built(store: SqlStore, tmp_path: Path) -> None:
    """The server's cached tracer folds in the inventory days of ledger rows written after
    it was built (as POST /v1/events writes them: no import run), reading only those rows."""
    from armstrace.domain.ledger import canonical_row, link_rows
    from armstrace.domain.records import CustodyEvent
    from armstrace.services.lookups import LookupCache

    load(store, FIXTURES / "michoacan", tmp_path)
    cache = LookupCache(store)

    def append(event_id: str, day: str, item: str) -> None:
        event = CustodyEvent(event_id, "inventory", day, item, None, "P-MIC-GOV", "MX-MIC", "INV")
        with store.transaction() as conn:
            seq, tail = store.chain_tail(conn)
            [(row, content, chained)] = link_rows([canonical_row(event, seq + 1, "2030-01-01T00:00:00Z")],
                                                  tail)
            store.append_events(conn, [(*row, content, chained, "test")], "test", "2030-01-01T00:00:00Z")

    def missed() -> bool:
        result = cache.lookup("BFI100001", "BUSHMASTER", "5.56", recovered_on="2009-11-30", region="MX-MIC")
        best = next(c for c in result.candidates if c.item_id == "I-1")
        return any(name == "missed_count" for name, _, _ in best.parts)

    assert not missed()
    built = cache.tracer()
    append("E-20", "2008-06-30", "I-1")
    assert not missed()  # counted once, no later count to be missing from
    append("E-21", "2010-06-30", "I-4")
    assert missed()
    assert cache.tracer().reg is built.reg  # same registry: refreshed, not rebuilt
    assert cache.tracer().count_days == {"P-MIC-GOV": ["2008-06-30", "2010-06-30"]}
