"""The generator's parts: serial formats, damage, calibration, places, parties, memory."""

from __future__ import annotations

import random
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest

from armstrace.simulate.calibration import apportion, calibrate
from armstrace.simulate.catalogue import LICENSABLE, MAKERS, MODELS
from armstrace.simulate.damage import damage_serial, read_weapon
from armstrace.simulate.geography import contains, state_polygons
from armstrace.simulate.parties import build_cast
from armstrace.simulate.places import MUNICIPALITIES
from armstrace.simulate.reference import read_rows, states
from armstrace.simulate.serials import fmt
from armstrace.simulate.world import generate_world


@pytest.mark.parametrize(
    ("f", "n", "marking"),
    [
        (fmt("k", "LE", 6), 12345, "LE012345"),
        (fmt("k", "", 5, style="block", block_start=196), 12345, "196-12345"),
        (fmt("k", "", 5, style="block", block_start=196), 112345, "197-12345"),
        (fmt("k", "HSK", 4, style="rollover"), 10_001, "HSL0001"),
        (fmt("k", "AZ", 3, style="rollover"), 1_000, "BA000"),
        (fmt("k", "", 6), 4512, "004512"),
        (fmt("k", "RS", 5, suffix="W"), 77, "RS00077W"),
    ],
)
def test_serial_formats_render_and_parse(f: object, n: int, marking: str) -> None:
    from armstrace.simulate.serials import SerialFormat

    assert isinstance(f, SerialFormat)
    assert f.render(n) == marking
    assert f.number(marking) == n


def test_some_makers_share_a_serial_series() -> None:
    by_key: dict[str, set[str]] = {}
    for m in MODELS:
        by_key.setdefault(m.serial.key, set()).add(m.maker)
    assert any(len(makers) > 1 for makers in by_key.values())


def test_every_licensed_model_has_a_maker_party() -> None:
    cast = build_cast()
    ids = {row[0] for row in cast.rows}
    for m in LICENSABLE:
        assert MAKERS[m.maker].party_id in ids


def test_cast_has_the_documented_shape() -> None:
    cast = build_cast()
    kinds = Counter(row[2] for row in cast.rows)
    assert kinds["state_government"] == 32 and kinds["state_police"] == 32
    assert kinds["municipal_police"] >= 3 * 32
    assert kinds["import_authority"] == 1 and kinds["manufacturer"] >= 10
    names = {row[0]: row[1] for row in cast.rows}
    assert names["P-MX-MIC-GOV"] == "Gobierno del Estado de Michoacán"
    assert "P-MX-MIC-SSP" in names and "P-MX-MIC-MUN-003" in names and "P-SEDENA" in names
    regions = {row[4] for row in cast.rows if row[2] == "state_government"}
    assert regions == {s.iso for s in states()}


def test_damage_kinds_are_applied_as_reported() -> None:
    rng = random.Random(1)
    for _ in range(3000):
        kinds: list[str] = []
        text, obl = damage_serial(rng, "LE012345", 2, kinds)
        if not kinds:
            assert text == "LE012345"
        if "prefix_dropped" in kinds and not {"label", "lowercase"} & set(kinds):
            assert not text.startswith("LE")
        if "zeros_lost" in kinds and not set(kinds) - {"zeros_lost"}:
            assert text == "LE12345"
        if "obliterated" in kinds:
            assert obl == "yes"


def test_a_share_of_readings_is_perfect() -> None:
    rng = random.Random(2)
    model = LICENSABLE[0]
    maker = MAKERS[model.maker].name
    readings = [read_weapon(rng, model, "LE000123", 2, maker) for _ in range(2000)]
    perfect = sum(1 for r in readings if not r.kinds)
    assert 0.1 < perfect / len(readings) < 0.5


def test_calibration_reads_the_packaged_tables() -> None:
    cal = calibrate()
    assert set(cal.fy_weights) == set(range(2006, 2023))
    assert cal.fy_weights[2009] == 177_000_000  # the FY2009 DCS figure as packaged
    assert cal.recoveries_by_year[2008] == 32_111  # ATF count for 2008
    assert 1 < cal.recoveries_per_weapon < 20
    assert sum(apportion(1234, cal.fy_weights).values()) == 1234


def test_reference_files_are_packaged() -> None:
    assert len(read_rows("mexico_states.csv")) == 32
    assert len(states()) == 32


def test_municipality_seats_lie_in_their_state() -> None:
    polys = state_polygons()
    for iso, munis in MUNICIPALITIES.items():
        for m in munis:
            assert contains(polys[iso], m.lon, m.lat), (iso, m.name)


def _peak(out: Path, scale: int) -> int:
    tracemalloc.start()
    try:
        generate_world(out, seed=9, scale=scale)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_weapons(tmp_path: Path) -> None:
    """Ten times the weapons must not take anywhere near ten times the memory."""
    small = _peak(tmp_path / "a", 120)
    large = _peak(tmp_path / "b", 1200)
    assert large < 2 * small, (small, large)
