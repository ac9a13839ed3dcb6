"""What every request needs, built once per application: the stores, the clock, the caches.

``ServerSettings`` is everything ``create_app`` is told; ``ServerContext`` is
what the bootstrap builds from it. Routes reach the context through
``request.app.state.ctx`` (``context(request)``), never through a global, so two
apps on two stores can live in one process (the tests do).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from sqlalchemy import func, select

from armstrace.adapters.db import tables as t
from armstrace.adapters.db.server_store import ServerStore
from armstrace.adapters.db.store import SqlStore
from armstrace.bootstrap import open_store
from armstrace.services.lookups import LookupCache
from armstrace.services.ports import Clock, SystemClock
from armstrace.services.published import ReportCache

Parties = dict[str, tuple[str, str, str | None, str | None]]


@dataclass(frozen=True)
class ServerSettings:
    """``db``: store URL (None: ``ARMSTRACE_DB``, else ./armstrace.db). ``upload_dir``: where
    uploaded imports are unpacked (None: the system's temporary folder). ``max_upload_mb``:
    the largest import accepted. ``signing_key``: the Ed25519 key file that signs tree heads
    (None: ``ARMSTRACE_SIGNING_KEY``, else ~/.config/armstrace/signing-key.pem)."""

    db: str | None = None
    signing_key: Path | None = None
    upload_dir: Path | None = None
    max_upload_mb: int = 512
    clock: Clock = field(default_factory=SystemClock)


class ServerContext:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.store: SqlStore = open_store(settings.db)
        self.server = ServerStore(self.store.engine)
        self.clock = settings.clock
        self.lookups = LookupCache(self.store)
        self.reports = ReportCache(self.store)
        self._parties: Parties = {}
        self._parties_version: int | None = None
        self._lock = threading.Lock()

    def parties(self) -> Parties:
        """The registry's parties (name, kind, region, parent), re-read after an import adds some."""
        with self.store.connection() as conn:
            count = int(conn.execute(select(func.count()).select_from(t.parties)).scalar_one())
        with self._lock:
            if count != self._parties_version:
                self._parties, self._parties_version = self.store.parties_info(), count
            return self._parties


def context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx
