"""What the services need from the outside world, as protocols.

Services take these and never open a database, a file or a progress bar
themselves; the bootstrap wires real adapters, tests wire fakes or the same
adapters on a throwaway store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

# progress(stage, done, total): total None when unknown. Called now and then, cheaply.
Progress = Callable[[str, int, int | None], None]


def no_progress(_stage: str, _done: int, _total: int | None) -> None:
    """The progress port for callers that show nothing."""


class Clock(Protocol):
    def now(self) -> str:
        """The current time as canonical ISO text (UTC, ``Z``)."""
        ...


class SystemClock:
    def now(self) -> str:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
