"""verify --remote against a real proof server: uvicorn in a subprocess on a loopback port,
over an SQLite store built by `armstrace simulate` and `armstrace import`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.e2e.test_cli import armstrace, assert_clean_failure
from tests.integration.ledger_builders import append_events, rewrite_history

from armstrace.adapters.db.engine import make_engine
from armstrace.adapters.db.store import SqlStore

TOKEN = "e2e-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, dict[str, str]]]:
    """A store with the tiny simulated world, and a server over it; yields (folder, url, env)."""
    folder = tmp_path_factory.mktemp("remote")
    db = f"sqlite:///{folder / 'store.db'}"
    env = {"ARMSTRACE_SIGNING_KEY": str(folder / "server-key" / "signing-key.pem")}
    for args in (("simulate", "--scale", "tiny", "--seed", "5", "--out", "world", "-q"),
                 ("import", "world", "--db", db, "-q")):
        result = armstrace(*args, cwd=folder, env=env)
        assert result.returncode == 0, result.stderr
    port = free_port()
    server_env = {**os.environ, **env, "ARMSTRACE_DB": db, "ARMSTRACE_LEDGER_TOKEN": TOKEN}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory",
         "armstrace.entrypoints.api.ledger_app:ledger_app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=server_env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read().decode() if server.stdout else ""
                pytest.fail(f"proof server did not start: {output}")
            time.sleep(0.2)
        yield folder, url, env
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_verify_remote_against_a_running_server(world: tuple[Path, str, dict[str, str]]) -> None:
    folder, url, env = world
    exported = armstrace("keys", "export", "--out", "server.pem", cwd=folder, env=env)
    assert exported.returncode == 0, exported.stderr
    first = armstrace("verify", "--remote", url, "--token", TOKEN, "--public-key", "server.pem",
                      "--save-head", "head.json", cwd=folder)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "(the pinned public key)" in first.stdout and "All 11 checks passed." in first.stdout
    assert "Trust on first use" not in first.stdout
    assert (folder / "head.json").exists()

    # Events appended since the saved head: the tree still extends it.
    store = SqlStore(make_engine(f"sqlite:///{folder / 'store.db'}"), migrate=False)
    size = store.chain_bounds()[2]
    append_events(store, 25, prefix="LATER")
    grown = armstrace("verify", "--remote", url, "--token", TOKEN, "--trusted-head", "head.json",
                      "--save-head", "head.json", "--event", f"LATER-{size + 3}", "--full", cwd=folder)
    assert grown.returncode == 0, grown.stdout + grown.stderr
    assert f"consistency {size:,} -> {size + 25:,}: the tree extends the trusted head" in grown.stdout
    assert "full download: all" in grown.stdout and f"inclusion of LATER-{size + 3}" in grown.stdout

    # History rewritten before the saved head and a new root computed: consistency fails.
    rewrite_history(store, 7, "P-SOMEONE-ELSE")
    append_events(store, 4, prefix="AFTER")
    store.engine.dispose()
    forged = armstrace("verify", "--remote", url, "--token", TOKEN, "--trusted-head", "head.json",
                       "--save-head", "head.json", cwd=folder)
    assert forged.returncode == 1, forged.stdout + forged.stderr
    assert f"FAIL consistency {size + 25:,} -> {size + 29:,}" in forged.stdout
    assert "the earlier tree is not a prefix of the later one" in forged.stdout
    assert "PROOFS FAILED" in forged.stderr and "Traceback" not in forged.stderr
    # The saved head was not replaced by the forged one.
    assert f'"tree_size": {size + 25}' in (folder / "head.json").read_text()


def test_user_errors_are_one_line(world: tuple[Path, str, dict[str, str]]) -> None:
    folder, url, _env = world
    assert_clean_failure(armstrace("verify", "--remote", url, cwd=folder), 2, "refused the request (401)")
    assert_clean_failure(armstrace("verify", "--remote", f"http://127.0.0.1:{free_port()}", cwd=folder), 2,
                         "cannot reach")
    assert_clean_failure(armstrace("verify", "--remote", "ftp://example", cwd=folder), 2, "not an http")
    assert_clean_failure(armstrace("verify", "--remote", url, "--token", TOKEN, "--trusted-head",
                                   "missing.json", cwd=folder), 2, "no such file")
    (folder / "bad.pem").write_text("nonsense")
    assert_clean_failure(armstrace("verify", "--remote", url, "--token", TOKEN, "--public-key", "bad.pem",
                                   cwd=folder), 2, "bad.pem")


def test_a_key_other_than_the_pinned_one_fails(world: tuple[Path, str, dict[str, str]]) -> None:
    folder, url, _env = world
    other_env = {"ARMSTRACE_SIGNING_KEY": str(folder / "other-key" / "k.pem")}
    shown = armstrace("keys", "show", cwd=folder, env=other_env)
    assert shown.returncode == 0 and "Created a new signing key (mode 0600)" in shown.stdout
    assert "Key id:" in shown.stdout and "-----BEGIN PUBLIC KEY-----" in shown.stdout
    other = armstrace("keys", "export", "--out", "other.pem", cwd=folder, env=other_env)
    assert other.returncode == 0, other.stderr
    assert "Created" not in armstrace("keys", "show", cwd=folder, env=other_env).stdout
    result = armstrace("verify", "--remote", url, "--token", TOKEN, "--public-key", "other.pem", cwd=folder)
    assert result.returncode == 1 and "FAIL signature" in result.stdout
    tofu = armstrace("verify", "--remote", url, "--token", TOKEN, "--sample", "2", cwd=folder)
    assert tofu.returncode == 0 and "Trust on first use" in tofu.stdout
