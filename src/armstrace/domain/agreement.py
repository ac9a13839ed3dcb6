"""Whether two recorded attributes of a weapon agree.

Shared by the maker, calibre and model comparisons so a scorer can weigh them the
same way and a trace can list which fields agreed, which did not, and which could
not be compared (missing or too loosely written).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Agreement"]


class Agreement(StrEnum):
    """``UNKNOWN`` is evidence of nothing: missing, unparsed or only loosely related."""

    AGREE = "agree"
    DISAGREE = "disagree"
    UNKNOWN = "unknown"
