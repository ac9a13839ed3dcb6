"""Every role on every endpoint, against the expected-allow table; the table is in the docs.

The routes come from ``app.routes``, so an endpoint added without a row here fails
this test instead of escaping the matrix. Requests go without parameters or body:
the authorisation dependency answers before validation, so an allowed role gets
anything but 401/403 (usually 422 or 200) and a refused one gets 403 (401 with
no token). On both backends: tokens and organisations are read from the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.api_world import ApiWorld, build

from armstrace.domain.access import Role
from armstrace.entrypoints.api.security import POLICY, role_matrix_markdown

DOCS = Path(__file__).parents[2] / "docs" / "server.md"
ROLE_CODES = {"X": Role.EXPORTING_AUTHORITY, "I": Role.IMPORTING_AUTHORITY, "S": Role.STATE_AUTHORITY,
              "L": Role.LAW_ENFORCEMENT, "A": Role.ANALYST, "P": Role.PUBLIC}
# Written out by hand, independently of POLICY: "-" = no token needed.
EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/v1/health"): "-",
    ("GET", "/v1/me"): "XISLAP",
    ("POST", "/v1/events"): "XISL",
    ("GET", "/v1/items/{item_id}/custody"): "XISL",
    ("GET", "/v1/holdings"): "XIS",
    ("GET", "/v1/traces/lookup"): "XIL",
    ("GET", "/v1/traces"): "XISL",
    ("POST", "/v1/traces/runs"): "XIL",
    ("POST", "/v1/imports"): "XI",
    ("GET", "/v1/reports/summary"): "XIA",
    ("GET", "/v1/reports/diversion"): "XIA",
    ("GET", "/v1/public/summary"): "XISLAP",
    ("GET", "/v1/ledger/tree-head"): "XISLAP",
    ("GET", "/v1/ledger/proofs/inclusion"): "XIL",
    ("GET", "/v1/ledger/proofs/consistency"): "XISLAP",
    ("GET", "/v1/ledger/entries"): "XIL",
    ("GET", "/v1/risk/queue"): "XI",
}


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> ApiWorld:
    return build(store_url, tmp_path, extra_orgs=False)


DOC_PAGES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _endpoints(world: ApiWorld) -> list[tuple[str, str]]:
    """Every (method, path) the app serves, routers included at any depth, docs pages aside.

    FastAPI keeps included routers as branches (``_IncludedRouter``), so their routes
    are read through ``effective_route_contexts``; anything else with a path and
    methods counts too, so no kind of route is left out.
    """
    found: set[tuple[str, str]] = set()
    stack: list[Any] = list(world.client.app.routes)  # type: ignore[attr-defined]
    while stack:
        route = stack.pop()
        nested = getattr(route, "effective_route_contexts", None)
        if nested is not None:
            stack.extend(nested())
            continue
        path, methods = getattr(route, "path", None), getattr(route, "methods", None) or ()
        if path in DOC_PAGES:
            continue
        assert path is not None, f"a route without a path: {route!r}"
        found.update((m, path) for m in methods if m != "HEAD")
    return sorted(found)


def test_every_endpoint_is_in_the_table(world: ApiWorld) -> None:
    endpoints = _endpoints(world)
    missing = [e for e in endpoints if e not in EXPECTED or e not in POLICY]
    assert sorted(EXPECTED) == endpoints, "a row of the table has no endpoint (or the reverse)"
    assert not missing, f"endpoints missing from the role matrix (add to POLICY and EXPECTED): {missing}"
    for key, rule in POLICY.items():
        expected = EXPECTED[key]
        got = "-" if isinstance(rule, str) else "".join(c for c, r in ROLE_CODES.items() if r in rule)
        assert got == expected, f"{key}: POLICY allows {got}, the expected table says {expected}"


def test_every_role_on_every_endpoint(world: ApiWorld) -> None:
    wrong = []
    for method, path in _endpoints(world):
        url = path.replace("{item_id}", "I-1")
        rule = EXPECTED[(method, path)]
        for code, role in [("", None), *ROLE_CODES.items()]:
            headers = world.headers(role) if role is not None else {}
            status = world.client.request(method, url, headers=headers).status_code
            may = rule == "-" or (role is not None and code in rule)
            if may and status in (401, 403):
                wrong.append(f"{method} {path} as {role or 'no token'}: {status}, expected allowed")
            if not may and status != (403 if role is not None else 401):
                wrong.append(f"{method} {path} as {role or 'no token'}: {status}, expected refused")
    assert not wrong, "\n".join(wrong)


def test_revoked_and_bad_tokens_are_refused(world: ApiWorld) -> None:
    from armstrace.services.access import revoke_token
    from armstrace.services.ports import SystemClock

    me = world.client.get("/v1/me", headers=world.headers(Role.ANALYST))
    assert me.status_code == 200 and me.json()["role"] == "analyst"
    token_id = world.tokens[Role.ANALYST].split("_")[1]
    revoke_token(world.server, SystemClock(), token_id)
    assert world.client.get("/v1/me", headers=world.headers(Role.ANALYST)).status_code == 401
    for bad in ("Bearer ", "Bearer at_x_y", "Basic abc", world.tokens[Role.PUBLIC]):
        assert world.client.get("/v1/me", headers={"Authorization": bad}).status_code == 401
    with world.server.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM api_tokens").fetchall()
    assert all(len(bytes(r[0])) == 32 for r in stored)


def test_docs_show_the_role_matrix() -> None:
    assert role_matrix_markdown() in DOCS.read_text(encoding="utf-8"), \
        "docs/server.md lacks the current role matrix: paste role_matrix_markdown()"
