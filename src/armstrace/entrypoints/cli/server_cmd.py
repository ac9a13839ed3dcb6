"""``armstrace serve``, and the operator's commands for organisations, tokens and the audit log.

Organisations and tokens are managed here, on the server's own machine, never
through the API: whoever can mint tokens can grant any role, so that power stays
with whoever runs the store. Registered in ``main.py``.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from armstrace.adapters.db.server_store import ServerStore
from armstrace.adapters.db.store import SqlStore
from armstrace.bootstrap import open_store, store_url
from armstrace.domain.access import ROLE_WORDS, Role
from armstrace.entrypoints.cli.common import DbOption, err, fail, out, user_errors
from armstrace.services import audit
from armstrace.services.access import AccessError, add_org, create_token, revoke_token
from armstrace.services.ports import SystemClock

orgs_app = typer.Typer(help="Organisations that may use the server, each with one role.",
                       no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens: shown once at creation, stored only as a SHA-256 hash.",
                         no_args_is_help=True)
audit_app = typer.Typer(help="The audit log of every API request: append-only and hash-chained.",
                        no_args_is_help=True)

ROLES = ", ".join(r.value for r in Role)


def _server(db: str | None) -> tuple[ServerStore, SqlStore]:
    store = open_store(db)
    return ServerStore(store.engine), store


def serve_command(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (a PostgreSQL store serves several "
                                         "well; SQLite allows one writer at a time).")] = 1,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", help="Largest import accepted.")] = 512,
    signing_key: Annotated[str | None, typer.Option(
        "--signing-key", help="Ed25519 key file that signs tree heads. Default: $ARMSTRACE_SIGNING_KEY, "
        "else ~/.config/armstrace/signing-key.pem (created on first use).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the HTTP API (OpenAPI document at /openapi.json, browsable at /docs).

    Every call but /v1/health needs a token from `armstrace tokens create`.
    """
    import uvicorn

    with user_errors(AccessError):
        url = store_url(db)
        store = open_store(url)  # migrate once here, not racing in every worker
        store.engine.dispose()
        os.environ["ARMSTRACE_DB"] = url
        os.environ["ARMSTRACE_MAX_UPLOAD_MB"] = str(max_upload_mb)
        if signing_key:
            os.environ["ARMSTRACE_SIGNING_KEY"] = signing_key
        err.print(f"armstrace serving {store.url} on http://{host}:{port} (OpenAPI: /openapi.json)",
                  highlight=False)
        uvicorn.run("armstrace.entrypoints.api.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level=log_level)


@orgs_app.command("add")
def orgs_add(
    name: Annotated[str, typer.Argument(help="The organisation's name, unique.")],
    role: Annotated[str, typer.Option(help=f"One of: {ROLES}.")],
    state: Annotated[str | None, typer.Option(help="ISO 3166-2 state (e.g. MX-MIC); required for a "
                                              "state authority, which it scopes.")] = None,
    party: Annotated[list[str] | None, typer.Option(help="A registry party the organisation records "
                                                    "custody for (repeat for several).")] = None,
    db: DbOption = None,
) -> None:
    """Register an organisation with its role (and state, and the parties it acts for)."""
    with user_errors(AccessError):
        server, store = _server(db)
        org = add_org(server, store, SystemClock(), name, role, state, tuple(party or ()))
        out.print(f"Organisation {org.name!r} ({org.role.value}"
                  + (f", {org.state}" if org.state else "") + f"): {ROLE_WORDS[org.role]}.", highlight=False)
        out.print(f"Next: armstrace tokens create --org {org.name!r}", highlight=False)


@orgs_app.command("list")
def orgs_list(db: DbOption = None) -> None:
    """List organisations, their roles, states and parties."""
    with user_errors(AccessError):
        server, _ = _server(db)
        table = Table()
        for column in ("name", "role", "state", "acts for"):
            table.add_column(column)
        for org in server.orgs():
            table.add_row(org.name, org.role.value, org.state or "", ", ".join(org.parties))
        out.print(table)


@tokens_app.command("create")
def tokens_create(
    org: Annotated[str, typer.Option(help="The organisation the token acts for.")],
    note: Annotated[str | None, typer.Option(help="What the token is for (kept with it).")] = None,
    db: DbOption = None,
) -> None:
    """Create an API token for ORG. The token is printed once and never stored: keep it."""
    with user_errors(AccessError):
        server, _ = _server(db)
        token_id, token = create_token(server, SystemClock(), org, note)
        err.print(f"Token {token_id} for {org!r}. Shown once; the server keeps only its hash:",
                  highlight=False)
        typer.echo(token)


@tokens_app.command("list")
def tokens_list(db: DbOption = None) -> None:
    """List tokens by id (never the tokens themselves), with their organisation and state."""
    with user_errors(AccessError):
        server, _ = _server(db)
        table = Table()
        for column in ("token id", "organisation", "created", "revoked", "note"):
            table.add_column(column)
        for t in server.tokens():
            table.add_row(t["token_id"], t["name"], t["created_at"][:19], (t["revoked_at"] or "")[:19],
                          t["note"] or "")
        out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[str, typer.Argument(help="The token's id (see tokens list).")],
                  db: DbOption = None) -> None:
    """Revoke a token: every later request with it is refused (401)."""
    with user_errors(AccessError):
        server, _ = _server(db)
        revoke_token(server, SystemClock(), token_id)
        out.print(f"Token {token_id} revoked.")


@audit_app.command("verify")
def audit_verify(db: DbOption = None) -> None:
    """Recompute the audit log's hash chain; name the first entry that no longer matches."""
    with user_errors(AccessError):
        server, _ = _server(db)
        report = audit.verify(server)
        if report.ok:
            out.print(f"[green]Audit log intact:[/] {report.entries:,} entries verified.")
            return
        assert report.problem is not None
        err.print(f"[bold red]AUDIT LOG BROKEN[/] at entry #{report.problem.seq}: {report.problem.reason}. "
                  f"{report.verified:,} of {report.entries:,} entries verified before it.")
        raise typer.Exit(1)


@audit_app.command("list")
def audit_list(last: Annotated[int, typer.Option(help="How many of the latest entries.")] = 50,
               db: DbOption = None) -> None:
    """Show the latest audit entries: when, who, what, outcome."""
    if last < 1:
        fail("--last must be at least 1")
    with user_errors(AccessError):
        server, _ = _server(db)
        table = Table()
        for column in ("#", "when (UTC)", "who (token)", "request", "outcome", "detail"):
            table.add_column(column, overflow="fold")
        names = {o.org_id: o.name for o in server.orgs()}
        for row in audit.recent(server, last):
            seq, at, org_id, token_id, role, action, target, outcome, detail = row
            who = f"{names.get(org_id, org_id)} ({role}, {token_id})" if org_id else "(no valid token)"
            table.add_row(str(seq), at[:19].replace("T", " "), who, f"{action} {target}", str(outcome),
                          detail or "")
        out.print(table)
