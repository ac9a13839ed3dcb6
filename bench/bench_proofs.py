"""Proofs benchmark: signed tree heads, inclusion and consistency proofs at N custody events.

    .venv/bin/python bench/bench_proofs.py --events 1000000 [--pg URL] [--skip-pg]

Imports the fixed-seed ledger world of bench/world.py (as bench_ledger.py does),
then times: building the Merkle node cache from nothing (the first tree head; also
what every proof would cost without a cache, since it reads and hashes every event),
a tree head once cached, inclusion proofs for random events at random tree sizes,
consistency proofs between random sizes, and a page of entries. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.world import write_world

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _timed(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure(url: str, folder: Path, key: Path, samples: int, seed: int) -> list[tuple[str, str]]:
    from armstrace.adapters.db.engine import make_engine
    from armstrace.adapters.db.proof_store import ProofStore
    from armstrace.adapters.db.store import SqlStore
    from armstrace.adapters.io.mappings import load_mapping
    from armstrace.adapters.signing import load_or_create_signer
    from armstrace.domain import merkle
    from armstrace.services import proofs
    from armstrace.services.importing import Importer
    from armstrace.services.ports import SystemClock

    store = SqlStore(make_engine(url))
    started = time.perf_counter()
    report = Importer(store, SystemClock(), load_mapping()).run(folder, folder / "rejects.csv")
    assert report.rejected == 0, report
    imported = time.perf_counter() - started
    signer = load_or_create_signer(key)
    rows: list[tuple[str, str]] = [("import (for reference)", f"{imported:.1f} s")]
    started = time.perf_counter()
    head = proofs.tree_head(store, signer)
    rows.append(("first tree head: build the node cache from nothing (a full pass over every event)",
                 f"{time.perf_counter() - started:.2f} s"))
    n = head.tree_size
    cached = ProofStore(store).cached_count(proofs.CACHE_LEVEL)
    from sqlalchemy import func, select

    from armstrace.adapters.db import tables as t

    with store.engine.connect() as conn:
        node_rows = conn.execute(select(func.count()).select_from(t.merkle_nodes)).scalar_one()
    rows.append((f"node cache rows (blocks of {1 << proofs.CACHE_LEVEL} events and up)",
                 f"{node_rows:,} ({cached:,} blocks)"))
    warm = _timed(lambda: proofs.tree_head(store, signer), 20)
    rows.append(("tree head, cached (median of 20)", f"{statistics.median(warm):.1f} ms"))
    rng = random.Random(seed)
    inclusion_times, consistency_times = [], []
    for _ in range(samples):
        size = rng.randint(1, n) if rng.random() < 0.5 else n
        index = rng.randrange(size)
        event_id = next(iter(ProofStore(store).leaves(index, index + 1)))[0]
        started = time.perf_counter()
        answer = proofs.inclusion_proof(store, event_id, size)
        inclusion_times.append((time.perf_counter() - started) * 1000)
        if size == n:
            merkle.verify_inclusion(index, n, merkle.leaf_hash(answer.leaf_input), answer.audit_path,
                                    head.root_hash)
        first = rng.randint(1, n - 1)
        second = rng.randint(first + 1, n) if rng.random() < 0.5 else n
        started = time.perf_counter()
        c = proofs.consistency_proof(store, first, second)
        consistency_times.append((time.perf_counter() - started) * 1000)
        if second == n:
            _, first_root = proofs.tree_root(store, first)
            merkle.verify_consistency(first, n, first_root, head.root_hash, c.proof)
    for name, values in (("inclusion proof", inclusion_times), ("consistency proof", consistency_times)):
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        rows.append((f"{name}, random sizes ({samples} proofs): median / p99",
                     f"{statistics.median(values):.1f} / {p99:.1f} ms"))
    page = _timed(lambda: proofs.entries(store, n // 2, n // 2 + proofs.MAX_ENTRIES - 1), 5)
    rows.append((f"entries: one page of {proofs.MAX_ENTRIES:,} leaf inputs (median of 5)",
                 f"{statistics.median(page):.1f} ms"))
    ProofStore(store).clear_nodes()
    started = time.perf_counter()
    proofs.tree_root(store, n)
    rows.append(("node cache rebuilt after deleting it", f"{time.perf_counter() - started:.2f} s"))
    store.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg", default=PG_DEFAULT)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="armstrace-proofs-") as tmp:
        folder = Path(tmp) / "world"
        counts = write_world(folder, args.events)
        results = {"sqlite": measure(f"sqlite:///{Path(tmp) / 'store.db'}", folder, Path(tmp) / "key.pem",
                                     args.samples, args.seed)}
        if not args.skip_pg:
            from sqlalchemy import create_engine, text

            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.pg)
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            try:
                results["postgresql"] = measure(f"{args.pg}?options=-csearch_path%3D{schema}", folder,
                                                Path(tmp) / "key.pem", args.samples, args.seed)
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        print(f"\n{counts['events']:,} custody events\n")
        backends = list(results)
        print("| measure | " + " | ".join(backends) + " |")
        print("|---|" + "---:|" * len(backends))
        for i, (name, _) in enumerate(results["sqlite"]):
            print(f"| {name} | " + " | ".join(results[b][i][1] for b in backends) + " |")


if __name__ == "__main__":
    main()
