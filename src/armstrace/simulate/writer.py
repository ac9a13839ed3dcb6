"""CSV output in interchange format v1, plus the ground-truth files beside it.

Rows are written as they are generated so memory does not grow with the size of
the world. Column lists follow docs/data-contract.md exactly; the Spanish
variant of the recoveries file only renames headers (and writes si/no/parcial
for obliteration), as a real Mexican export would, leaving the mapping back to
the contract to the importer.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

PARTY_COLUMNS = ("party_id", "name", "kind", "country", "region", "parent_id")
LICENCE_COLUMNS = (
    "licence_id", "regime", "exporter_id", "consignee_id", "end_user_id",
    "destination_country", "category", "description", "quantity", "value_usd",
    "purchase_order", "applied_on", "decided_on", "status",
)
ITEM_COLUMNS = (
    "item_id", "manufacturer", "serial", "model", "calibre", "weapon_type",
    "country_of_manufacture", "year_of_manufacture", "import_marks", "licence_id",
)
EVENT_COLUMNS = (
    "event_id", "event_type", "occurred_at", "item_id", "from_party_id", "to_party_id",
    "region", "document_ref", "corrects_event_id",
)
RECOVERY_COLUMNS = (
    "recovery_id", "recovered_on", "country", "region", "municipality", "latitude",
    "longitude", "agency", "case_ref", "circumstance", "manufacturer", "model", "calibre",
    "weapon_type", "serial", "serial_obliterated", "notes",
)
SPANISH_RECOVERY_COLUMNS = (
    "id_recuperacion", "fecha", "pais", "estado", "municipio", "latitud", "longitud",
    "dependencia", "averiguacion_previa", "circunstancia", "marca", "modelo", "calibre",
    "tipo_arma", "matricula", "matricula_limada", "observaciones",
)
SPANISH_OBLITERATION = {"yes": "si", "no": "no", "partial": "parcial", "": ""}
OBLITERATED_COLUMN = RECOVERY_COLUMNS.index("serial_obliterated")

TRUTH_ITEM_COLUMNS = (
    "item_id", "diverted", "diverted_from_party_id", "diverted_on", "diversion_kind",
    "true_holder_id", "licence_id",
)
TRUTH_RECOVERY_COLUMNS = (
    "recovery_id", "item_id", "licensed", "damage", "true_last_custodian_id", "duplicate_of",
    "documented_last_custodian_id", "origin", "true_manufacturer", "true_model",
    "true_serial",
)
TRUTH_SPLIT_COLUMNS = ("group_id", "licence_id", "kind", "purchase_order", "threshold_usd")


class Table:
    """One CSV file being written: header first, rows streamed, rows counted."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh: IO[str] = path.open("w", encoding="utf-8", newline="")
        self._w = csv.writer(self._fh)
        self._w.writerow(header)
        self.rows = 0

    def write(self, row: Sequence[Any]) -> None:
        self._w.writerow(row)
        self.rows += 1

    def close(self) -> None:
        self._fh.close()


class SpanishRecoveries(Table):
    """recuperaciones.csv: the recoveries table under Spanish headers."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SPANISH_RECOVERY_COLUMNS)

    def write(self, row: Sequence[Any]) -> None:
        out = list(row)
        out[OBLITERATED_COLUMN] = SPANISH_OBLITERATION[out[OBLITERATED_COLUMN]]
        super().write(out)


class Sinks:
    """All output files of one world, opened together and closed together."""

    def __init__(self, out_dir: Path, *, spanish_recoveries: bool) -> None:
        truth = out_dir / "truth"
        # A previous run in the other language must not leave a second recoveries file.
        stale = out_dir / ("recoveries.csv" if spanish_recoveries else "recuperaciones.csv")
        stale.unlink(missing_ok=True)
        self.parties = Table(out_dir / "parties.csv", PARTY_COLUMNS)
        self.licences = Table(out_dir / "licences.csv", LICENCE_COLUMNS)
        self.items = Table(out_dir / "items.csv", ITEM_COLUMNS)
        self.events = Table(out_dir / "custody_events.csv", EVENT_COLUMNS)
        self.recoveries: Table = (
            SpanishRecoveries(out_dir / "recuperaciones.csv")
            if spanish_recoveries
            else Table(out_dir / "recoveries.csv", RECOVERY_COLUMNS)
        )
        self.truth_items = Table(truth / "truth_items.csv", TRUTH_ITEM_COLUMNS)
        self.truth_recoveries = Table(truth / "truth_recoveries.csv", TRUTH_RECOVERY_COLUMNS)
        self.truth_splits = Table(truth / "truth_splits.csv", TRUTH_SPLIT_COLUMNS)

    def tables(self) -> list[Table]:
        return [
            self.parties, self.licences, self.items, self.events, self.recoveries,
            self.truth_items, self.truth_recoveries, self.truth_splits,
        ]

    def counts(self) -> dict[str, int]:
        """Rows written per file, keyed by the file's path relative to out_dir."""
        out: dict[str, int] = {}
        for t in self.tables():
            name = t.path.name if t.path.parent.name != "truth" else f"truth/{t.path.name}"
            out[name] = t.rows
        return out

    def close(self) -> None:
        for t in self.tables():
            t.close()

    def __enter__(self) -> Sinks:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def write_json(path: Path, doc: dict[str, Any]) -> None:
    """Deterministic JSON (sorted keys, fixed indent, trailing newline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
