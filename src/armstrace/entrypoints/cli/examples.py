"""Refresh the real output shown in a Markdown file by running its commands again.

docs/reports.md shows what the analytics commands print on the demo world. Copied
by hand, such output drifts the first time the simulator or a scorer changes; run
again, it cannot. Every fenced block whose first line is ``$ armstrace ...`` is
re-run (in a scratch folder, against ``--db``, terminal 100 columns wide) and its
output replaces the old; the rest of the file is left alone. The home folder and
the scratch folder are written as ``/home/me``, and wall times as the old text had
them when a line differs only by its seconds, so a refresh shows real changes only.

    python -m armstrace.entrypoints.cli.examples docs/reports.md --db demo/armstrace.db
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shlex
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from armstrace.entrypoints.cli.main import app

BLOCK = re.compile(r"```\n\$ armstrace (?P<args>[^\n]*)\n(?P<out>.*?)```", re.S)
SECONDS = re.compile(r"\d+\.\d s\b")


def run(args: str, db: str, scratch: Path, shown: str) -> str:
    """What ``armstrace ARGS --db DB`` prints, run in ``scratch`` (the store named as ``shown``).

    Run in ``scratch`` because commands with ``--output`` write where they stand.
    """
    with contextlib.chdir(scratch):
        result = CliRunner().invoke(app, [*shlex.split(args), "--db", db],
                                    env={"COLUMNS": "100"}, terminal_width=100)
    if result.exit_code != 0:
        raise SystemExit(f"armstrace {args}: exit {result.exit_code}\n{result.output}")
    text = result.output.replace(db, shown)
    text = text.replace(str(scratch.resolve()), "/home/me").replace(str(scratch), "/home/me")
    return text.replace(str(Path.home()), "/home/me")


def _keep_times(new: str, old: str) -> str:
    """Lines that differ from the old ones only in a wall time keep the old time."""
    before = {SECONDS.sub("#", line): line for line in old.splitlines()}
    return "\n".join(before.get(SECONDS.sub("#", line), line) for line in new.splitlines())


def refresh(text: str, db: str, shown: str) -> str:
    """``text`` with every ``$ armstrace`` block's output run again against ``db``."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)

        def redo(m: re.Match[str]) -> str:
            out = _keep_times(run(m["args"], db, scratch, shown).rstrip(), m["out"].rstrip())
            return f"```\n$ armstrace {m['args']}\n{out}\n```"

        return BLOCK.sub(redo, text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("markdown", type=Path)
    ap.add_argument("--db", required=True, help="the store the examples were run on")
    args = ap.parse_args()
    shown = args.db if "://" in args.db else f"sqlite:///{args.db}"
    db = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    args.markdown.write_text(refresh(args.markdown.read_text(encoding="utf-8"), db, shown),
                             encoding="utf-8")


if __name__ == "__main__":
    main()
