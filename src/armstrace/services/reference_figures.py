"""The packaged tables of published figures, read at run time, each row with its provenance.

Read through ``importlib.resources`` from ``armstrace.data.reference`` so an
installed package works like the source tree. Rows are returned as they are
published (values, periods, agencies, notes); nothing is corrected here, and
every row keeps its ``source_url`` and ``confidence`` grade.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from armstrace.domain.provenance import Provenance

__all__ = ["DcsFigure", "TraceFigure", "dcs_figures", "state_names", "trace_figures"]

PACKAGE = "armstrace.data.reference"


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files(PACKAGE).joinpath(name).read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


@dataclass(frozen=True, slots=True)
class TraceFigure:
    """One row of ``mexico_traces_by_year.csv``."""

    year_start: int | None
    year_end: int | None
    agency: str
    metric: str
    value: float
    unit: str
    source_url: str
    confidence: str
    note: str

    @property
    def provenance(self) -> Provenance:
        src = self.source_url or f"mexico_traces_by_year.csv ({self.agency}, no URL)"
        return Provenance((src,), self.confidence, self.note)

    @property
    def period(self) -> str:
        if self.year_start is None:
            return "undated"
        if self.year_start == self.year_end:
            return str(self.year_start)
        return f"{self.year_start}–{self.year_end}"


@dataclass(frozen=True, slots=True)
class DcsFigure:
    """One row of ``dcs_by_country_fy.csv``."""

    fiscal_year: int | None
    period: str
    country: str
    measure: str
    value: float
    unit: str
    source_url: str
    confidence: str
    note: str

    @property
    def provenance(self) -> Provenance:
        src = self.source_url or f"dcs_by_country_fy.csv ({self.country} {self.period}, no URL)"
        return Provenance((src,), self.confidence, self.note)


@cache
def trace_figures() -> tuple[TraceFigure, ...]:
    """ATF trace statistics and seizure counts for Mexico, as published."""
    return tuple(
        TraceFigure(_int(r["year_start"]), _int(r["year_end"]), r["source_agency"], r["metric"],
                    float(r["value"]), r["unit"], r["source_url"], r["confidence"], r["note"])
        for r in _rows("mexico_traces_by_year.csv"))


@cache
def dcs_figures() -> tuple[DcsFigure, ...]:
    """Direct Commercial Sales values by country and fiscal year, as published."""
    return tuple(
        DcsFigure(_int(r["fiscal_year"]), r["period"], r["country"], r["measure"],
                  float(r["value"]), r["unit"], r["source_url"], r["confidence"], r["note"])
        for r in _rows("dcs_by_country_fy.csv"))


@cache
def state_names() -> dict[str, str]:
    """ISO 3166-2 code of each federal entity -> its INEGI name."""
    return {r["iso_3166_2"]: r["name_inegi"] for r in _rows("mexico_states.csv")}
