"""The check queue through the API: which licences or custodians to check first, and why.

The same ``services.risk.risk_report`` as ``armstrace risk``, cached per store
version like the other whole-store reports (``ReportCache``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from armstrace.entrypoints.api.context import context
from armstrace.services.risk import RiskReport, licence_names, risk_report, subject_name

router = APIRouter(prefix="/v1/risk", tags=["risk"])


class FlagOut(BaseModel):
    flag: str
    points: float
    reason: str
    records: list[str]


class QueuedOut(BaseModel):
    rank: int
    subject_kind: str
    subject_id: str
    name: str
    score: float
    suggested_check: str
    flags: list[FlagOut]


class QueueOut(BaseModel):
    level: str
    budget: int
    risk_version: str
    subjects_scored: int
    queue: list[QueuedOut]


@router.get("/queue", response_model=QueueOut)
def queue(
    request: Request,
    level: Literal["licence", "custodian"] = "licence",
    budget: Annotated[int | None, Query(ge=1, le=10_000, description="checks there is budget for; "
                                        "default 1% of stored licences")] = None,
) -> QueueOut:
    """The end-use check queue, best first, each subject with the red flags that fired, their
    points and the records behind them (risk_v1; docs/risk.md)."""
    ctx = context(request)
    report: RiskReport = ctx.reports.get(f"risk|{level}|{budget}",
                                         lambda: risk_report(ctx.store, level, budget=budget))
    names = ctx.reports.get("licence-names", lambda: licence_names(ctx.store))
    return QueueOut(level=report.level, budget=report.budget, risk_version=report.version,
                    subjects_scored=len(report.scores), queue=[
                        QueuedOut(rank=rank, subject_kind=s.subject_kind, subject_id=s.subject_id,
                                  name=subject_name(report, names, s.subject_id), score=round(s.score, 4),
                                  suggested_check=report.suggested.get(s.subject_id, ""),
                                  flags=[FlagOut(flag=p.evidence.flag, points=round(p.points, 4),
                                                 reason=p.reason(), records=list(p.evidence.records))
                                         for p in s.points])
                        for rank, s in enumerate(report.queue, 1)])
