"""Tracing through the API: look up one weapon, read current traces, start a trace run."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from armstrace.domain.access import visible_parties
from armstrace.entrypoints.api.context import context
from armstrace.entrypoints.api.security import note, principal
from armstrace.services.holdings import traced_recoveries
from armstrace.services.tracing import trace_all

router = APIRouter(prefix="/v1/traces", tags=["tracing"])

DATE = r"^\d{4}-\d{2}-\d{2}$"


class CandidateOut(BaseModel):
    item_id: str
    serial: str
    maker: str | None
    model: str | None
    calibre: str | None
    licence_id: str | None
    posterior: float
    reasons: list[str]


class TimelineOut(BaseModel):
    occurred_at: str
    event_type: str
    from_party: str | None
    to_party: str | None
    region: str | None
    document_ref: str | None
    void: bool


class LookupOut(BaseModel):
    reading: str | None
    status: str
    confidence: float
    never_licensed: float
    reason: str
    chosen_item_id: str | None
    last_custodian_id: str | None
    last_custodian_name: str | None
    candidates: list[CandidateOut]
    timeline: list[TimelineOut]


class TraceOut(BaseModel):
    recovery_id: str
    status: str
    item_id: str | None
    confidence: float
    candidates: str | None
    licence_id: str | None
    last_custodian_id: str | None
    last_custody_at: str | None
    time_to_crime_days: int | None
    shared_custodian: bool
    reason: str
    scorer_version: str
    run_id: str


class TracesOut(BaseModel):
    total: int
    offset: int
    traces: list[TraceOut]


class TraceRunOut(BaseModel):
    run_id: str
    scorer_version: str
    registry_items: int
    recoveries: int
    by_status: dict[str, int]
    seconds: float
    calibration: str  # why the run used the calibration in scorer_version


@router.get("/lookup", response_model=LookupOut)
def lookup(
    request: Request,
    serial: Annotated[str, Query(min_length=1, max_length=100, description="as read: spaces, dashes, "
                                 "? for unreadable characters are fine")],
    make: Annotated[str | None, Query(max_length=100)] = None,
    calibre: Annotated[str | None, Query(max_length=100)] = None,
    model: Annotated[str | None, Query(max_length=100)] = None,
    recovered_on: Annotated[str | None, Query(pattern=DATE, description="YYYY-MM-DD; default today")]
    = None,
    region: Annotated[str | None, Query(max_length=10)] = None,
) -> LookupOut:
    """One weapon in hand (serial, make, calibre as written): candidates with their reasons, the
    chosen item's custody timeline and its last accountable custodian."""
    ctx = context(request)
    r = ctx.lookups.lookup(serial, make, calibre, model, recovered_on=recovered_on, region=region)
    note(request, f"{r.status} {r.chosen or ''}".strip())
    return LookupOut(
        reading=r.reading, status=str(r.status), confidence=r.confidence, never_licensed=r.never_licensed,
        reason=r.reason, chosen_item_id=r.chosen, last_custodian_id=r.last_custodian,
        last_custodian_name=r.last_custodian_name,
        candidates=[CandidateOut(item_id=c.item_id, serial=c.serial, maker=c.maker, model=c.model,
                                 calibre=c.calibre, licence_id=c.licence_id, posterior=c.posterior,
                                 reasons=[f"{text} {value:+.1f}" for _n, value, text in c.parts if value])
                    for c in r.candidates],
        timeline=[TimelineOut(occurred_at=e.occurred_at, event_type=e.event_type, from_party=e.from_party,
                              to_party=e.to_party, region=e.region, document_ref=e.document_ref, void=e.void)
                  for e in r.timeline])


def _trace(row: dict[str, Any]) -> TraceOut:
    ttc = row.get("time_to_crime_days")
    return TraceOut(recovery_id=row["recovery_id"], status=row["status"], item_id=row.get("item_id"),
                    confidence=float(row["confidence"]), candidates=row.get("candidates"),
                    licence_id=row.get("licence_id"), last_custodian_id=row.get("last_custodian_id"),
                    last_custody_at=row.get("last_custody_at"),
                    time_to_crime_days=int(ttc) if ttc is not None else None,
                    shared_custodian=bool(row.get("shared_custodian")), reason=row["reason"],
                    scorer_version=row["scorer_version"], run_id=row["run_id"])


@router.get("", response_model=TracesOut)
def list_traces(
    request: Request,
    status: Literal["matched", "ambiguous", "unmatched", "untraceable"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> TracesOut:
    """Current traces (the latest run's), by recovery id. A state authority sees only the
    recoveries traced to its own authorities."""
    ctx, who = context(request), principal(request)
    total, rows = traced_recoveries(ctx.store, visible_parties(who.org, ctx.parties()), status=status,
                                    limit=limit, offset=offset)
    return TracesOut(total=total, offset=offset, traces=[_trace(r) for r in rows])


@router.post("/runs", status_code=201, response_model=TraceRunOut)
def start_run(request: Request) -> TraceRunOut:
    """Trace every stored recovery under a new run (earlier runs are kept). Synchronous: at the
    default scale it takes about a minute."""
    ctx = context(request)
    s = trace_all(ctx.store, clock=ctx.clock)
    note(request, f"trace run {s.run_id}")
    return TraceRunOut(run_id=s.run_id, scorer_version=s.scorer_version, registry_items=s.registry_items,
                       recoveries=s.recoveries, by_status=s.by_status,
                       seconds=round(s.index_seconds + s.trace_seconds, 3),
                       calibration=s.calibration)
