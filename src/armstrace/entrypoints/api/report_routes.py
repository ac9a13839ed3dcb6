"""Reports and aggregates, who is asking, and the health check.

Aggregates come with small counts suppressed for analysts and on the published
(public) summary: a count below 5 reads ``"<5"`` (``domain.access``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from armstrace import __version__
from armstrace.domain.access import ROLE_WORDS, acting_parties
from armstrace.entrypoints.api.context import context
from armstrace.entrypoints.api.security import POLICY, allowed, principal
from armstrace.services.published import diversion_view, public_view, summary_view

router = APIRouter(prefix="/v1", tags=["reports"])


class HealthOut(BaseModel):
    status: str
    version: str


class MeOut(BaseModel):
    organisation: str
    role: str
    role_means: str
    state: str | None
    acts_for: list[str]
    may_call: list[str]


@router.get("/health", response_model=HealthOut)
def health() -> HealthOut:
    """Liveness: no token needed, not audited."""
    return HealthOut(status="ok", version=__version__)


@router.get("/me", response_model=MeOut)
def me(request: Request) -> MeOut:
    """The calling organisation, its role, the parties it records for, and what it may call."""
    ctx, who = context(request), principal(request)
    org = who.org
    return MeOut(organisation=org.name, role=org.role.value, role_means=ROLE_WORDS[org.role], state=org.state,
                 acts_for=sorted(acting_parties(org, ctx.parties())),
                 may_call=[f"{m} {p}" for (m, p) in POLICY if allowed(m, p, org.role)])


@router.get("/reports/summary")
def summary(request: Request) -> dict[str, Any]:
    """Holdings by kind of custodian and by state, and where custody trails stop (the CLI's
    ``armstrace summary``); licence reconciliation problems for the authorities."""
    ctx, who = context(request), principal(request)
    return summary_view(ctx.reports, who.org.role)


@router.get("/reports/diversion")
def diversion(
    request: Request,
    group: Literal["custodian", "kind", "state", "licence", "exporter"] = "kind",
    denominator: Literal["exposed", "held", "received"] = "exposed",
    min_confidence: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
) -> dict[str, Any]:
    """Diversion rates (recovered weapons over weapons exposed), worst first by the Wilson lower
    bound, with the interval and median time-to-crime; needs a trace run."""
    ctx, who = context(request), principal(request)
    try:
        return diversion_view(ctx.reports, who.org.role, group, denominator, min_confidence, limit)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/public/summary")
def public_summary(request: Request) -> dict[str, Any]:
    """The published aggregates: holdings by state and kind, traces by status; small counts
    suppressed whoever asks."""
    return public_view(context(request).reports)
