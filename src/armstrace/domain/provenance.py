"""Where a figure comes from and how far to trust it, kept with the figure.

Published figures carry the grade of the reference tables
(``armstrace/data/reference/README.md``); a figure computed from several inputs
is only as good as its weakest input, and lists every source. Figures computed
from the store's own records carry ``COMPUTED`` and say which records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["COMPUTED", "GRADES", "Provenance", "combine", "weakest_grade"]

# Strongest first, as the reference README lists them.
GRADES = ("primary", "primary_quoted", "primary_copy", "secondary", "low", "uncertain",
          "unverified_seed")
# Computed by armstrace from the records in the store (not a published figure).
COMPUTED = "computed"


def weakest_grade(grades: Iterable[str]) -> str:
    """The weakest of the grades; an unknown grade counts as weakest of all."""
    worst = -1
    unknown: str | None = None
    for g in grades:
        if g in GRADES:
            worst = max(worst, GRADES.index(g))
        elif g != COMPUTED:
            unknown = g
    if unknown is not None:
        return unknown
    return GRADES[worst] if worst >= 0 else COMPUTED


@dataclass(frozen=True, slots=True)
class Provenance:
    """Sources (URLs or store descriptions), the confidence grade, and a note."""

    sources: tuple[str, ...]
    grade: str
    note: str = ""


def combine(parts: Iterable[Provenance], note: str = "") -> Provenance:
    """Provenance of a figure derived from ``parts``: every source, the weakest grade."""
    plist = list(parts)
    sources: list[str] = []
    for p in plist:
        for s in p.sources:
            if s and s not in sources:
                sources.append(s)
    return Provenance(tuple(sources), weakest_grade(p.grade for p in plist), note)
