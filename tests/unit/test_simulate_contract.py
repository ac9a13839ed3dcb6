"""Cross-checks against the project's own contract reader and custody rules.

The generator's files are meant to import with zero rejects, and its truth
about the last documented custodian must agree with what the custody rules
derive from the events it wrote. Both are checked with the real domain code.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from armstrace.domain.contract import SCHEMAS, validate_row
from armstrace.domain.custody import last_lawful_custodian
from armstrace.domain.records import CustodyEvent
from armstrace.simulate import generate_world


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("contract")
    generate_world(out, seed=21, scale=600)
    return out


def test_every_row_passes_the_contract_reader(world: Path) -> None:
    for schema in SCHEMAS:
        rows = read(world / f"{schema.name}.csv")
        assert rows, schema.name
        for number, row in enumerate(rows, start=2):
            result = validate_row(schema, row)
            assert not result.problems, (schema.name, number, result.problems)


def test_spanish_recoveries_pass_after_header_mapping(tmp_path: Path) -> None:
    from armstrace.simulate.writer import RECOVERY_COLUMNS, SPANISH_RECOVERY_COLUMNS

    generate_world(tmp_path, seed=4, scale="tiny", spanish_recoveries=True)
    schema = next(s for s in SCHEMAS if s.name == "recoveries")
    back = dict(zip(SPANISH_RECOVERY_COLUMNS, RECOVERY_COLUMNS, strict=True))
    for row in read(tmp_path / "recuperaciones.csv"):
        result = validate_row(schema, {back[k]: v for k, v in row.items()})
        assert not result.problems, result.problems


def test_documented_custodian_agrees_with_the_custody_rules(world: Path) -> None:
    events: dict[str, list[CustodyEvent]] = defaultdict(list)
    for e in read(world / "custody_events.csv"):
        events[e["item_id"]].append(CustodyEvent(
            event_id=e["event_id"], event_type=e["event_type"], occurred_at=e["occurred_at"],
            item_id=e["item_id"], from_party_id=e["from_party_id"] or None,
            to_party_id=e["to_party_id"] or None, region=e["region"] or None,
            document_ref=e["document_ref"] or None,
            corrects_event_id=e["corrects_event_id"] or None,
        ))
    recovered_on = {r["recovery_id"]: r["recovered_on"] for r in read(world / "recoveries.csv")}
    checked = 0
    for t in read(world / "truth" / "truth_recoveries.csv"):
        if t["licensed"] != "yes":
            continue
        last = last_lawful_custodian(events[t["item_id"]], recovered_on[t["recovery_id"]])
        assert last is not None and last.party_id == t["documented_last_custodian_id"], t
        checked += 1
    assert checked
