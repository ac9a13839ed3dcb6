"""A compact way to write custody events in tests, shared by the custody test modules."""

from __future__ import annotations

from armstrace.domain.records import CustodyEvent


def ev(
    event_id: str,
    event_type: str,
    at: str,
    frm: str | None = None,
    to: str | None = None,
    corrects: str | None = None,
    item: str = "BM-L507-0042",  # a Bushmaster AR-15 from the 507-rifle lot
) -> CustodyEvent:
    return CustodyEvent(
        event_id=event_id,
        event_type=event_type,
        occurred_at=at,
        item_id=item,
        from_party_id=frm,
        to_party_id=to,
        corrects_event_id=corrects,
    )
