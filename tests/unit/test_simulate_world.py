"""The generated world obeys interchange format v1 and is reproducible.

These run on tiny and small worlds only (well under a second each) so they can
run on every change.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from armstrace.domain.vocabulary import (
    CIRCUMSTANCES,
    EVENT_PARTIES,
    EVENT_TYPES,
    LICENCE_STATUSES,
    OBLITERATION,
    PARTY_KINDS,
    REGIMES,
)
from armstrace.simulate import SCALES, generate_world
from armstrace.simulate.catalogue import MAKERS, MODELS
from armstrace.simulate.writer import (
    EVENT_COLUMNS,
    ITEM_COLUMNS,
    LICENCE_COLUMNS,
    PARTY_COLUMNS,
    RECOVERY_COLUMNS,
    SPANISH_RECOVERY_COLUMNS,
)

FILES = ("parties.csv", "licences.csv", "items.csv", "custody_events.csv", "recoveries.csv")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$")


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def when(text: str) -> tuple[str, str]:
    assert DATETIME.match(text), text
    day, _, time = text.partition("T")
    date.fromisoformat(day)
    return day, time


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    generate_world(out, seed=7, scale="tiny")
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate_world(out, seed=3, scale="small")
    return out


def test_scales_are_the_documented_sizes() -> None:
    assert SCALES == {"tiny": 100, "small": 2_000, "default": 20_000, "medium": 200_000,
                      "large": 2_000_000, "xl": 10_000_000}


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    sa = generate_world(a, seed=11, scale="tiny")
    generate_world(b, seed=11, scale="tiny")
    generate_world(c, seed=12, scale="tiny")
    names = [*FILES, "truth/manifest.json", "truth/truth_items.csv",
             "truth/truth_recoveries.csv", "truth/truth_splits.csv"]
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert any((a / n).read_bytes() != (c / n).read_bytes() for n in FILES)
    assert sa.seed == 11 and sa.scale == "tiny" and sa.weapons == 100
    assert sa.generator == "sim_v1" and sa.out_dir == a
    assert sa.counts["items.csv"] == 100


def test_summary_counts_match_files(tiny: Path) -> None:
    import json

    manifest = json.loads((tiny / "truth" / "manifest.json").read_text(encoding="utf-8"))
    for name, n in manifest["counts"].items():
        _, rows = read(tiny / name)
        assert len(rows) == n, name


def test_headers_are_the_contract_columns(tiny: Path) -> None:
    expected = {
        "parties.csv": PARTY_COLUMNS, "licences.csv": LICENCE_COLUMNS,
        "items.csv": ITEM_COLUMNS, "custody_events.csv": EVENT_COLUMNS,
        "recoveries.csv": RECOVERY_COLUMNS,
    }
    for name, cols in expected.items():
        header, _ = read(tiny / name)
        assert tuple(header) == cols, name


def test_rows_are_valid_contract_rows(small: Path) -> None:
    _, parties = read(small / "parties.csv")
    for p in parties:
        assert p["party_id"] and p["name"] and p["kind"] in PARTY_KINDS
        assert p["country"] in ("US", "MX")
    _, licences = read(small / "licences.csv")
    for lic in licences:
        assert lic["licence_id"] and lic["exporter_id"] and lic["destination_country"] == "MX"
        assert lic["regime"] in REGIMES and lic["status"] in LICENCE_STATUSES
        assert lic["category"] == ("USML-I" if lic["regime"] == "DDTC" else "ECCN-0A501")
        assert int(lic["quantity"]) > 0 and Decimal(lic["value_usd"]) > 0
        when(lic["applied_on"])
        if lic["status"] != "pending":
            assert when(lic["decided_on"])[0] > lic["applied_on"]
        if lic["regime"] == "BIS":
            assert lic["applied_on"] >= "2020-03-09"
    _, items = read(small / "items.csv")
    for it in items:
        assert it["item_id"] and it["manufacturer"] and it["serial"]
        assert it["country_of_manufacture"] == "US" and int(it["year_of_manufacture"]) > 2000
    _, events = read(small / "custody_events.csv")
    for ev in events:
        assert ev["event_id"] and ev["item_id"] and ev["event_type"] in EVENT_TYPES
        when(ev["occurred_at"])
        need_from, need_to = EVENT_PARTIES[ev["event_type"]]
        assert not need_from or ev["from_party_id"], ev
        assert not need_to or ev["to_party_id"], ev
        if ev["event_type"] == "correction":
            assert ev["corrects_event_id"]
    _, recoveries = read(small / "recoveries.csv")
    for r in recoveries:
        assert r["recovery_id"] and r["country"] == "MX" and r["region"].startswith("MX-")
        when(r["recovered_on"])
        assert r["circumstance"] in CIRCUMSTANCES
        assert r["serial_obliterated"] in ("", *OBLITERATION)
        if r["latitude"]:
            assert 14 < float(r["latitude"]) < 33 and -118 < float(r["longitude"]) < -86


def test_ids_are_unique_and_references_resolve(small: Path) -> None:
    _, parties = read(small / "parties.csv")
    _, licences = read(small / "licences.csv")
    _, items = read(small / "items.csv")
    _, events = read(small / "custody_events.csv")
    party_ids = {p["party_id"] for p in parties}
    assert len(party_ids) == len(parties)
    assert all(p["parent_id"] in party_ids for p in parties if p["parent_id"])
    licence_ids = {lic["licence_id"] for lic in licences}
    assert len(licence_ids) == len(licences)
    for lic in licences:
        for col in ("exporter_id", "consignee_id", "end_user_id"):
            assert lic[col] in party_ids, (col, lic)
    item_ids = {it["item_id"] for it in items}
    assert len(item_ids) == len(items)
    assert all(it["licence_id"] in licence_ids for it in items)
    event_ids = {ev["event_id"] for ev in events}
    assert len(event_ids) == len(events)
    for ev in events:
        assert ev["item_id"] in item_ids
        for col in ("from_party_id", "to_party_id"):
            assert not ev[col] or ev[col] in party_ids, (col, ev)
        assert not ev["corrects_event_id"] or ev["corrects_event_id"] in event_ids
    shipping = {lic["licence_id"] for lic in licences if lic["status"] == "approved"}
    assert {it["licence_id"] for it in items} == shipping


def test_events_of_an_item_are_strictly_chronological(small: Path) -> None:
    _, events = read(small / "custody_events.csv")
    last: dict[str, tuple[str, str]] = {}
    steps: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for ev in events:
        t = when(ev["occurred_at"])
        prev = last.get(ev["item_id"])
        if prev is not None:
            assert prev[0] < t[0] or (prev[0] == t[0] and prev[1] < t[1]), ev
        last[ev["item_id"]] = t
        etype = ev["event_type"]
        if etype == "receive" and ev["to_party_id"] == "P-SEDENA":
            etype = "sedena_receive"
        elif etype == "transfer" and ev["from_party_id"] == "P-SEDENA":
            etype = "sedena_transfer"
        steps[ev["item_id"]].setdefault(etype, t)
    order = ("ship", "sedena_receive", "sedena_transfer", "assign")
    for item, firsts in steps.items():
        seen = [firsts[k][0] for k in order if k in firsts]
        assert seen == sorted(seen) and len(set(seen)) == len(seen), item
        assert "ship" in firsts, item


def test_chain_shapes_are_varied(small: Path) -> None:
    """Corrections, losses, thefts, destruction and missing receipts all occur."""
    _, events = read(small / "custody_events.csv")
    kinds = {ev["event_type"] for ev in events}
    assert {"ship", "receive", "transfer", "assign", "correction", "destroy"} <= kinds
    assert kinds & {"loss", "theft"}
    replacements = [ev for ev in events if ev["corrects_event_id"] and ev["event_type"] == "assign"]
    assert replacements
    received = {ev["item_id"] for ev in events
                if ev["event_type"] == "receive" and ev["to_party_id"] == "P-SEDENA"}
    assert {ev["item_id"] for ev in events} - received  # some receipts never recorded


def test_serials_are_sequential_within_a_licence(small: Path) -> None:
    _, items = read(small / "items.csv")
    formats = {(MAKERS[m.maker].name, m.name): m.serial for m in MODELS}
    by_licence: dict[str, list[int]] = defaultdict(list)
    for it in items:
        n = formats[(it["manufacturer"], it["model"])].number(it["serial"])
        assert n is not None, it
        by_licence[it["licence_id"]].append(n)
    gaps = 0
    for numbers in by_licence.values():
        steps = [b - a for a, b in itertools.pairwise(numbers)]
        assert all(s >= 1 for s in steps)
        gaps += sum(s - 1 for s in steps)
        assert sum(s - 1 for s in steps) <= max(2, len(numbers) // 50)
    assert gaps < len(items) // 50


def test_some_serial_strings_exist_under_two_makers(small: Path) -> None:
    _, items = read(small / "items.csv")
    _, truth = read(small / "truth" / "truth_recoveries.csv")
    licensed = {it["serial"]: it["manufacturer"] for it in items}
    clashes = [t for t in truth if t["origin"] == "serial_collision"]
    assert clashes
    for t in clashes:
        assert t["true_serial"] in licensed and t["licensed"] == "no"


def test_spanish_recoveries_write_spanish_headers(tmp_path: Path) -> None:
    generate_world(tmp_path, seed=1, scale="tiny", spanish_recoveries=True)
    assert not (tmp_path / "recoveries.csv").exists()
    header, rows = read(tmp_path / "recuperaciones.csv")
    assert tuple(header) == SPANISH_RECOVERY_COLUMNS
    assert rows and {r["matricula_limada"] for r in rows} <= {"si", "no", "parcial", ""}


def test_progress_is_reported_and_nothing_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[str, int, int | None]] = []
    generate_world(tmp_path, seed=2, scale=150,
                   progress=lambda s, d, t: calls.append((s, d, t)))
    assert {"parties", "licences", "weapons"} <= {c[0] for c in calls}
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_unknown_scale_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_world(tmp_path, scale="huge")


def test_recording_profiles_change_how_often_serials_are_damaged(tmp_path: Path) -> None:
    """Careful records keep every kind of damage possible but make it rarer; the default
    profile is the poor one, and the manifest says which profile wrote the world."""
    import json

    def damaged_share(folder: Path) -> tuple[float, set[str]]:
        _, rows = read(folder / "truth" / "truth_recoveries.csv")
        serial_kinds = {"substitution", "transposition", "insertion", "deletion", "obliterated",
                        "serial_missing", "partial_obliteration", "unreadable"}
        kinds = [set(r["damage"].split(";")) for r in rows]
        return sum(bool(k & serial_kinds) for k in kinds) / len(rows), set().union(*kinds)

    poor, careful, default = tmp_path / "poor", tmp_path / "careful", tmp_path / "default"
    generate_world(poor, seed=4, scale="small", recording="poor")
    generate_world(careful, seed=4, scale="small", recording="careful")
    generate_world(default, seed=4, scale="small")
    assert (default / "recoveries.csv").read_bytes() == (poor / "recoveries.csv").read_bytes()
    poor_share, _ = damaged_share(poor)
    careful_share, careful_kinds = damaged_share(careful)
    assert careful_share < poor_share / 3
    assert {"substitution", "transposition", "obliterated", "lookalike"} <= careful_kinds
    assert json.loads((careful / "truth" / "manifest.json").read_text())["recording"] == "careful"
    with pytest.raises(ValueError, match="unknown recording profile"):
        generate_world(tmp_path / "x", scale="tiny", recording="sloppy")
