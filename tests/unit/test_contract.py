"""Row validation against interchange format v1."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from armstrace.adapters.io.mappings import header_key, load_mapping
from armstrace.domain.contract import (
    CUSTODY_EVENTS,
    LICENCES,
    PARTIES,
    RECOVERIES,
    parse_when,
    validate_row,
)


def test_a_good_party_row_becomes_a_record_with_its_extra_columns() -> None:
    result = validate_row(PARTIES, {"party_id": "P-1", "name": "SEDENA", "kind": "Import Authority",
                                    "country": "mx", "region": "", "notes": "DCAM"})
    assert result.problems == []
    assert result.record.kind == "import_authority"
    assert result.record.country == "MX"
    assert result.record.region is None
    assert result.record.extra == {"notes": "DCAM"}


def test_every_problem_in_a_row_is_reported_with_its_column() -> None:
    result = validate_row(LICENCES, {"licence_id": "", "exporter_id": "P-1",
                                     "destination_country": "Mexico", "quantity": "-3",
                                     "value_usd": "abc", "status": "maybe"})
    columns = {p.column for p in result.problems}
    assert columns == {"licence_id", "destination_country", "quantity", "value_usd", "status"}
    assert result.record is None


def test_money_and_quantities_accept_thousands_separators() -> None:
    result = validate_row(LICENCES, {"licence_id": "L", "exporter_id": "P", "destination_country": "MX",
                                     "quantity": "1,030", "value_usd": "$1,250,000.50"})
    assert result.record.quantity == 1030
    assert result.record.value_usd == Decimal("1250000.50")


def test_a_licence_decided_before_it_was_applied_for_is_refused() -> None:
    result = validate_row(LICENCES, {"licence_id": "L", "exporter_id": "P", "destination_country": "MX",
                                     "applied_on": "2009-05-01", "decided_on": "2009-04-01"})
    assert [p.column for p in result.problems] == ["decided_on"]


@pytest.mark.parametrize(("kind", "missing"), [
    ("ship", {"from_party_id", "to_party_id"}),
    ("receive", {"to_party_id"}),
    ("theft", {"from_party_id"}),
    ("correction", {"corrects_event_id"}),
])
def test_event_types_require_their_parties(kind: str, missing: set[str]) -> None:
    result = validate_row(CUSTODY_EVENTS, {"event_id": "E", "event_type": kind,
                                           "occurred_at": "2009-01-01", "item_id": "I"})
    assert {p.column for p in result.problems} == missing


def test_spanish_enum_labels_are_understood() -> None:
    row = {"recovery_id": "R", "recovered_on": "2010-01-01", "circumstance": "Escena del crimen",
           "serial_obliterated": "Sí"}
    result = validate_row(RECOVERIES, row)
    assert result.record.circumstance == "crime_scene"
    assert result.record.serial_obliterated == "yes"


@pytest.mark.parametrize(("raw", "canonical"), [
    ("2009-11-30", "2009-11-30"),
    ("2009-11-30T18:14:00Z", "2009-11-30T18:14:00Z"),
    ("2009-11-30T12:14:00-06:00", "2009-11-30T18:14:00Z"),
    ("2009-11-30 18:14", "2009-11-30T18:14:00Z"),
])
def test_times_become_canonical_utc(raw: str, canonical: str) -> None:
    assert parse_when(raw) == canonical


@given(st.datetimes(min_value=datetime(1801, 1, 1), max_value=datetime(2099, 12, 31),
                    timezones=st.timezones()))
def test_canonical_times_are_fixed_points(moment: object) -> None:
    once = parse_when(moment.isoformat())  # type: ignore[attr-defined]
    assert once.endswith("Z")
    assert parse_when(once) == once


def test_control_characters_are_refused() -> None:
    result = validate_row(PARTIES, {"party_id": "P\x00", "name": "x", "kind": "other"})
    assert [p.column for p in result.problems] == ["party_id"]


def test_spanish_headers_map_onto_the_contract() -> None:
    mapping = load_mapping()
    assert mapping.contract_file("recuperaciones") == "recoveries"
    assert mapping.contract_file("Armas_Aseguradas") == "recoveries"
    renamed = mapping.rename("recoveries", ["Matrícula", "NÚMERO DE SERIE", "Marca", "fecha",
                                            "Calibre", "Otra cosa"])
    assert renamed == ["serial", "serial", "manufacturer", "recovered_on", "calibre", "Otra cosa"]
    assert header_key(" No. de Serie ") == header_key("no_de_serie")


def test_a_user_mapping_extends_the_packaged_one(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "map.toml"
    path.write_text('[items]\nfiles = ["weapons_register"]\n[items.columns]\n"SN" = "serial"\n',
                    encoding="utf-8")
    mapping = load_mapping(path)
    assert mapping.contract_file("weapons_register") == "items"
    assert mapping.rename("items", ["SN", "marca"]) == ["serial", "manufacturer"]


def test_a_mapping_to_an_unknown_column_is_a_clear_error(tmp_path: object) -> None:
    from pathlib import Path

    from armstrace.adapters.io.mappings import MappingError

    path = Path(str(tmp_path)) / "map.toml"
    path.write_text('[items.columns]\n"SN" = "serial_number"\n', encoding="utf-8")
    with pytest.raises(MappingError, match="serial_number"):
        load_mapping(path)
