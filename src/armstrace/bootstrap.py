"""The one place that picks adapters from settings and wires the services."""

from __future__ import annotations

import os
from pathlib import Path

from armstrace.adapters.db.engine import DEFAULT_URL, make_engine
from armstrace.adapters.db.store import SqlStore

ENV_DB = "ARMSTRACE_DB"


def store_url(db: str | None) -> str:
    """``--db`` wins, then ``ARMSTRACE_DB``, then ``armstrace.db`` in the working directory."""
    return db or os.environ.get(ENV_DB) or DEFAULT_URL


def open_store(db: str | None = None) -> SqlStore:
    return SqlStore(make_engine(store_url(db)))


def default_rejects_path(folder: Path) -> Path:
    """Rejects go beside the working directory, never into the user's input folder."""
    return Path.cwd() / f"rejects-{folder.resolve().name or 'import'}.csv"
