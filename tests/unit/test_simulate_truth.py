"""The ground truth agrees with the world it describes."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from armstrace.domain.makers import canonical_maker
from armstrace.simulate import generate_world
from armstrace.simulate.notations import NOTHING_READABLE, SERIAL_LABELS, UNREADABLE_MARKS


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=5, scale="small")
    return out


def test_every_recovery_has_one_truth_row(world: Path) -> None:
    recs = read(world / "recoveries.csv")
    truth = read(world / "truth" / "truth_recoveries.csv")
    assert [r["recovery_id"] for r in recs] == [t["recovery_id"] for t in truth]


def test_licensed_recoveries_point_at_diverted_items(world: Path) -> None:
    items = {i["item_id"]: i for i in read(world / "items.csv")}
    item_truth = {t["item_id"]: t for t in read(world / "truth" / "truth_items.csv")}
    parties = {p["party_id"] for p in read(world / "parties.csv")}
    recs = {r["recovery_id"]: r for r in read(world / "recoveries.csv")}
    assert set(item_truth) == set(items)
    licensed = 0
    for t in read(world / "truth" / "truth_recoveries.csv"):
        if t["licensed"] == "no":
            assert t["item_id"] == "" and t["true_last_custodian_id"] == ""
            continue
        licensed += 1
        item = items[t["item_id"]]
        assert item["serial"] == t["true_serial"]
        it = item_truth[t["item_id"]]
        assert it["diverted"] == "yes"
        assert t["true_last_custodian_id"] == it["diverted_from_party_id"]
        assert t["true_last_custodian_id"] in parties
        assert t["documented_last_custodian_id"] in parties
        assert recs[t["recovery_id"]]["recovered_on"] > it["diverted_on"]
    assert licensed > 0


def test_never_licensed_recoveries_are_the_majority(world: Path) -> None:
    truth = read(world / "truth" / "truth_recoveries.csv")
    never = sum(t["licensed"] == "no" for t in truth)
    assert never > 0.9 * len(truth)
    origins = {t["origin"] for t in truth}
    assert {"diverted", "retail_near_licensed", "us_retail", "serial_collision"} <= origins


def test_duplicates_repeat_an_earlier_seizure(world: Path) -> None:
    recs = {r["recovery_id"]: r for r in read(world / "recoveries.csv")}
    truth = {t["recovery_id"]: t for t in read(world / "truth" / "truth_recoveries.csv")}
    dups = [t for t in truth.values() if t["duplicate_of"]]
    assert dups
    for d in dups:
        orig = truth[d["duplicate_of"]]
        assert not orig["duplicate_of"]
        assert orig["true_serial"] == d["true_serial"] and orig["item_id"] == d["item_id"]
        assert recs[d["recovery_id"]]["region"] == recs[d["duplicate_of"]]["region"]


def test_diverted_items_name_a_holder_and_kind(world: Path) -> None:
    parties = {p["party_id"] for p in read(world / "parties.csv")}
    events = read(world / "custody_events.csv")
    reported = {(e["item_id"], e["event_type"]) for e in events
                if e["event_type"] in ("loss", "theft")}
    kinds = defaultdict(int)
    for t in read(world / "truth" / "truth_items.csv"):
        if t["diverted"] == "no":
            assert not t["diverted_from_party_id"] and not t["diversion_kind"]
            continue
        kinds[t["diversion_kind"]] += 1
        assert t["diverted_from_party_id"] in parties
        if t["diversion_kind"] != "silent":
            assert (t["item_id"], t["diversion_kind"]) in reported
    assert kinds["silent"] > max(kinds["loss"], kinds["theft"]) > 0
    manifest = json.loads((world / "truth" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["diversion"]["hot_custodians"]
    assert "MX-MIC" in manifest["diversion"]["states_without_assignment_records"]


def test_states_without_assignment_records_record_none(world: Path) -> None:
    manifest = json.loads((world / "truth" / "manifest.json").read_text(encoding="utf-8"))
    silent = {s.split("-")[1] for s in manifest["diversion"]["states_without_assignment_records"]}
    for e in read(world / "custody_events.csv"):
        if e["event_type"] == "assign":
            assert e["from_party_id"].split("-")[2] not in silent


def test_planted_split_and_decoys(world: Path) -> None:
    licences = {lic["licence_id"]: lic for lic in read(world / "licences.csv")}
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read(world / "truth" / "truth_splits.csv"):
        groups[row["group_id"]].append(row)
    kinds = {rows[0]["kind"] for rows in groups.values()}
    assert kinds == {"split", "decoy"}
    for rows in groups.values():
        lics = [licences[r["licence_id"]] for r in rows]
        threshold = Decimal(rows[0]["threshold_usd"])
        total = sum(Decimal(lic["value_usd"]) for lic in lics)
        assert len({lic["purchase_order"] for lic in lics}) == 1
        assert len({lic["exporter_id"] for lic in lics}) == 1
        if rows[0]["kind"] == "split":
            assert len(lics) >= 2 and total > threshold
            assert all(Decimal(lic["value_usd"]) < threshold for lic in lics)
        elif len(lics) > 1:
            assert total < threshold
        else:
            assert total > threshold
    # Ordinary licences never share a purchase order.
    planted = {r["licence_id"] for rows in groups.values() for r in rows}
    pos = [lic["purchase_order"] for lid, lic in licences.items() if lid not in planted]
    assert len(pos) == len(set(pos))


def test_damage_kinds_show_in_the_written_rows(world: Path) -> None:
    recs = {r["recovery_id"]: r for r in read(world / "recoveries.csv")}
    seen: set[str] = set()
    labels = tuple(lab.lower() for lab in SERIAL_LABELS)
    for t in read(world / "truth" / "truth_recoveries.csv"):
        r = recs[t["recovery_id"]]
        kinds = set(t["damage"].split(";")) - {""}
        seen |= kinds
        serial = r["serial"]
        if not kinds:
            assert serial == t["true_serial"] and r["manufacturer"] == t["true_manufacturer"]
            assert r["model"] == t["true_model"]
        if "lowercase" in kinds:
            assert any(c.islower() for c in serial)
        if "space" in kinds:
            assert " " in serial
        if "dash" in kinds:
            assert "-" in serial
        if "label" in kinds:
            assert serial.lower().startswith(labels)
        if "unreadable" in kinds:
            assert any(m in serial for m in UNREADABLE_MARKS)
        if "obliterated" in kinds:
            assert r["serial_obliterated"] == "yes" and serial in NOTHING_READABLE
        if "partial_obliteration" in kinds:
            assert r["serial_obliterated"] == "partial"
            assert any(m in serial for m in UNREADABLE_MARKS)
        if "serial_missing" in kinds:
            assert serial == ""
        if "maker_missing" in kinds:
            assert r["manufacturer"] == ""
        if "calibre_missing" in kinds:
            assert r["calibre"] == ""
        if "model_missing" in kinds:
            assert r["model"] == ""
        if "prefix_dropped" in kinds or "zeros_lost" in kinds:
            assert t["true_serial"] not in serial.upper()
    expected = {
        "lookalike", "substitution", "transposition", "insertion", "deletion",
        "prefix_dropped", "zeros_lost", "unreadable", "partial_obliteration", "obliterated",
        "serial_missing", "space", "dash", "label", "lowercase", "maker_alias", "maker_typo",
        "maker_missing", "model_loose", "model_missing", "calibre_notation", "calibre_missing",
    }
    assert expected <= seen


def test_error_counts_go_beyond_two_edits(world: Path) -> None:
    char_kinds = {"lookalike", "substitution", "transposition", "insertion", "deletion",
                  "prefix_dropped", "zeros_lost", "unreadable"}
    counts = defaultdict(int)
    for t in read(world / "truth" / "truth_recoveries.csv"):
        counts[len(set(t["damage"].split(";")) & char_kinds)] += 1
    total = sum(counts.values())
    assert counts[0] > total / 3  # a good share needs no edit at all
    assert counts[1] and counts[2] and counts[3]


def test_some_seizures_take_several_weapons(world: Path) -> None:
    truth = {t["recovery_id"]: t for t in read(world / "truth" / "truth_recoveries.csv")}
    groups: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for r in read(world / "recoveries.csv"):
        t = truth[r["recovery_id"]]
        if not t["duplicate_of"] and r["circumstance"] in ("cache", "raid"):
            groups[(r["case_ref"], r["recovered_on"], r["region"])].add(t["true_serial"])
    assert any(len(serials) > 2 for serials in groups.values())


def test_no_never_licensed_weapon_carries_its_own_makers_licensed_marking(world: Path) -> None:
    """Serial collisions are other makers' weapons: no crime gun is a twin of a licensed one
    (same maker family and the very marking), and no one string sits on dozens of them."""
    licensed = {(canonical_maker(i["manufacturer"]), i["serial"]) for i in read(world / "items.csv")}
    serials = {i["serial"] for i in read(world / "items.csv")}
    truth = read(world / "truth" / "truth_recoveries.csv")
    collisions = [t for t in truth if t["origin"] == "serial_collision"]
    assert len(collisions) > 50
    assert all(t["true_serial"] in serials for t in collisions)
    assert not [t for t in truth if t["licensed"] == "no"
                and (canonical_maker(t["true_manufacturer"]), t["true_serial"]) in licensed]
    seizures = {(t["true_serial"], t["duplicate_of"] or t["recovery_id"]) for t in collisions}
    per_string = Counter(serial for serial, _ in seizures)  # a seizure listed twice counts once
    assert max(per_string.values()) <= 4



@pytest.fixture(scope="module")
def counted_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("counted")
    generate_world(out, seed=5, scale="small", inventories=True)
    return out


def test_inventories_change_nothing_else(world: Path, counted_world: Path) -> None:
    """Same seed with and without counts: the same weapons, recoveries and truth, and
    the same custody events once the counts are taken out (ids aside)."""
    for name in ("items.csv", "recoveries.csv", "truth/truth_recoveries.csv",
                 "truth/truth_items.csv", "parties.csv", "licences.csv"):
        assert (world / name).read_bytes() == (counted_world / name).read_bytes(), name
    plain = [{k: v for k, v in e.items() if k not in ("event_id", "corrects_event_id")}
             for e in read(world / "custody_events.csv")]
    counted = read(counted_world / "custody_events.csv")
    assert not any(e["event_type"] == "inventory" for e in plain)
    rest = [{k: v for k, v in e.items() if k not in ("event_id", "corrects_event_id")}
            for e in counted if e["event_type"] != "inventory"]
    assert sorted(rest, key=lambda e: sorted(e.items())) == sorted(plain, key=lambda e: sorted(e.items()))
    assert len(counted) > len(plain) * 1.3


def test_inventories_count_what_the_holder_still_has(counted_world: Path) -> None:
    """Counts come from the documented holder, stop at a reported loss, theft or
    destruction, and after a silent diversion run on (on paper) only for a while."""
    world = counted_world
    item_truth = {t["item_id"]: t for t in read(world / "truth" / "truth_items.csv")}
    chains: dict[str, list[dict[str, str]]] = defaultdict(list)
    for e in read(world / "custody_events.csv"):
        chains[e["item_id"]].append(e)
    counted = paper = 0
    for item, chain in chains.items():
        counts = [e for e in chain if e["event_type"] == "inventory"]
        if not counts:
            continue
        counted += 1
        holders = {e["to_party_id"] for e in chain if e["event_type"] in ("transfer", "assign", "receive")}
        for c in counts:
            assert c["to_party_id"] in holders and c["from_party_id"] == ""
            assert c["document_ref"].startswith("INVENTARIO/")
        ends = [e["occurred_at"][:10] for e in chain if e["event_type"] in ("loss", "theft", "destroy")]
        if ends:
            assert all(c["occurred_at"][:10] < min(ends) for c in counts)
        truth = item_truth[item]
        if truth["diverted"] == "yes" and any(c["occurred_at"][:10] > truth["diverted_on"]
                                              for c in counts):
            assert truth["diversion_kind"] == "silent"
            paper += 1
    assert counted > len(chains) // 4
    assert 0 < paper < counted // 10
