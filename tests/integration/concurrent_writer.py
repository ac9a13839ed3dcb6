"""A worker process for the concurrency test: records transfers of the same items as fast as it can.

Module-level so that ``multiprocessing`` (spawn) can import it in a fresh process.
"""

from __future__ import annotations

from armstrace.adapters.db.server_store import ServerStore
from armstrace.bootstrap import open_store
from armstrace.services.access import authenticate
from armstrace.services.ports import SystemClock
from armstrace.services.recording import EventRequest, Refused, record_event

A, B = "P-MIC-GOV", "P-MIC-SSP"


def hammer(store_url: str, token: str, items: list[str], rounds: int) -> tuple[int, int]:
    """Try, ``rounds`` times per item, a transfer A->B and one B->A. (accepted, refused)."""
    store = open_store(store_url)
    server = ServerStore(store.engine)
    who = authenticate(server, token)
    assert who is not None
    parties, clock = store.parties_info(), SystemClock()
    accepted = refused = 0
    for _ in range(rounds):
        for item in items:
            for giver, taker in ((A, B), (B, A)):
                req = EventRequest("transfer", item, "2012-01-01", giver, taker)
                try:
                    record_event(store, clock, who.org, parties, f"api:{who.token_id}", req)
                    accepted += 1
                except Refused as exc:
                    assert exc.status == 409, exc.reason
                    refused += 1
    store.engine.dispose()
    return accepted, refused
