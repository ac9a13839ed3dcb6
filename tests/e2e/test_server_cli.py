"""The server as an operator runs it: orgs, tokens and audit commands; `armstrace serve` for real."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import FIXTURES
from tests.e2e.test_cli import assert_clean_failure
from typer.testing import CliRunner

from armstrace.adapters.db.server_store import ServerStore
from armstrace.adapters.io.mappings import load_mapping
from armstrace.bootstrap import open_store
from armstrace.entrypoints.cli.main import app
from armstrace.services import audit
from armstrace.services.access import add_org, create_token
from armstrace.services.importing import Importer
from armstrace.services.ports import SystemClock
from armstrace.services.verifying import verify_ledger


class _Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = code, stdout, stderr


def cli(*args: str, cwd: Path) -> Any:
    """The command in this process (CliRunner): the operator commands, without start-up cost."""
    db = f"sqlite:///{cwd / 'armstrace.db'}"
    result = CliRunner().invoke(app, [*args, "--db", db], env={"COLUMNS": "200"})
    return _Result(result.exit_code, result.stdout, result.stderr)


def test_orgs_tokens_and_audit_commands(tmp_path: Path) -> None:
    assert cli("import", str(FIXTURES / "michoacan"), cwd=tmp_path).returncode == 0
    assert_clean_failure(cli("orgs", "add", "X", "--role", "admin", cwd=tmp_path), 2, "unknown role")
    assert_clean_failure(cli("orgs", "add", "X", "--role", "state_authority", cwd=tmp_path), 2,
                         "give --state")
    assert_clean_failure(cli("orgs", "add", "X", "--role", "law_enforcement", "--party", "P-NONE",
                                   cwd=tmp_path), 2, "unknown party: P-NONE")
    added = cli("orgs", "add", "Michoacán", "--role", "state_authority", "--state", "mx-mic",
                cwd=tmp_path)
    assert added.returncode == 0 and "MX-MIC" in added.stdout
    assert_clean_failure(cli("orgs", "add", "Michoacán", "--role", "analyst", cwd=tmp_path), 2,
                         "already exists")
    created = cli("tokens", "create", "--org", "Michoacán", cwd=tmp_path)
    assert created.returncode == 0
    token = created.stdout.strip()
    assert token.startswith("at_") and len(token) > 40 and "Shown once" in created.stderr
    token_id = token.split("_")[1]
    listed = cli("tokens", "list", cwd=tmp_path)
    assert token_id in listed.stdout and token.split("_", 2)[2] not in listed.stdout
    assert cli("tokens", "revoke", token_id, cwd=tmp_path).returncode == 0
    assert_clean_failure(cli("tokens", "revoke", token_id, cwd=tmp_path), 2, "no live token")
    assert_clean_failure(cli("tokens", "create", "--org", "Nobody", cwd=tmp_path), 2,
                         "no organisation")
    verified = cli("audit", "verify", cwd=tmp_path)
    assert verified.returncode == 0 and "Audit log intact: 0 entries" in verified.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_with_two_workers(store_url: str, tmp_path: Path) -> None:
    """uvicorn, two worker processes, loopback: the documented start, and a write and a read through it."""
    env = {"ARMSTRACE_DB": store_url, "ARMSTRACE_SIGNING_KEY": str(tmp_path / "key.pem")}
    store = open_store(store_url)
    Importer(store, SystemClock(), load_mapping()).run(FIXTURES / "michoacan", tmp_path / "rejects.csv")
    server_store = ServerStore(store.engine)
    add_org(server_store, store, SystemClock(), "SEDENA", "importing_authority", None, ("P-SEDENA",))
    token = create_token(server_store, SystemClock(), "SEDENA")[1]
    port = _free_port()
    full_env = {k: v for k, v in os.environ.items() if k != "ARMSTRACE_DB"} | env
    command = [sys.executable, "-m", "armstrace", "serve", "--port", str(port), "--workers", "2",
               "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=tmp_path, env=full_env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.time() + 90
        while True:
            try:
                if httpx.get(f"{base}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline and server.poll() is None, "server did not start"
            time.sleep(0.3)
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "armstrace"
        received = httpx.post(f"{base}/v1/events", headers=headers, json={
            "event_type": "receive", "item_id": "I-4", "to_party_id": "P-SEDENA",
            "occurred_at": "2006-05-21"})
        assert received.status_code == 201, received.text
        answers = {httpx.get(f"{base}/v1/items/I-4/custody", headers=headers).json()["holder"]
                   for _ in range(6)}
        assert answers == {"P-SEDENA"}  # whichever worker answers
        assert httpx.get(f"{base}/v1/me").status_code == 401
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    report = verify_ledger(store)
    assert report.ok and report.events == 15
    audited = audit.verify(server_store)
    assert audited.ok and audited.entries == 8
    store.engine.dispose()
