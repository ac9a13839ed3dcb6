"""Licence-splitting detection over the store: load thresholds, detect, write a CSV.

Thin: the rules live in :mod:`armstrace.domain.splits`. Thresholds come from the
packaged ``armstrace/data/thresholds.csv`` (see ``SOURCES-thresholds.md``); an
extra CSV with the same columns adds rows or replaces rows of the same regime and
category.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Protocol

from armstrace.domain.records import Licence
from armstrace.domain.splits import (
    DEFAULT_WINDOW_DAYS,
    SplitGroup,
    Threshold,
    ThresholdTable,
    detect_splits,
    parse_thresholds,
)

__all__ = ["CSV_COLUMNS", "find_splits", "load_thresholds", "write_splits_csv"]

CSV_COLUMNS = ("group_id", "licence_id", "exporter_id", "purchase_order", "value_usd",
               "group_total_usd", "threshold_usd", "rule", "evidence", "detector_version")


class LicenceSource(Protocol):
    def licences_all(self) -> dict[str, Licence]: ...


def load_thresholds(extra: Path | Iterable[Threshold] | None = None) -> ThresholdTable:
    """The packaged thresholds, plus (and overridden by) ``extra`` rows or CSV file."""
    text = resources.files("armstrace.data").joinpath("thresholds.csv").read_bytes()
    rows = parse_thresholds(text.decode("utf-8-sig"))
    if isinstance(extra, Path):
        rows += parse_thresholds(extra.read_text(encoding="utf-8-sig"))
    elif extra is not None:
        rows += list(extra)
    return ThresholdTable(rows)


def find_splits(store: LicenceSource, thresholds: ThresholdTable | None = None, *,
                window_days: int = DEFAULT_WINDOW_DAYS) -> list[SplitGroup]:
    """Suspected split groups among every stored licence."""
    table = thresholds if thresholds is not None else load_thresholds()
    return detect_splits(store.licences_all(), table, window_days=window_days)


def write_splits_csv(groups: Sequence[SplitGroup], path: Path) -> int:
    """One row per member licence; returns the number of rows written."""
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for g in groups:
            for m in g.members:
                writer.writerow([
                    g.group_id, m.licence_id, m.exporter_id, m.purchase_order or "",
                    "" if m.value_usd is None else str(m.value_usd), str(g.total_usd),
                    str(g.threshold_usd), g.rule, g.explain(), g.detector_version,
                ])
                n += 1
    return n


