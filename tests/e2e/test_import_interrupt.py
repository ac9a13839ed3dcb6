"""A large import killed while its custody events are staged by a second process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.test_cli import armstrace, import_killed_once


def _world(folder: Path, weapons: int) -> None:
    """Parties, a licence, ``weapons`` items and two events each: a file large enough
    (over 4 MB) to be staged by a second process and appended in bulk."""
    folder.mkdir()
    (folder / "parties.csv").write_text("party_id,name,kind\nP-BUSH,Bushmaster,manufacturer\n"
                                        "P-SEDENA,SEDENA,import_authority\n", encoding="utf-8")
    (folder / "licences.csv").write_text("licence_id,exporter_id,destination_country\nL-1,P-BUSH,MX\n",
                                         encoding="utf-8")
    items = ["item_id,manufacturer,serial,licence_id"]
    events = ["event_id,event_type,occurred_at,item_id,from_party_id,to_party_id,document_ref"]
    for n in range(weapons):
        items.append(f"X-{n},Bushmaster,LE{n:06d},L-1")
        events.append(f"X-E-{n}-1,ship,2007-01-{n % 28 + 1:02d},X-{n},P-BUSH,P-SEDENA,DSP5-050123")
        events.append(f"X-E-{n}-2,receive,2007-02-{n % 28 + 1:02d}T10:00:00Z,X-{n},,P-SEDENA,PED-1")
    (folder / "items.csv").write_text("\n".join(items) + "\n", encoding="utf-8")
    (folder / "custody_events.csv").write_text("\n".join(events) + "\n", encoding="utf-8")


def test_killed_while_a_second_process_stages_events_then_a_rerun_completes(tmp_path: Path) -> None:
    world = tmp_path / "world"
    _world(world, 60_000)
    assert (world / "custody_events.csv").stat().st_size > 4_000_000
    db = tmp_path / "armstrace.db"
    returncode, err = import_killed_once(world, tmp_path, "items")
    assert returncode == 130, err
    assert "run the same import again" in err and "Traceback" not in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM custody_events").fetchone()[0] == 0
    assert armstrace("verify", cwd=tmp_path).returncode == 0
    rerun = armstrace("import", str(world), cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert "Ledger intact: 120,000" in armstrace("verify", cwd=tmp_path).stdout
