"""Authentication, the role policy, and the audit of every request.

One policy table, ``POLICY``, says which roles may call each endpoint, keyed by
(method, path template). One app-wide dependency, ``authorise``, enforces it for
every route, including routers mounted from elsewhere: an endpoint missing from
the table is refused to everyone (fail closed), and the matrix test walks
``app.routes`` so a new endpoint cannot slip past the table unnoticed. What a
role may see *within* an allowed endpoint (a state authority's own parties, the
analysts' suppressed counts) is decided by the services, from the principal.

``AuditMiddleware`` writes one audit entry per ``/v1`` request (who, what, when,
outcome) before the response leaves: a read that cannot be audited is not served.
"""

from __future__ import annotations

from typing import Any, Final

import anyio
from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from armstrace.domain.access import Role
from armstrace.services import audit
from armstrace.services.access import Principal, authenticate

EXP, IMP, STA, LAW, ANA = (Role.EXPORTING_AUTHORITY, Role.IMPORTING_AUTHORITY, Role.STATE_AUTHORITY,
                           Role.LAW_ENFORCEMENT, Role.ANALYST)
ANYONE: Final = "anyone"  # no token needed
EVERY_ROLE: Final = frozenset(Role)

POLICY: Final[dict[tuple[str, str], frozenset[Role] | str]] = {
    ("GET", "/v1/health"): ANYONE,
    ("GET", "/v1/me"): EVERY_ROLE,
    ("POST", "/v1/events"): frozenset({EXP, IMP, STA, LAW}),
    ("GET", "/v1/items/{item_id}/custody"): frozenset({EXP, IMP, STA, LAW}),
    ("GET", "/v1/holdings"): frozenset({EXP, IMP, STA}),
    ("GET", "/v1/traces/lookup"): frozenset({EXP, IMP, LAW}),
    ("GET", "/v1/traces"): frozenset({EXP, IMP, STA, LAW}),
    ("POST", "/v1/traces/runs"): frozenset({EXP, IMP, LAW}),
    ("POST", "/v1/imports"): frozenset({EXP, IMP}),
    ("GET", "/v1/reports/summary"): frozenset({EXP, IMP, ANA}),
    ("GET", "/v1/reports/diversion"): frozenset({EXP, IMP, ANA}),
    ("GET", "/v1/public/summary"): EVERY_ROLE,
    # The ledger's proofs (mounted from ledger_routes): a tree head and a consistency
    # proof reveal hashes only, and every agency must be able to check that nobody
    # rewrote history. An inclusion proof carries the event itself (its canonical
    # encoding is the leaf), so it goes only to those who may read any entry.
    ("GET", "/v1/ledger/tree-head"): EVERY_ROLE,
    ("GET", "/v1/ledger/proofs/inclusion"): frozenset({EXP, IMP, LAW}),
    ("GET", "/v1/ledger/proofs/consistency"): EVERY_ROLE,
    ("GET", "/v1/ledger/entries"): frozenset({EXP, IMP, LAW}),
    ("GET", "/v1/risk/queue"): frozenset({EXP, IMP}),
}


def allowed(method: str, path: str, role: Role | None) -> bool:
    """May ``role`` (None: no token) call ``method path``? Unknown endpoints: nobody."""
    rule = POLICY.get((method, path))
    if rule is None:
        return False
    if rule == ANYONE:
        return True
    return role is not None and not isinstance(rule, str) and role in rule


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authorise(request: Request) -> None:
    """The app-wide dependency: who is calling, and may they call this endpoint?"""
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else request.url.path
    rule = POLICY.get((request.method, path))
    if rule == ANYONE:
        return
    token = _bearer(request)
    who: Principal | None = None
    if token is not None:
        who = authenticate(request.app.state.ctx.server, token)
    if who is None:
        raise HTTPException(401, "a valid API token is required (Authorization: Bearer <token>)",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.principal = who
    if not allowed(request.method, path, who.org.role):
        raise HTTPException(403, f"the {who.org.role.value} role may not call {request.method} {path}")


def principal(request: Request) -> Principal:
    """The caller, as ``authorise`` found it (routes that need to know who asks)."""
    who: Principal = request.state.principal
    return who


def note(request: Request, detail: str) -> None:
    """Add a detail to this request's audit entry (e.g. the event id a write recorded)."""
    request.state.audit_detail = detail


class AuditMiddleware:
    """Pure ASGI: records each ``/v1`` request once its status is known, before sending it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/v1/") \
                or scope.get("path") == "/v1/health":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        query = scope.get("query_string", b"").decode("latin-1")
        target = scope["path"] + (f"?{query}" if query else "")
        ctx = scope["app"].state.ctx

        async def send_audited(message: Message) -> None:
            if message["type"] == "http.response.start":
                who = state.get("principal")
                await anyio.to_thread.run_sync(
                    lambda: audit.record(ctx.server, ctx.clock, who, scope["method"], target,
                                         message["status"], state.get("audit_detail")))
            await send(message)

        await self.app(scope, receive, send_audited)


ROLE_COLUMNS: Final = (
    (Role.EXPORTING_AUTHORITY, "exporting authority"), (Role.IMPORTING_AUTHORITY, "importing authority"),
    (Role.STATE_AUTHORITY, "state authority"), (Role.LAW_ENFORCEMENT, "law enforcement"),
    (Role.ANALYST, "analyst"), (Role.PUBLIC, "public"))


def role_matrix_markdown() -> str:
    """The policy as the Markdown table in docs/server.md (a test keeps the two equal)."""
    lines = ["| endpoint | " + " | ".join(label for _r, label in ROLE_COLUMNS) + " |",
             "|---|" + "---|" * len(ROLE_COLUMNS)]
    for (method, path), rule in POLICY.items():
        cells = ["no token needed" if rule == ANYONE else ("yes" if allowed(method, path, role) else "–")
                 for role, _label in ROLE_COLUMNS]
        lines.append(f"| `{method} {path}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
