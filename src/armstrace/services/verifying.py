"""Verify use case: recompute the hash chain and name the first event that does not match.

The chain is checked in ranges, in parallel processes when it is long: each link
depends only on its own row and the stored hash of the row before, so ranges
are independent, and the first mismatch is the lowest one found. Checkpoints
written at each import batch catch rows deleted from the end of the chain.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from armstrace.adapters.db.engine import make_engine
from armstrace.adapters.db.store import SqlStore
from armstrace.domain.ledger import GENESIS, Mismatch, canonical_bytes, verify_encoded, verify_links
from armstrace.services.ports import Progress, no_progress

PARALLEL_FROM = 200_000


@dataclass(frozen=True, slots=True)
class VerifyReport:
    events: int
    verified: int
    head: str | None
    mismatch: Mismatch | None
    checkpoints: int

    @property
    def ok(self) -> bool:
        return self.mismatch is None and self.verified == self.events


def _verify_range(store: SqlStore, first: int, last: int) -> tuple[int, Mismatch | None, str]:
    previous = GENESIS
    if first > 1:
        link = store.stored_link(first - 1)
        if link is None:
            return 0, Mismatch(first - 1, "?", f"event {first - 1} is missing: an event was removed"), ""
        previous = bytes(link[2])
    fast = store.canonical_rows(first, last)
    if fast is not None:
        def reencode(seq: int) -> bytes | None:
            link = store.stored_link(seq)
            return canonical_bytes(link[0]) if link is not None else None

        count, head, mismatch = verify_encoded(fast, previous, first, reencode)
    else:
        count, head, mismatch = verify_links(store.chain_rows(first, last), previous, expected_seq=first)
    if mismatch is None and count != last - first + 1:
        mismatch = Mismatch(first + count, "?", f"events after {first + count - 1} are missing")
    return count, mismatch, head.hex()


def _worker(url: str, first: int, last: int) -> tuple[int, Mismatch | None, str]:
    return _verify_range(SqlStore(make_engine(url), migrate=False), first, last)


def verify_ledger(store: SqlStore, *, workers: int | None = None,
                  progress: Progress = no_progress,
                  store_opener: Callable[[], str] | None = None) -> VerifyReport:
    low, high, count = store.chain_bounds()
    checkpoints = store.checkpoints()
    if count == 0:
        mismatch = None
        if checkpoints:
            mismatch = Mismatch(checkpoints[-1][0], "?", "the ledger is empty but checkpoints "
                                "recorded events: events were removed")
        return VerifyReport(0, 0, None, mismatch, len(checkpoints))
    if low != 1:
        return VerifyReport(count, 0, None, Mismatch(1, "?", f"the chain starts at {low}, not 1: "
                                                     "events were removed from the start"),
                            len(checkpoints))
    workers = workers or min(os.cpu_count() or 1, 4)
    url = store_opener() if store_opener else store.engine.url.render_as_string(hide_password=False)
    if count < PARALLEL_FROM or workers == 1 or ":memory:" in url:
        results = [_verify_range(store, 1, high)]
    else:
        step = -(-high // workers)
        bounds = [(start, min(high, start + step - 1)) for start in range(1, high + 1, step)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_worker, url, a, b) for a, b in bounds]
            results = []
            for done, future in enumerate(futures, start=1):
                results.append(future.result())
                progress("verifying", done, len(futures))
    verified = 0
    head = None
    for range_count, mismatch, range_head in results:
        verified += range_count
        if mismatch is not None:
            return VerifyReport(count, verified, None, mismatch, len(checkpoints))
        head = range_head
    mismatch = _check_checkpoints(store, checkpoints, high)
    return VerifyReport(count, verified, head, mismatch, len(checkpoints))


def _check_checkpoints(store: SqlStore, checkpoints: list[tuple[int, bytes]], high: int) -> Mismatch | None:
    for seq, chain in checkpoints:
        if seq > high:
            return Mismatch(seq, "?", f"a checkpoint recorded event {seq} but the chain ends at "
                            f"{high}: events were removed from the end")
        link = store.stored_link(seq)
        if link is None or link[2] != chain:
            event_id = str(link[0][2]) if link else "?"
            return Mismatch(seq, event_id, "the chain was rewritten: it no longer passes through "
                            "the head recorded at this checkpoint")
    return None
