"""Server load test: single traces and custody writes against `armstrace serve` on loopback.

    .venv/bin/python bench/bench_server.py [--work DIR] [--db URL] [--duration 20] [--concurrency 1,4]

Without ``--db`` it builds a realistic store once in ``--work`` (simulate
``--scale default``, import, trace) and reuses it on later runs. It then starts
``armstrace serve`` (uvicorn, 127.0.0.1) on that store, registers a law
enforcement organisation (lookups) and a state authority (writes), and drives
the server from a separate process with httpx, closed loop: each of C clients
sends its next request as soon as the last one answers, for a fixed duration.

Phases, each ``--duration`` seconds, for each concurrency C:
- lookup: ``GET /v1/traces/lookup`` with serial, make and calibre as officers
  wrote them on stored recoveries (damaged serials included);
- write: ``POST /v1/events``, assignments from a state government to one of its
  police units and transfers back, on items it holds (each client its own items);
- mixed: both at once, C clients each.

Prints a Markdown table (endpoint, requests, requests/s, p50/p95/p99 latency in
ms, errors = transport failures and 5xx; refusals (409) are counted apart; the server's
CPU time per request, which does not depend on how busy the machine is), then
verifies the ledger and the audit log. Fixed seeds; times depend on the load of
the machine, which the table states.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
ARMSTRACE = str(Path(sys.executable).parent / "armstrace")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    refused: int = 0


def _run(*args: str) -> None:
    subprocess.run([ARMSTRACE, *args], check=True, stdout=subprocess.DEVNULL)


def build_store(work: Path, scale: str, seed: int) -> str:
    """A simulated, imported and traced store in ``work`` (reused when already there)."""
    db = work / "store.db"
    done = work / "store.ready"
    url = f"sqlite:///{db}"
    if done.exists():
        return url
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    started = time.perf_counter()
    _run("simulate", "--out", str(work / "world"), "--scale", scale, "--seed", str(seed), "-q")
    _run("import", str(work / "world"), "--db", url, "--rejects", str(work / "rejects.csv"), "-q")
    _run("trace", "--db", url, "-q")
    done.write_text(f"built in {time.perf_counter() - started:.0f} s\n")
    return url


def _token(url: str, name: str, role: str, state: str | None = None) -> str:
    """A token for a fresh organisation (bench runs add new ones; names carry the time)."""
    org = f"{name} {time.strftime('%H%M%S')}-{random.randrange(10**6)}"
    args = ["orgs", "add", org, "--role", role, "--db", url]
    if state:
        args += ["--state", state]
    _run(*args)
    out = subprocess.run([ARMSTRACE, "tokens", "create", "--org", org, "--db", url], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lookup_queries(url: str, n: int, seed: int) -> list[dict[str, str]]:
    """Recoveries as officers wrote them: serial, make, calibre (a fixed-seed sample)."""
    from armstrace.adapters.db.trace_store import TraceStore
    from armstrace.bootstrap import open_store

    recs = [r for r in TraceStore(open_store(url)).recoveries() if r.serial]
    rng = random.Random(seed)
    picked = rng.sample(recs, min(n, len(recs)))
    return [{k: v for k, v in (("serial", r.serial), ("make", r.manufacturer), ("calibre", r.calibre),
                               ("recovered_on", r.recovered_on)) if v} for r in picked]


def write_plan(url: str, seed: int) -> tuple[str, str, list[str], list[str]]:
    """A state, its government, a police unit of it, and items the government holds now."""
    from armstrace.bootstrap import open_store
    from armstrace.domain.access import state_parties
    from armstrace.services.holdings import held_items

    store = open_store(url)
    parties = store.parties_info()
    best: tuple[int, str, str, list[str]] | None = None
    for pid, (_name, kind, region, _parent) in parties.items():
        if kind != "state_government" or not region:
            continue
        items = held_items(store, pid)
        if best is None or len(items) > best[0]:
            best = (len(items), region, pid, items)
    assert best is not None and best[0] >= 8, "no state government holds enough items to write on"
    _n, state, gov, items = best
    units = sorted(p for p in state_parties(state, parties) if parties[p][1] != "state_government")
    rng = random.Random(seed)
    rng.shuffle(items)
    return state, gov, [units[0]], items


async def _lookup_client(client: httpx.AsyncClient, token: str, queries: list[dict[str, str]],
                         stop: float, tally: Tally, rng: random.Random) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    while time.perf_counter() < stop:
        q = rng.choice(queries)
        t0 = time.perf_counter()
        try:
            r = await client.get("/v1/traces/lookup", params=q, headers=headers)
            ok = r.status_code < 500
        except httpx.HTTPError:
            ok = False
        tally.latencies.append(time.perf_counter() - t0)
        tally.errors += not ok


async def _write_client(client: httpx.AsyncClient, token: str, gov: str, unit: str, items: list[str],
                        stop: float, tally: Tally) -> None:
    """Assign each of its items to the unit and transfer it back, round and round."""
    headers = {"Authorization": f"Bearer {token}"}
    today = date.today().isoformat()
    held_by_unit: set[str] = set()
    i = 0
    while time.perf_counter() < stop:
        item = items[i % len(items)]
        i += 1
        if item in held_by_unit:
            body = {"event_type": "transfer", "item_id": item, "from_party_id": unit, "to_party_id": gov,
                    "occurred_at": today}
        else:
            body = {"event_type": "assign", "item_id": item, "from_party_id": gov, "to_party_id": unit,
                    "occurred_at": today}
        t0 = time.perf_counter()
        try:
            r = await client.post("/v1/events", json=body, headers=headers)
            status = r.status_code
        except httpx.HTTPError:
            status = 599
        tally.latencies.append(time.perf_counter() - t0)
        if status == 201:
            held_by_unit ^= {item}
        elif status == 409:
            tally.refused += 1
        else:
            tally.errors += 1


def drive(base: str, phase: str, concurrency: int, duration: float, plan: dict[str, Any],
          items: list[str]) -> dict[str, Tally]:
    """One phase in this (separate) process: returns the tallies per endpoint. ``items``: this
    phase's own items for writes (each writing phase takes fresh ones, held by the government)."""
    async def main() -> dict[str, Tally]:
        tallies = {"GET /v1/traces/lookup": Tally(), "POST /v1/events": Tally()}
        limits = httpx.Limits(max_connections=2 * concurrency, max_keepalive_connections=2 * concurrency)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
            stop = time.perf_counter() + duration
            tasks = []
            for c in range(concurrency):
                if phase in ("lookup", "mixed"):
                    tasks.append(_lookup_client(client, plan["law_token"], plan["queries"], stop,
                                                tallies["GET /v1/traces/lookup"], random.Random(c)))
                if phase in ("write", "mixed"):
                    mine = items[c::concurrency]
                    tasks.append(_write_client(client, plan["state_token"], plan["gov"], plan["unit"], mine,
                                               stop, tallies["POST /v1/events"]))
            await asyncio.gather(*tasks)
        return {k: v for k, v in tallies.items() if v.latencies}

    return asyncio.run(main())


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of every live process in the server's process group (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_server(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, ARMSTRACE_SIGNING_KEY=str(log.parent / "signing-key.pem"))
    command = [ARMSTRACE, "serve", "--db", url, "--port", str(port), "--workers", str(workers),
               "--log-level", "warning"]
    proc = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"server did not start: see {log}")


def warm_up(base: str, plan: dict[str, Any]) -> None:
    """The first lookup in each worker reads the registry and builds the index (about a second at
    the default scale): do that before measuring, as a running server has."""
    headers = {"Authorization": f"Bearer {plan['law_token']}"}
    for q in plan["queries"][:20]:
        httpx.get(f"{base}/v1/traces/lookup", params=q, headers=headers, timeout=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/armstrace-bench-server"))
    ap.add_argument("--db", help="an existing, traced store instead of building one")
    ap.add_argument("--scale", default="default")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    ap.add_argument("--concurrency", default="1,4", help="clients per endpoint, comma-separated")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--phases", default="lookup,write,mixed")
    args = ap.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    url = args.db or build_store(args.work, args.scale, args.seed)
    from armstrace.bootstrap import open_store
    from armstrace.services.verifying import verify_ledger

    events_before = verify_ledger(open_store(url)).events
    state, gov, units, items = write_plan(url, args.seed)
    plan = {"law_token": _token(url, "bench police", "law_enforcement"),
            "state_token": _token(url, "bench state", "state_authority", state),
            "queries": lookup_queries(url, 2_000, args.seed), "gov": gov, "unit": units[0], "items": items}
    port = _free_port()
    server = start_server(url, port, args.workers, args.work / "server.log")
    warm_up(f"http://127.0.0.1:{port}", plan)
    rows: list[tuple[str, int, str, Tally, float]] = []  # phase, clients, endpoint, tally, server CPU s
    load_start = os.getloadavg()[0]
    ctx = multiprocessing.get_context("spawn")
    try:
        with ctx.Pool(1) as pool:  # the load comes from another process than the server's
            runs = [(int(c), phase) for c in args.concurrency.split(",") for phase in args.phases.split(",")]
            for n, (c, phase) in enumerate(runs):
                cpu = group_cpu_seconds(server.pid)
                result = pool.apply(drive, (f"http://127.0.0.1:{port}", phase, c, args.duration, plan,
                                            items[n::len(runs)]))
                cpu = (group_cpu_seconds(server.pid) - cpu) / max(1, len(result))
                for endpoint, tally in result.items():
                    rows.append((phase, c, endpoint, tally, cpu))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    load_end = os.getloadavg()[0]

    print(f"\nStore: {url} ({len(items):,} items held by {gov} used for writes; "
          f"{len(plan['queries']):,} recorded recoveries for lookups); uvicorn workers: {args.workers}; "
          f"{args.duration:.0f} s per phase; load average {load_start:.1f} at start, "
          f"{load_end:.1f} at end.\n")
    print(report_table(rows, args.duration))
    print(after_run(url, events_before, rows))


def report_table(rows: list[tuple[str, int, str, Tally, float]], duration: float) -> str:
    lines = ["| phase | clients | endpoint | requests | requests/s | p50 ms | p95 ms | p99 ms | errors "
             "| refused (409) | server CPU ms/request |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for phase, c, endpoint, t, cpu in rows:
        lat, n = t.latencies, len(t.latencies)
        per = f"{1000 * cpu / n:.1f}" if phase != "mixed" else "–"
        lines.append(f"| {phase} | {c} | `{endpoint}` | {n:,} | {n / duration:,.1f} | {_pct(lat, .5):.1f} "
                     f"| {_pct(lat, .95):.1f} | {_pct(lat, .99):.1f} | {t.errors} | {t.refused} | {per} |")
    return "\n".join(lines)


def after_run(url: str, events_before: int, rows: list[tuple[str, int, str, Tally, float]]) -> str:
    """The ledger and the audit log verified after the load, and the writes accounted for."""
    from armstrace.adapters.db.server_store import ServerStore
    from armstrace.bootstrap import open_store
    from armstrace.services import audit
    from armstrace.services.verifying import verify_ledger

    written = sum(len(t.latencies) - t.errors - t.refused
                  for _p, _c, endpoint, t, _s in rows if endpoint.startswith("POST"))
    store = open_store(url)
    report = verify_ledger(store)
    audited = audit.verify(ServerStore(store.engine))
    return (f"\nLedger after the run: {'intact' if report.ok else 'BROKEN'}, {report.events:,} events "
            f"({report.events - events_before:,} new; {written:,} writes answered 201). "
            f"Audit log: {'intact' if audited.ok else 'BROKEN'}, {audited.entries:,} entries.")


if __name__ == "__main__":
    main()
