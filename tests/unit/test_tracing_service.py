"""The Tracer with fakes for its ports: chunking, the chain cache, rows per recovery."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

import armstrace.services.tracing as tracing
from armstrace.adapters.db.trace_store import RegistryItem
from armstrace.domain.records import CustodyEvent, Recovery
from armstrace.services.trace_evidence import build_registry
from armstrace.services.tracing import Tracer

PARTIES = {"P-SEDENA": ("SEDENA", "import_authority", "MX-CMX", None),
           "P-GOV": ("Gobierno de Jalisco", "state_government", "MX-JAL", None)}


def make_tracer(n: int = 30) -> tuple[Tracer, list[list[str]]]:
    items = [RegistryItem(f"I-{k}", "Colt", f"LE{500000 + k:06d}", "M4", "5.56x45mm", "L-1")
             for k in range(n)]
    asked: list[list[str]] = []

    def chains(ids: Sequence[str]) -> dict[str, list[CustodyEvent]]:
        asked.append(list(ids))
        return {i: [CustodyEvent(f"{i}-1", "ship", "2010-01-01", i, "P-COLT", "P-SEDENA"),
                    CustodyEvent(f"{i}-2", "transfer", "2010-03-01", i, "P-SEDENA", "P-GOV")]
                for i in ids}

    return Tracer(build_registry(items), chains, PARTIES), asked


def rec(rid: str, serial: str | None, region: str | None = "MX-JAL") -> Recovery:
    return Recovery(recovery_id=rid, recovered_on="2012-05-01", region=region, manufacturer="COLT",
                    calibre=".223", serial=serial)


def test_one_row_per_recovery_in_order_whatever_the_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    tracer, _ = make_tracer()
    recs = [rec(f"R-{k}", f"LE5000{k:02d}") for k in range(25)] + [rec("R-X", None)]
    whole = tracer.trace(recs)
    monkeypatch.setattr(tracing, "ROW_BUDGET", 7)
    chunked = tracer.trace(recs)
    assert [r["recovery_id"] for r in chunked] == [r.recovery_id for r in recs]
    strip = [{k: v for k, v in r.items() if k != "evidence"} for r in whole]
    assert strip == [{k: v for k, v in r.items() if k != "evidence"} for r in chunked]
    assert whole[-1]["status"] == "untraceable"


def test_a_full_chain_cache_keeps_what_is_needed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracing, "CHAIN_CACHE", 3)
    monkeypatch.setattr(tracing, "ROW_BUDGET", 7)  # several chunks, several reads
    tracer, asked = make_tracer()
    rows = tracer.trace([rec(f"R-{k}", f"LE5000{k:02d}") for k in range(20)])
    assert len(rows) == 20 and len(asked) >= 2
    assert len(tracer._chains) <= max(3, max(len(a) for a in asked))
    named = [r for r in rows if r["last_custodian_id"]]
    assert named and all(r["last_custodian_id"] == "P-GOV" for r in named)
    assert all(r["last_custody_at"] == "2010-03-01" for r in named)


def test_chains_asked_together_are_all_there_after_an_eviction(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracing, "CHAIN_CACHE", 3)
    tracer, asked = make_tracer()
    tracer.chains(["I-1", "I-2"])
    got = tracer.chains(["I-2", "I-3", "I-4"])
    assert {"I-2", "I-3", "I-4"} <= set(got)
    assert sorted(asked[-1]) == ["I-3", "I-4"]  # I-2 was kept, not read again
