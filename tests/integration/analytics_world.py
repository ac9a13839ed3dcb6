"""A hand-built world for the analytics tests, small enough to check every number by hand.

Two licences from one exporter. L1 (4 rifles, $4,000, decided 2008-10-01 = FY2009)
goes through SEDENA to Michoacán's government, which keeps I1 and I2 (the trail
stops there) and assigns I3 and I4 to a municipal unit, where I4 is stolen.
L2 (4 pistols, $8,000, decided 2008-09-30 = FY2008) goes through a broker, who
loses I8 in transit, then SEDENA, then Jalisco: I5 and I6 to the state police,
I7 kept by the government. L3 was denied.

Traces (current run): R1 and R2 are two seizure rows of the same weapon I1
(last custodian MIC-GOV); R3 is the stolen I4 (MIC-MUN); R4 ambiguous between
I1 and I2, both at MIC-GOV (shared custodian); R5 ambiguous between I5 (JAL-SSP)
and I7 (JAL-GOV), not shared; R6 the broker's I8; R7 unmatched; R8 untraceable;
R9 never traced. An older run says otherwise and a newer failed run says
nonsense: neither may count.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.db.trace_store import TraceStore
from armstrace.adapters.io.mappings import load_mapping
from armstrace.services.importing import Importer
from armstrace.services.ports import SystemClock

PARTIES = [
    ("P-EXP", "Example Arms Inc.", "exporter", "US", "", ""),
    ("P-BRK", "Broker SA", "broker", "MX", "MX-CMX", ""),
    ("P-SEDENA", "SEDENA", "import_authority", "MX", "MX-CMX", ""),
    ("P-MIC-GOV", "Gobierno de Michoacán", "state_government", "MX", "MX-MIC", ""),
    ("P-MIC-MUN", "Policía Municipal de Morelia", "municipal_police", "MX", "", "P-MIC-GOV"),
    ("P-JAL-GOV", "Gobierno de Jalisco", "state_government", "MX", "MX-JAL", ""),
    ("P-JAL-SSP", "Policía Estatal de Jalisco", "state_police", "MX", "MX-JAL", ""),
]
LICENCES = [
    ("L1", "DDTC", "P-EXP", "P-SEDENA", "P-MIC-GOV", "MX", "USML-I", "4", "4000.00",
     "2008-10-01", "approved"),
    ("L2", "DDTC", "P-EXP", "P-BRK", "P-JAL-GOV", "MX", "USML-I", "4", "8000.00",
     "2008-09-30", "approved"),
    ("L3", "DDTC", "P-EXP", "P-SEDENA", "P-JAL-GOV", "MX", "USML-I", "2", "1000.00",
     "2009-01-01", "denied"),
]
SERIALS = {f"I{i}": f"SN{i:04d}" for i in range(1, 9)}


def _events() -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []

    def add(etype: str, when: str, item: str, frm: str = "", to: str = "") -> None:
        rows.append((f"E{len(rows) + 1:03d}", etype, when, item, frm, to))

    for i in ("I1", "I2", "I3", "I4"):
        add("ship", "2008-11-15", i, "P-EXP", "P-SEDENA")
        add("receive", "2008-11-20", i, "", "P-SEDENA")
        add("transfer", "2009-01-10", i, "P-SEDENA", "P-MIC-GOV")
        add("receive", "2009-01-12", i, "", "P-MIC-GOV")
    for i in ("I3", "I4"):
        add("assign", "2009-02-01", i, "P-MIC-GOV", "P-MIC-MUN")
    add("theft", "2010-05-01", "I4", "P-MIC-MUN")
    for i in ("I5", "I6", "I7", "I8"):
        add("ship", "2008-09-20", i, "P-EXP", "P-BRK")
        add("receive", "2008-09-22", i, "", "P-BRK")
    for i in ("I5", "I6", "I7"):
        add("transfer", "2008-09-25", i, "P-BRK", "P-SEDENA")
        add("receive", "2008-09-28", i, "", "P-SEDENA")
        add("transfer", "2008-10-15", i, "P-SEDENA", "P-JAL-GOV")
        add("receive", "2008-10-16", i, "", "P-JAL-GOV")
    for i in ("I5", "I6"):
        add("assign", "2008-11-01", i, "P-JAL-GOV", "P-JAL-SSP")
    return rows


RECOVERIES = [  # id, date, region, municipality, serial as recorded
    ("R1", "2010-03-01", "MX-MIC", "Morelia", "SN0001"),
    ("R2", "2010-04-01", "MX-MIC", "Uruapan", "SN 0001"),
    ("R3", "2011-06-01", "MX-JAL", "Guadalajara", "SN0004"),
    ("R4", "2012-01-01", "MX-MIC", "Morelia", "SN000?"),
    ("R5", "2012-02-01", "MX-JAL", "Zapopan", "SN000*"),
    ("R6", "2010-01-01", "MX-CMX", "Iztapalapa", "SN0008"),
    ("R7", "2013-01-01", "MX-SIN", "Culiacán", "XX9999"),
    ("R8", "2013-02-01", "MX-SIN", "Culiacán", ""),
    ("R9", "2013-03-01", "MX-SIN", "Mazatlán", "YY1"),
]

CURRENT: list[dict[str, Any]] = [
    {"recovery_id": "R1", "status": "matched", "item_id": "I1", "confidence": 0.98,
     "licence_id": "L1", "last_custodian_id": "P-MIC-GOV", "last_custody_at": "2009-01-10",
     "time_to_crime_days": 415, "reason": "exact"},
    {"recovery_id": "R2", "status": "matched", "item_id": "I1", "confidence": 0.9,
     "licence_id": "L1", "last_custodian_id": "P-MIC-GOV", "last_custody_at": "2009-01-10",
     "time_to_crime_days": 446, "reason": "spacing"},
    {"recovery_id": "R3", "status": "matched", "item_id": "I4", "confidence": 0.97,
     "licence_id": "L1", "last_custodian_id": "P-MIC-MUN", "last_custody_at": "2009-02-01",
     "time_to_crime_days": 850, "reason": "exact"},
    {"recovery_id": "R4", "status": "ambiguous", "candidates": "I1;I2", "confidence": 0.5,
     "last_custodian_id": "P-MIC-GOV", "last_custody_at": "2009-01-10",
     "time_to_crime_days": 1086, "shared_custodian": 1, "reason": "one digit unread"},
    {"recovery_id": "R5", "status": "ambiguous", "candidates": "I5;I7", "confidence": 0.5,
     "shared_custodian": 0, "reason": "one digit unread"},
    {"recovery_id": "R6", "status": "matched", "item_id": "I8", "confidence": 0.99,
     "licence_id": "L2", "last_custodian_id": "P-BRK", "last_custody_at": "2008-09-20",
     "time_to_crime_days": 468, "reason": "exact"},
    {"recovery_id": "R7", "status": "unmatched", "confidence": 0.95, "reason": "no item"},
    {"recovery_id": "R8", "status": "untraceable", "confidence": 0.0, "reason": "no serial"},
]


def _write(path: Path, header: str, rows: list[tuple[str, ...]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header.split(","))
        w.writerows(rows)


def build(store: SqlStore, tmp_path: Path) -> None:
    """Import the world into ``store`` and write three trace runs (only the middle one counts)."""
    folder = tmp_path / "world"
    folder.mkdir()
    _write(folder / "parties.csv", "party_id,name,kind,country,region,parent_id", PARTIES)
    _write(folder / "licences.csv", "licence_id,regime,exporter_id,consignee_id,end_user_id,"
           "destination_country,category,quantity,value_usd,decided_on,status", LICENCES)
    _write(folder / "items.csv", "item_id,manufacturer,serial,model,licence_id",
           [(i, "Example Arms", s, "AR", "L1" if int(i[1:]) <= 4 else "L2")
            for i, s in SERIALS.items()])
    _write(folder / "custody_events.csv", "event_id,event_type,occurred_at,item_id,"
           "from_party_id,to_party_id", _events())
    _write(folder / "recoveries.csv", "recovery_id,recovered_on,region,municipality,serial",
           RECOVERIES)
    report = Importer(store, SystemClock(), load_mapping(None)).run(folder, tmp_path / "rej.csv")
    assert report.rejected == 0, report
    ts = TraceStore(store)
    ts.start_run("T-OLD", "2030-01-01T00:00:01Z", "scoring_v0")
    ts.write("T-OLD", "scoring_v0", [{"recovery_id": r, "status": "matched", "item_id": "I3",
                                      "confidence": 1.0, "last_custodian_id": "P-JAL-SSP",
                                      "reason": "old"} for r in ("R1", "R7")])
    ts.finish_run("T-OLD", "2030-01-01T00:00:02Z", "completed", 8, 2)
    ts.start_run("T-NOW", "2030-01-02T00:00:01Z", "scoring_v1")
    ts.write("T-NOW", "scoring_v1", CURRENT)
    ts.finish_run("T-NOW", "2030-01-02T00:00:02Z", "completed", 8, len(CURRENT))
    ts.start_run("T-BAD", "2030-01-03T00:00:01Z", "scoring_v2")
    ts.write("T-BAD", "scoring_v2", [{"recovery_id": "R7", "status": "matched", "item_id": "I6",
                                      "confidence": 1.0, "last_custodian_id": "P-JAL-SSP",
                                      "reason": "bad"}])
    ts.finish_run("T-BAD", "2030-01-03T00:00:02Z", "failed", 8, 1)
