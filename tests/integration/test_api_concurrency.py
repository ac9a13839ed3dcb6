"""Several processes record transfers of the same items at once: the chain holds, nothing is lost.

Four processes each try, for two rifles held by the State Government of
Michoacán, a transfer to the state police and one back, many times over. Custody
allows a transfer only from the current holder, so for each item the accepted
transfers must alternate giver and taker, whatever the interleaving; every
accepted event must be stored exactly once; and the hash chain must verify.
Without the lock around read-check-append two processes would both hand on the
same rifle, or link onto the same tail.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from tests.integration.api_world import build
from tests.integration.concurrent_writer import A, B, hammer

from armstrace.bootstrap import open_store
from armstrace.domain.access import Role
from armstrace.services.verifying import verify_ledger

PROCESSES = 4
ROUNDS = 15
ITEMS = ["I-1", "I-3"]


def test_concurrent_transfers_keep_the_chain_and_every_event(store_url: str, tmp_path: Path) -> None:
    world = build(store_url, tmp_path, extra_orgs=False)
    token = world.tokens[Role.STATE_AUTHORITY]
    before = verify_ledger(open_store(store_url)).events
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(PROCESSES) as pool:
        results = pool.starmap(hammer, [(store_url, token, ITEMS, ROUNDS)] * PROCESSES)
    accepted = sum(a for a, _ in results)
    refused = sum(r for _, r in results)
    assert accepted + refused == PROCESSES * ROUNDS * len(ITEMS) * 2
    assert accepted >= ROUNDS  # the race must actually let transfers through

    store = open_store(store_url)
    report = verify_ledger(store)
    assert report.ok, report.mismatch
    assert report.events == before + accepted
    with store.connection() as conn:
        chains = store.events_for_items(conn, ITEMS)
    stored = 0
    for item in ITEMS:
        transfers = [e for e in chains[item] if e.event_id.startswith("API-")]
        stored += len(transfers)
        holder = A
        for e in transfers:
            assert (e.from_party_id, e.to_party_id) == (holder, B if holder == A else A), item
            holder = e.to_party_id
    assert stored == accepted
