"""Proof commands: ``verify --remote`` (check another server's proofs) and ``keys``.

Exit status of ``verify --remote``: 0 every proof checked, 1 a proof failed (named
in the output, or the server answered a proof request with an error), 2 a user
error (unreachable URL, refused token, unreadable key or head file): one line,
never a traceback.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from armstrace.adapters.http.ledger_client import LedgerClient, RemoteError, RemoteRefused, RemoteUnavailable
from armstrace.adapters.signing import Ed25519Signer, KeyFileError, load_or_create_signer
from armstrace.domain.tree_heads import SignedTreeHead, load_public_key
from armstrace.entrypoints.cli.common import err, fail, out
from armstrace.services.remote_verifying import RemoteOptions, RemoteReport, verify_remote

RemoteOption = Annotated[str | None, typer.Option(
    "--remote", help="Verify the proofs of the server at this URL instead of the local store.",
    show_default=False)]
TokenOption = Annotated[str | None, typer.Option(
    "--token", envvar="ARMSTRACE_TOKEN", help="API token for --remote (default: $ARMSTRACE_TOKEN).",
    show_default=False)]
TrustedHeadOption = Annotated[Path | None, typer.Option(
    "--trusted-head", help="A tree head saved earlier (--save-head): the server must prove its tree "
    "extends it; its key is pinned unless --public-key says otherwise.", show_default=False)]
SaveHeadOption = Annotated[Path | None, typer.Option(
    "--save-head", help="Save the server's tree head here once every check passes (may be the "
    "--trusted-head file).", show_default=False)]
PublicKeyOption = Annotated[Path | None, typer.Option(
    "--public-key", help="The server's Ed25519 public key (PEM from `armstrace keys export`, or base64). "
    "Without it or a trusted head, the server's own key is trusted on first use.", show_default=False)]
EventOption = Annotated[list[str] | None, typer.Option(
    "--event", help="Check the inclusion of this event id (repeat for several). Default: a random "
    "sample plus the first and last events.", show_default=False)]
SampleOption = Annotated[int, typer.Option(
    "--sample", help="How many random events to check for inclusion when no --event is named.")]
FullOption = Annotated[bool, typer.Option(
    "--full", help="Also download every leaf input and recompute the root (slow on a large ledger).")]
KeyOption = Annotated[Path | None, typer.Option(
    "--key", help="Signing key file. Default: $ARMSTRACE_SIGNING_KEY, else "
    "~/.config/armstrace/signing-key.pem (created on first use, mode 0600).", show_default=False)]


def _read_trusted_head(path: Path) -> SignedTreeHead:
    try:
        return SignedTreeHead.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        fail(f"{path}: no such file (save a head first with --save-head)")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot read the trusted head ({exc})")
    except ValueError as exc:
        fail(f"{path}: not a saved tree head ({exc})")


def _read_public_key(path: Path) -> bytes:
    try:
        return load_public_key(path.read_bytes())
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except OSError as exc:
        fail(f"{path}: cannot read the public key ({exc})")
    except ValueError as exc:
        fail(f"{path}: {exc}")


def verify_remote_command(url: str, token: str | None, trusted_head: Path | None, save_head: Path | None,
                          public_key: Path | None, events: list[str] | None, sample: int,
                          full: bool) -> None:
    options = RemoteOptions(
        public_key=_read_public_key(public_key) if public_key else None,
        trusted_head=_read_trusted_head(trusted_head) if trusted_head else None,
        events=tuple(events or ()), sample=sample, full=full)
    if save_head is not None and not save_head.parent.resolve().is_dir():
        fail(f"{save_head.parent}: no such folder for --save-head")
    try:
        with LedgerClient(url, token) as client:
            report = verify_remote(client, options)
    except (RemoteUnavailable, RemoteRefused) as exc:
        fail(str(exc))
    except RemoteError as exc:
        err.print(f"[bold red]PROOF CHECK FAILED:[/] the server answered a proof request with an "
                  f"error: {exc}", highlight=False)
        raise typer.Exit(1) from None
    _print_report(url, report)
    if not report.ok:
        raise typer.Exit(1)
    if save_head is not None and report.head is not None:
        save_head.write_text(report.head.dumps(), encoding="utf-8")
        out.print(f"Tree head saved to {save_head}: next time, check against it with "
                  f"--trusted-head {save_head}", highlight=False)


def _print_report(url: str, report: RemoteReport) -> None:
    head = report.head
    assert head is not None
    when = datetime.fromtimestamp(head.timestamp / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out.print(f"Remote ledger {url}: {head.tree_size:,} events, root {head.root_hash.hex()}, "
              f"signed {when}", highlight=False)
    for check in report.checks:
        mark = {True: "[green]ok  [/]", False: "[bold red]FAIL[/]", None: "[yellow]skip[/]"}[check.ok]
        out.print(f"  {mark} {check.name}: {check.detail}", highlight=False)
    if report.trust_on_first_use:
        out.print(f"[yellow]Trust on first use:[/] no key was pinned, so the signature was checked with the "
                  f"key the server sent (key id {head.key_id}). Pin it with --public-key (the server "
                  "operator's `armstrace keys export`), or keep this head with --save-head and pass it "
                  "as --trusted-head next time.", highlight=False)
    failures = report.failures
    if failures:
        err.print(f"[bold red]PROOFS FAILED:[/] {len(failures)} of {len(report.checks)} checks: "
                  + "; ".join(c.name for c in failures), highlight=False)
    else:
        ran = sum(1 for c in report.checks if c.ok)
        out.print(f"[green]All {ran} checks passed.[/]")


keys_app = typer.Typer(help="The Ed25519 key that signs this store's tree heads.", no_args_is_help=True)


@keys_app.command("show")
def keys_show(key: KeyOption = None) -> None:
    """Show the signing key's file, key id and public key (the key is created on first use)."""
    signer = _signer(key)
    if signer.created:
        out.print(f"Created a new signing key (mode 0600): {signer.path}")
    out.print(f"Key file:   {signer.path}", highlight=False)
    out.print(f"Key id:     {signer.key_id}", highlight=False)
    out.print(f"Public key: {base64.b64encode(signer.public_key).decode('ascii')} (raw Ed25519, base64)",
              highlight=False)
    out.print(signer.public_pem().rstrip(), highlight=False)


@keys_app.command("export")
def keys_export(key: KeyOption = None, output: Annotated[Path | None, typer.Option(
        "--out", help="Write the public key (PEM) to this file instead of printing it.",
        show_default=False)] = None) -> None:
    """Export the public key (PEM) for the agencies that verify this server's proofs."""
    signer = _signer(key)
    if output is None:
        typer.echo(signer.public_pem().rstrip())
        return
    try:
        output.write_text(signer.public_pem(), encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: {exc.strerror or exc}")
    out.print(f"Public key (key id {signer.key_id}) written to {output}", highlight=False)


def _signer(key: Path | None) -> Ed25519Signer:
    try:
        return load_or_create_signer(key)
    except KeyFileError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or key}: {exc.strerror or exc}")
