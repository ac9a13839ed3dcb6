"""The armstrace command line: thin. Parse, call one service, format.

User mistakes (a wrong folder, a bad URL, an unreadable file) end with one clear
line and exit status 2, never a traceback. A broken ledger ends with exit 1.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.table import Table

from armstrace import __version__
from armstrace.adapters.io.mappings import MappingError, load_mapping
from armstrace.adapters.io.readers import FileFormatError
from armstrace.bootstrap import default_rejects_path, open_store
from armstrace.domain.vocabulary import PARTY_KINDS
from armstrace.entrypoints.cli.analytics_cmd import (
    accountability_command,
    annual_command,
    coverage_command,
    rates_command,
    reconcile_command,
)
from armstrace.entrypoints.cli.common import DbOption, QuietOption, err, fail, out, user_errors
from armstrace.entrypoints.cli.progress import progress_port
from armstrace.entrypoints.cli.proofs_cmd import (
    EventOption,
    FullOption,
    PublicKeyOption,
    RemoteOption,
    SampleOption,
    SaveHeadOption,
    TokenOption,
    TrustedHeadOption,
    keys_app,
    verify_remote_command,
)
from armstrace.entrypoints.cli.report_cmd import report_command, write_store_report
from armstrace.entrypoints.cli.risk_cmd import checks_app, risk_command
from armstrace.entrypoints.cli.server_cmd import audit_app, orgs_app, serve_command, tokens_app
from armstrace.entrypoints.cli.splits_cmd import splits_command
from armstrace.entrypoints.cli.trace_cmd import trace_command, trace_headline
from armstrace.services.importing import Importer, ImportReport, NothingToImport
from armstrace.services.ports import SystemClock
from armstrace.services.remote_verifying import DEFAULT_SAMPLE
from armstrace.services.summary import Summary, summarise
from armstrace.services.tracing import trace_all
from armstrace.services.verifying import VerifyReport, verify_ledger

app = typer.Typer(
    name="armstrace",
    help="A tamper-evident custody record for licensed firearms, from export licence to final "
    "holder, joined to recovered weapons.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run_import(folder: Path, db: str | None, mapping: Path | None, rejects: Path | None,
                quiet: bool) -> ImportReport:
    if not folder.is_dir():
        fail(f"{folder}: not a folder (import reads a folder holding the contract files)")
    store = open_store(db)
    rejects_path = rejects or default_rejects_path(folder)
    signal.signal(signal.SIGTERM, _terminate)
    # A long import allocates millions of short-lived objects and keeps few: fewer
    # full collections over the start-up heap save about a tenth of the time.
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)
    with progress_port(quiet) as progress:
        importer = Importer(store, SystemClock(), load_mapping(mapping), progress)
        try:
            return importer.run(folder, rejects_path)
        except KeyboardInterrupt:
            fail("import interrupted. The store holds only whole batches and is consistent; "
                 "run the same import again to complete it.", 130)


def _print_import(report: ImportReport) -> None:
    table = Table(title=f"Import of {report.source}", title_justify="left")
    for column in ("file", "rows", "taken", "already stored", "rejected"):
        table.add_column(column, justify="left" if column == "file" else "right")
    for f in report.files:
        table.add_row(Path(f.path).name, f"{f.rows:,}", f"{f.taken:,}", f"{f.already_stored:,}",
                      f"{f.rejected_rows:,}")
    out.print(table)
    if report.rejected:
        out.print(f"{report.rejected:,} rejected rows, with file, row, column and reason: "
                  f"{report.rejects_path}")
    else:
        out.print("No rows rejected.")


@app.command("import")
def import_command(
    folder: Annotated[Path, typer.Argument(help="Folder holding any of parties, licences, items, "
                                           "custody_events, recoveries (.csv or .xlsx).")],
    db: DbOption = None,
    mapping: Annotated[Path | None, typer.Option(
        help="Extra column mapping (TOML) for other headers or file names; the Spanish mapping "
        "is always on.")] = None,
    rejects: Annotated[Path | None, typer.Option(
        help="Where to write the rejects report. Default: rejects-<folder>.csv here.")] = None,
    quiet: QuietOption = False,
) -> None:
    """Import the interchange files in FOLDER. Bad rows go to the rejects report; repeats add nothing."""
    with user_errors(NothingToImport, FileFormatError, MappingError):
        _print_import(_run_import(folder, db, mapping, rejects, quiet))


def _print_verify(report: VerifyReport, seconds: float) -> None:
    if report.ok:
        out.print(f"[green]Ledger intact:[/] {report.events:,} custody events, hash chain and "
                  f"{report.checkpoints:,} checkpoint(s) verified in {seconds:.2f} s.")
        if report.head:
            out.print(f"Head: {report.head}")
        return
    m = report.mismatch
    assert m is not None
    err.print(f"[bold red]LEDGER BROKEN[/] at event #{m.seq} ({m.event_id}): {m.reason}.")
    err.print(f"{report.verified:,} of {report.events:,} events verified before it.")


@app.command()
def verify(db: DbOption = None, quiet: QuietOption = False,
           workers: Annotated[int | None, typer.Option(help="Processes to use.")] = None,
           remote: RemoteOption = None, token: TokenOption = None, trusted_head: TrustedHeadOption = None,
           save_head: SaveHeadOption = None, public_key: PublicKeyOption = None, event: EventOption = None,
           sample: SampleOption = DEFAULT_SAMPLE, full: FullOption = False) -> None:
    """Recompute the custody ledger's hash chain; name the first event that does not match.

    With --remote URL, check that server's signed tree head and proofs instead (docs/proofs.md).

    Exit status: 0 every check passes, 1 a check fails, 2 a user error (unreachable server, bad file).
    """
    if remote is not None:
        verify_remote_command(remote, token, trusted_head, save_head, public_key, event, sample, full)
        return
    with user_errors(NothingToImport, FileFormatError, MappingError):
        store = open_store(db)
        started = time.perf_counter()
        with progress_port(quiet) as progress:
            report = verify_ledger(store, workers=workers, progress=progress)
        _print_verify(report, time.perf_counter() - started)
        if not report.ok:
            raise typer.Exit(1)


app.command("trace")(trace_command)
app.command("splits")(splits_command)
app.add_typer(keys_app, name="keys")
app.command("rates")(rates_command)
app.command("reconcile")(reconcile_command)
app.command("coverage")(coverage_command)
app.command("accountability")(accountability_command)
app.command("annual")(annual_command)
app.command("report")(report_command)
app.command("risk")(risk_command)
app.add_typer(checks_app, name="checks")
app.command("serve")(serve_command)
app.add_typer(orgs_app, name="orgs")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")


@app.command()
def summary(db: DbOption = None, as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Date (YYYY-MM-DD) for holdings; default: everything recorded.")] = None,
        lang: Annotated[str, typer.Option(help="Labels: en or es.")] = "en") -> None:
    """Holdings by state and kind of custodian, and where custody trails stop."""
    with user_errors(NothingToImport, FileFormatError, MappingError):
        _print_summary(summarise(open_store(db), as_of=as_of), lang)


def _print_summary(s: Summary, lang: str) -> None:
    es = lang == "es"
    out.print(f"[bold]{'Armas registradas' if es else 'Registered weapons'}:[/] {s.items:,}   "
              f"[bold]{'eventos de custodia' if es else 'custody events'}:[/] {s.events:,}   "
              f"[bold]{'recuperaciones' if es else 'recoveries'}:[/] {s.recoveries:,}")
    kinds = Table(title="Holdings by kind of custodian" if not es else "Existencias por tipo de custodio",
                  title_justify="left")
    kinds.add_column("kind" if not es else "tipo")
    kinds.add_column("weapons" if not es else "armas", justify="right")
    for kind, count in s.by_kind:
        term = PARTY_KINDS.get(kind)
        kinds.add_row(term.label(lang) if term else kind or "—", f"{count:,}")
    out.print(kinds)
    states = Table(title="Existencias por estado (12 principales)" if es else "Holdings by state (top 12)",
                   title_justify="left")
    for column in ("state", "weapons", "with state government", "with police units"):
        states.add_column(column, justify="left" if column == "state" else "right")
    for row in s.by_state[:12]:
        states.add_row(row.region, f"{row.total:,}", f"{row.at_government:,}", f"{row.at_units:,}")
    out.print(states)
    gaps = Table(title="Reconciliation gaps: where custody trails stop" if not es
                 else "Brechas de conciliación: donde se pierde el rastro", title_justify="left")
    gaps.add_column("gap")
    gaps.add_column("weapons", justify="right")
    gaps.add_column("top parties")
    for gap in s.gaps:
        gaps.add_row(gap.kind, f"{gap.count:,}", "; ".join(f"{p} ({n:,})" for p, n in gap.top_parties))
    out.print(gaps)
    if s.licence_problems:
        out.print(f"[bold]{len(s.licence_problems):,} reconciliation problems across licences[/] "
                  f"(licensed / shipped / received / assigned / lost); first ones:")
        for line in s.licence_problems[:8]:
            out.print(f"  {line}")


@app.command()
def simulate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the world into.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 0,
    scale: Annotated[str, typer.Option(help="tiny, small, default, medium, large, xl, or a "
                                       "number of licensed weapons.")] = "default",
    spanish: Annotated[bool, typer.Option("--spanish", help="Write recoveries with Spanish "
                                          "headers (recuperaciones.csv).")] = False,
    recording: Annotated[str, typer.Option(
        help="How carefully seizures are written down: poor (lists typed in a hurry, the "
             "default), fair or careful. Only the recoveries change.")] = "poor",
    inventories: Annotated[bool, typer.Option(
        "--inventories", help="Custodians that keep books also count their weapons every "
        "second year (inventory events); the rest of the world is the same.")] = False,
    quiet: QuietOption = False,
) -> None:
    """Write a plausible world in the interchange format, with its ground truth in OUT/truth."""
    from armstrace.simulate.damage import PROFILES
    from armstrace.simulate.world import SCALES, generate_world

    with user_errors(NothingToImport, FileFormatError, MappingError):
        size: str | int = int(scale) if scale.isdigit() else scale
        if isinstance(size, str) and size not in SCALES:
            fail(f"--scale {scale!r}: use one of {', '.join(SCALES)} or a number of weapons")
        if recording not in PROFILES:
            fail(f"--recording {recording!r}: use one of {', '.join(PROFILES)}")
        out_dir.mkdir(parents=True, exist_ok=True)
        with progress_port(quiet) as progress:
            world = generate_world(out_dir, seed=seed, scale=size, spanish_recoveries=spanish,
                                   recording=recording, inventories=inventories,
                                   progress=progress)
        out.print(f"Simulated world (seed {world.seed}, scale {world.scale}, recording "
                  f"{recording}) written to {out_dir}:")
        for name, count in world.counts.items():
            out.print(f"  {name}: {count:,}")


@app.command()
def demo(
    folder: Annotated[Path, typer.Option("--dir", help="Where to put the world and the store.")]
    = Path("demo"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    scale: Annotated[str, typer.Option(help="World size (see simulate).")] = "default",
    recording: Annotated[str, typer.Option(
        help="How carefully seizures are written down (see simulate): poor, fair or careful.")]
    = "poor",
    quiet: QuietOption = False,
) -> None:
    """The main job, end to end: simulate a world, import it, verify the ledger, trace, summarise,
    and write the offline HTML report into DIR/report."""
    from armstrace.simulate.damage import PROFILES
    from armstrace.simulate.world import generate_world

    if recording not in PROFILES:
        fail(f"--recording {recording!r}: use one of {', '.join(PROFILES)}")
    with user_errors(NothingToImport, FileFormatError, MappingError):
        world_dir = folder / "world"
        world_dir.mkdir(parents=True, exist_ok=True)
        db = f"sqlite:///{(folder / 'armstrace.db').resolve()}"
        out.rule("1. Simulate")
        with progress_port(quiet) as progress:
            world = generate_world(world_dir, seed=seed, scale=int(scale) if scale.isdigit()
                                   else scale, recording=recording, progress=progress)
        out.print(f"World (seed {world.seed}, {world.weapons:,} licensed weapons) in {world_dir}: "
                  + ", ".join(f"{n:,} {Path(k).stem}" for k, n in world.counts.items()
                              if not k.startswith("truth")) + "; ground truth in truth/")
        out.rule("2. Import")
        _print_import(_run_import(world_dir, db, None, folder / "rejects.csv", quiet))
        out.rule("3. Verify")
        store = open_store(db)
        started = time.perf_counter()
        report = verify_ledger(store)
        _print_verify(report, time.perf_counter() - started)
        out.rule("4. Trace recovered weapons")
        traces_csv = folder / "traces.csv"
        started = time.perf_counter()
        with progress_port(quiet) as progress:
            traced = trace_all(store, traces_csv, progress=progress)
        out.print(f"Calibration {traced.scorer_version}: {traced.calibration}.", highlight=False)
        for line in trace_headline(store):
            out.print(line)
        out.print(f"({time.perf_counter() - started:.1f} s; every trace with its reason: {traces_csv})")
        out.rule("5. Summary")
        _print_summary(summarise(store), "en")
        out.rule("6. Report")
        index = write_store_report(store, folder / "report")
        out.print(f"\nStore: {db}  (try: armstrace summary --db {db} --lang es)")
        out.print(f"Report (offline HTML, CSVs, PDF letters): open {index.resolve()} in a browser")
        if not report.ok:
            raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("COLUMNS", "120")
    main()
