"""State boundaries and where inside a state a seizure is placed.

Recoveries carry latitude and longitude. Placing them at municipality seats with
a little scatter keeps maps plausible (seizures cluster in towns) and stays cheap
per row; the packaged Natural Earth boundaries are used once, up front, to keep
every scattered point inside its own state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from armstrace.simulate.places import MUNICIPALITIES, Municipality
from armstrace.simulate.reference import read_json, states

Ring = list[tuple[float, float]]  # (lon, lat) vertices
Polygon = list[Ring]  # outer ring first, then holes

# Scatter around a municipality seat, in degrees (about 5 km).
SCATTER_DEG = 0.05
POINTS_PER_MUNICIPALITY = 24


def _decode_arcs(topo: dict[str, Any]) -> list[Ring]:
    """Undo TopoJSON delta encoding and quantisation into absolute (lon, lat) arcs."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs: list[Ring] = []
    for arc in topo["arcs"]:
        x = y = 0
        ring: Ring = []
        for dx, dy in arc:
            x += dx
            y += dy
            ring.append((x * sx + tx, y * sy + ty))
        arcs.append(ring)
    return arcs


def _ring(arcs: list[Ring], indices: list[int]) -> Ring:
    out: Ring = []
    for i in indices:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(pts if not out else pts[1:])
    return out


def state_polygons() -> dict[str, list[Polygon]]:
    """Polygons per ISO 3166-2 code, read from the packaged TopoJSON."""
    topo = read_json("mexico_states.topo.json")
    arcs = _decode_arcs(topo)
    by_hasc = {s.hasc: s.iso for s in states()}
    out: dict[str, list[Polygon]] = {}
    for geom in topo["objects"]["mex"]["geometries"]:
        iso = by_hasc.get(str(geom.get("id")))
        if iso is None:
            continue  # the unnamed island feature
        parts = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        out[iso] = [[_ring(arcs, ring) for ring in poly] for poly in parts]
    return out


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(polygons: list[Polygon], lon: float, lat: float) -> bool:
    """Even-odd point-in-polygon test over a state's polygons (holes excluded)."""
    for poly in polygons:
        if _in_ring(lon, lat, poly[0]) and not any(_in_ring(lon, lat, h) for h in poly[1:]):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Spot:
    """A recordable place: state, municipality and a point inside the state."""

    region: str
    municipality: str
    lat: str
    lon: str


def build_spots(seed: int) -> dict[str, list[Spot]]:
    """Precompute scattered points per state so each recovery only picks one.

    Points that scatter out of the state (coastal and border towns on coarse
    boundaries) are dropped; a seat that itself falls outside the simplified
    boundary keeps its own coordinates rather than vanishing.
    """
    rng = random.Random(f"spots:{seed}")
    polys = state_polygons()
    out: dict[str, list[Spot]] = {}
    for iso, munis in MUNICIPALITIES.items():
        spots: list[Spot] = []
        for m in munis:
            spots.extend(_scatter(rng, iso, m, polys.get(iso, [])))
        out[iso] = spots
    return out


def _scatter(rng: random.Random, iso: str, m: Municipality, poly: list[Polygon]) -> list[Spot]:
    got: list[Spot] = []
    for _ in range(POINTS_PER_MUNICIPALITY * 3):
        lat = m.lat + rng.uniform(-SCATTER_DEG, SCATTER_DEG)
        lon = m.lon + rng.uniform(-SCATTER_DEG, SCATTER_DEG)
        if not poly or contains(poly, lon, lat):
            got.append(Spot(iso, m.name, f"{lat:.5f}", f"{lon:.5f}"))
        if len(got) >= POINTS_PER_MUNICIPALITY:
            break
    if not got:
        got.append(Spot(iso, m.name, f"{m.lat:.5f}", f"{m.lon:.5f}"))
    return got
