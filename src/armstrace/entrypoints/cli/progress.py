"""Progress bars that show on a terminal and go quiet when piped or asked to."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from armstrace.services.ports import Progress as ProgressPort
from armstrace.services.ports import no_progress


@contextmanager
def progress_port(quiet: bool) -> Iterator[ProgressPort]:
    """A progress callback drawing rich bars on stderr, or doing nothing."""
    console = Console(stderr=True)
    if quiet or not sys.stderr.isatty():
        yield no_progress
        return
    bars = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True)
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    with bars:
        yield update
