"""Shared fixtures: a store on each backend, the same tests for both.

PostgreSQL tests use a throwaway schema per test on the server named by
ARMSTRACE_TEST_PG_URL. When the server is unreachable they are skipped on a
developer's machine, but fail when ARMSTRACE_REQUIRE_PG is set (as .ci/run does),
so CI can never pass with them silently skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from armstrace.adapters.db.engine import make_engine
from armstrace.adapters.db.store import SqlStore

PG_URL = os.environ.get("ARMSTRACE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIXTURES = Path(__file__).parent / "fixtures"


def _pg_available() -> str | None:
    try:
        with create_engine(PG_URL).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any connection failure means: no server
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def pg_server() -> str:
    problem = _pg_available()
    if problem is not None:
        if os.environ.get("ARMSTRACE_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL required but unreachable at {PG_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {problem}")
    return PG_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in pg_server else "?"
    yield f"{pg_server}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    s = SqlStore(make_engine(store_url))
    yield s
    s.engine.dispose()
