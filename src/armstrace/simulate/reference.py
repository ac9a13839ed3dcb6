"""Read the packaged reference tables at run time.

The generator is calibrated on published figures (DCS values, ATF trace counts,
the 32 federal entities). They ship inside the package under
``armstrace.data.reference`` and are read through importlib.resources, so an
installed wheel works the same as the source tree and nothing reaches outside it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

PACKAGE = "armstrace.data.reference"


def read_text(name: str) -> str:
    """Return one packaged reference file as text (UTF-8, BOM tolerated)."""
    data = resources.files(PACKAGE).joinpath(name).read_bytes()
    return data.decode("utf-8-sig")


def read_rows(name: str) -> list[dict[str, str]]:
    """Return the rows of one packaged CSV table as dicts of strings."""
    return list(csv.DictReader(io.StringIO(read_text(name), newline="")))


def read_json(name: str) -> Any:
    """Return one packaged JSON document (the state boundaries)."""
    return json.loads(read_text(name))


@dataclass(frozen=True, slots=True)
class State:
    """One of the 32 federal entities, as the packaged table names it."""

    iso: str  # ISO 3166-2, e.g. "MX-MIC"
    inegi: str  # INEGI code, e.g. "16"
    name: str  # INEGI name, e.g. "Michoacán de Ocampo"
    hasc: str  # HASC code used by the boundary file, e.g. "MX.MC"

    @property
    def code(self) -> str:
        """The three-letter part of the ISO code ("MIC"), used in party ids."""
        return self.iso.split("-", 1)[1]


def states() -> list[State]:
    """The 32 entities in INEGI order (a stable order keeps worlds reproducible)."""
    rows = read_rows("mexico_states.csv")
    out = [State(r["iso_3166_2"], r["inegi_code"], r["name_inegi"], r["hasc_code"]) for r in rows]
    out.sort(key=lambda s: s.inegi)
    return out
