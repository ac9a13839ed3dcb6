"""A fixed-seed world of long custody chains, for ledger benchmarks.

Benchmarks of the ledger must not depend on the simulator's speed or on its
choices, so this writes the shape that matters (five events per weapon through
SEDENA to a state and a unit) quickly and reproducibly.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

STATES = ["AGU", "BCN", "BCS", "CAM", "CHH", "CHP", "CMX", "COA", "COL", "DUR", "GRO", "GUA", "HID",
          "JAL", "MEX", "MIC", "MOR", "NAY", "NLE", "OAX", "PUE", "QUE", "ROO", "SIN", "SLP", "SON",
          "TAB", "TAM", "TLA", "VER", "YUC", "ZAC"]


def write_world(folder: Path, events: int, seed: int = 42) -> dict[str, int]:
    """Write parties, licences, items and about ``events`` custody events (5 per weapon)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    weapons = events // 5
    with open(folder / "parties.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["party_id", "name", "kind", "country", "region", "parent_id"])
        w.writerow(["P-COLT", "Colt's Manufacturing", "manufacturer", "US", "", ""])
        w.writerow(["P-SEDENA", "SEDENA / DCAM", "import_authority", "MX", "MX-CMX", ""])
        for s in STATES:
            w.writerow([f"P-{s}-GOV", f"Gobierno del Estado {s}", "state_government", "MX", f"MX-{s}", ""])
            for u in range(5):
                w.writerow([f"P-{s}-MUN-{u}", f"Policía Municipal {s} {u}", "municipal_police", "MX",
                            f"MX-{s}", f"P-{s}-GOV"])
    per_licence = 500
    licences = -(-weapons // per_licence)
    with open(folder / "licences.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["licence_id", "regime", "exporter_id", "consignee_id", "destination_country",
                    "category", "quantity", "value_usd", "applied_on", "decided_on", "status"])
        for n in range(licences):
            w.writerow([f"L-{n:06d}", "DDTC", "P-COLT", "P-SEDENA", "MX", "USML-I", per_licence,
                        per_licence * 1100, "2008-01-02", "2008-02-01", "approved"])
    with open(folder / "items.csv", "w", newline="", encoding="utf-8") as fi, \
            open(folder / "custody_events.csv", "w", newline="", encoding="utf-8") as fe:
        wi, we = csv.writer(fi), csv.writer(fe)
        wi.writerow(["item_id", "manufacturer", "serial", "model", "calibre", "licence_id"])
        we.writerow(["event_id", "event_type", "occurred_at", "item_id", "from_party_id", "to_party_id",
                     "region", "document_ref"])
        written = 0
        for n in range(weapons):
            item = f"I-{n:08d}"
            licence = f"L-{n // per_licence:06d}"
            wi.writerow([item, "Colt", f"LE{n:07d}", "M4 Carbine", "5.56x45mm", licence])
            state = STATES[rng.randrange(len(STATES))]
            day = 1 + rng.randrange(27)
            chain = [
                ("ship", f"2008-03-{day:02d}", "P-COLT", "P-SEDENA", "", licence),
                ("receive", f"2008-04-{day:02d}T10:00:00Z", "", "P-SEDENA", "MX-CMX", licence),
                ("transfer", f"2008-06-{day:02d}", "P-SEDENA", f"P-{state}-GOV", f"MX-{state}", "OF-1"),
                ("receive", f"2008-07-{day:02d}", "", f"P-{state}-GOV", f"MX-{state}", "OF-1"),
                ("assign", f"2008-09-{day:02d}", f"P-{state}-GOV", f"P-{state}-MUN-{rng.randrange(5)}",
                 f"MX-{state}", "RES-1"),
            ]
            for k, (kind, when, src, dst, region, doc) in enumerate(chain):
                we.writerow([f"E-{n:08d}-{k}", kind, when, item, src, dst, region, doc])
                written += 1
    return {"weapons": weapons, "events": written, "licences": licences}
