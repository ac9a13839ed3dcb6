"""Custody through the API: record an event, read one item's chain, read holdings."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from armstrace.domain.access import visible_parties
from armstrace.entrypoints.api.context import context
from armstrace.entrypoints.api.security import note, principal
from armstrace.services import holdings as h
from armstrace.services.recording import EventRequest, Refused, record_event

router = APIRouter(prefix="/v1", tags=["custody"])

Id = Annotated[str, Field(min_length=1, max_length=200)]
EventType = Literal["ship", "receive", "transfer", "assign", "loss", "theft", "recover", "destroy",
                    "inventory", "correction"]


class EventIn(BaseModel):
    """One custody event, as the acting party records it (see docs/server.md)."""

    event_type: EventType
    item_id: Id
    occurred_at: str = Field(min_length=10, max_length=40, description="ISO 8601 date or datetime",
                             examples=["2024-05-01", "2024-05-01T10:30:00Z"])
    from_party_id: Id | None = Field(None, description="who gives up custody")
    to_party_id: Id | None = Field(None, description="who takes custody")
    region: str | None = Field(None, max_length=10, description="ISO 3166-2, e.g. MX-MIC")
    document_ref: str | None = Field(None, max_length=500)
    corrects_event_id: Id | None = Field(None, description="the event this one corrects")
    event_id: Id | None = Field(None, description="your id for the event; re-sending the same "
                                "event with it is safe. Default: a new id")


class EventOut(BaseModel):
    event_id: str
    seq: int
    recorded_at: str
    chain_hash: str
    created: bool
    event_type: str
    item_id: str
    occurred_at: str
    from_party_id: str | None
    to_party_id: str | None
    corrects_event_id: str | None


class Problem(BaseModel):
    detail: str


class CustodyEventOut(BaseModel):
    event_id: str
    event_type: str
    occurred_at: str
    from_party_id: str | None
    to_party_id: str | None
    region: str | None
    document_ref: str | None
    corrects_event_id: str | None
    void: bool


class ItemCustodyOut(BaseModel):
    item_id: str
    holder: str | None
    holder_confirmed: bool
    ended_by: str | None
    events: list[CustodyEventOut]


class HoldingOut(BaseModel):
    party_id: str
    name: str
    kind: str
    region: str | None
    held: int
    unconfirmed: int


class HoldingsOut(BaseModel):
    parties: list[HoldingOut]
    items: list[str] | None = Field(None, description="the items held, when one party_id was asked")


REFUSALS: dict[int | str, dict[str, object]] = {
    403: {"model": Problem, "description": "not the caller's act to record"},
    404: {"model": Problem, "description": "unknown item"},
    409: {"model": Problem, "description": "contradicts the item's recorded custody"},
}


@router.post("/events", status_code=201, response_model=EventOut, responses=REFUSALS)
def post_event(body: EventIn, request: Request) -> JSONResponse:
    """Record a receipt, shipment, transfer, assignment, loss, theft, recovery, destruction,
    inventory or correction. Refused with 409 when the item's custody makes it impossible
    (receiving what was never shipped to you, handing on what you do not hold, anything after
    a destruction); 403 when the caller does not act for the party that performs it."""
    ctx, who = context(request), principal(request)
    req = EventRequest(**body.model_dump())
    try:
        rec = record_event(ctx.store, ctx.clock, who.org, ctx.parties(), f"api:{who.token_id}", req)
    except Refused as exc:
        note(request, f"refused: {exc.reason}"[:500])
        raise HTTPException(exc.status, exc.reason) from None
    e = rec.event
    note(request, f"event {e.event_id} seq {rec.seq}" + ("" if rec.created else " (repeat)"))
    out = EventOut(event_id=e.event_id, seq=rec.seq, recorded_at=rec.recorded_at, chain_hash=rec.chain_hash,
                   created=rec.created, event_type=e.event_type, item_id=e.item_id,
                   occurred_at=e.occurred_at, from_party_id=e.from_party_id, to_party_id=e.to_party_id,
                   corrects_event_id=e.corrects_event_id)
    return JSONResponse(out.model_dump(), status_code=201 if rec.created else 200)


@router.get("/items/{item_id}/custody", response_model=ItemCustodyOut,
            responses={404: {"model": Problem}})
def get_item_custody(item_id: Annotated[str, Field(max_length=200)], request: Request) -> ItemCustodyOut:
    """One item's custody chain (corrections applied, void events marked) and its holder now.
    A state authority sees only items that passed through its own authorities."""
    ctx, who = context(request), principal(request)
    found = h.item_custody(ctx.store, item_id, visible_parties(who.org, ctx.parties()))
    if found is None:
        raise HTTPException(404, f"no item {item_id} in the records you may read")
    return ItemCustodyOut(item_id=found.item_id, holder=found.holder, holder_confirmed=found.holder_confirmed,
                          ended_by=found.ended_by, events=[
                              CustodyEventOut(event_id=e.event_id, event_type=e.event_type,
                                              occurred_at=e.occurred_at, from_party_id=e.from_party_id,
                                              to_party_id=e.to_party_id, region=e.region,
                                              document_ref=e.document_ref,
                                              corrects_event_id=e.corrects_event_id, void=void)
                              for e, void in found.events])


@router.get("/holdings", response_model=HoldingsOut, responses={404: {"model": Problem}})
def get_holdings(request: Request, party_id: Annotated[str | None, Query(max_length=200)] = None
                 ) -> HoldingsOut:
    """Weapons held now, per party (largest first). A state authority sees its own authorities
    only. With ``party_id``: that party's count and the items it holds."""
    ctx, who = context(request), principal(request)
    parties = ctx.parties()
    visible = visible_parties(who.org, parties)
    if party_id is not None:
        if party_id not in parties or (visible is not None and party_id not in visible):
            raise HTTPException(404, f"no party {party_id} among those you may read")
        visible = {party_id}
    rows = h.holdings(ctx.store, parties, visible)
    items = h.held_items(ctx.store, party_id) if party_id is not None else None
    return HoldingsOut(parties=[HoldingOut(party_id=r.party_id, name=r.name, kind=r.kind, region=r.region,
                                           held=r.held, unconfirmed=r.unconfirmed) for r in rows],
                       items=items)
