"""Ledger benchmark: import and verify throughput at N custody events, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_ledger.py --events 1000000 [--pg URL] [--skip-pg]

Each phase runs in its own process so its peak memory (self plus any worker
processes) is its own. The baseline is a raw load of the same CSV rows with
sqlite3.executemany and no validation, reference checks or hashing: the floor
any importer on this machine stands on. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.world import write_world

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def phase(name: str, folder: Path, db: str) -> dict[str, float]:
    """Run one phase in this process and return seconds and peak memory."""
    started = time.perf_counter()
    if name == "raw-baseline":
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE ev (event_id, event_type, occurred_at, item_id, from_party_id, "
                     "to_party_id, region, document_ref)")
        with open(folder / "custody_events.csv", encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            conn.executemany("INSERT INTO ev VALUES (?,?,?,?,?,?,?,?)", reader)
        conn.commit()
        conn.close()
    elif name == "import":
        from armstrace.adapters.io.mappings import load_mapping
        from armstrace.bootstrap import open_store
        from armstrace.services.importing import Importer
        from armstrace.services.ports import SystemClock

        report = Importer(open_store(db), SystemClock(), load_mapping()).run(folder, folder / "rejects.csv")
        assert report.rejected == 0, report
    elif name == "verify":
        from armstrace.bootstrap import open_store
        from armstrace.services.verifying import verify_ledger

        result = verify_ledger(open_store(db))
        assert result.ok, result
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def run_phase(name: str, folder: Path, db: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--phase", name, "--dir", str(folder), "--db", db],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"phase {name} on {db} failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--pg", default=PG_DEFAULT)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--phase")
    parser.add_argument("--dir")
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, Path(args.dir), args.db)))
        return
    with tempfile.TemporaryDirectory(prefix="armstrace-bench-") as tmp:
        folder = Path(tmp) / "world"
        counts = write_world(folder, args.events)
        events = counts["events"]
        rows: list[tuple[str, str, dict[str, float]]] = []
        raw = run_phase("raw-baseline", folder, str(Path(tmp) / "raw.db"))
        rows.append(("sqlite", "raw load baseline (no validation, no hashing)", raw))
        sqlite_url = f"sqlite:///{Path(tmp) / 'store.db'}"
        rows.append(("sqlite", "armstrace import", run_phase("import", folder, sqlite_url)))
        rows.append(("sqlite", "armstrace verify", run_phase("verify", folder, sqlite_url)))
        if not args.skip_pg:
            from sqlalchemy import create_engine, text

            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.pg)
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            pg_url = f"{args.pg}?options=-csearch_path%3D{schema}"
            try:
                rows.append(("postgresql", "armstrace import", run_phase("import", folder, pg_url)))
                rows.append(("postgresql", "armstrace verify", run_phase("verify", folder, pg_url)))
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        print(f"\n{events:,} custody events ({counts['weapons']:,} weapons, "
              f"{counts['licences']:,} licences)\n")
        print("| backend | phase | seconds | events/s | peak memory (MB) | time vs raw load |")
        print("|---|---|---:|---:|---:|---:|")
        for backend, name, r in rows:
            print(f"| {backend} | {name} | {r['seconds']:.1f} | {events / r['seconds']:,.0f} | "
                  f"{r['peak_mb']:,.0f} | {r['seconds'] / raw['seconds']:.1f}x |")


if __name__ == "__main__":
    main()
