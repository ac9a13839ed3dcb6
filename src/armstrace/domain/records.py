"""The five kinds of record of interchange format v1, as plain immutable values.

Dates stay ISO 8601 strings in their canonical form (``2009-11-30`` or
``2009-11-30T18:14:00Z``): they sort correctly as text, hash the same on every
backend, and round-trip through CSV without a timezone surprise.
Unknown values are ``None``; columns a file carried beyond the contract are kept
in ``extra`` so nothing a user handed us is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Party:
    party_id: str
    name: str
    kind: str
    country: str | None = None
    region: str | None = None
    parent_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Licence:
    licence_id: str
    exporter_id: str
    destination_country: str
    regime: str | None = None
    consignee_id: str | None = None
    end_user_id: str | None = None
    category: str | None = None
    description: str | None = None
    quantity: int | None = None
    value_usd: Decimal | None = None
    purchase_order: str | None = None
    applied_on: str | None = None
    decided_on: str | None = None
    status: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Item:
    item_id: str
    manufacturer: str
    serial: str
    model: str | None = None
    calibre: str | None = None
    weapon_type: str | None = None
    country_of_manufacture: str | None = None
    year_of_manufacture: int | None = None
    import_marks: str | None = None
    licence_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    """One custody event as asserted by its source (EPCIS in spirit).

    ``occurred_at`` is when it happened; ``recorded_at`` when the ledger took it.
    A correction is a new event whose ``corrects_event_id`` names the event it
    corrects; nothing is ever edited.
    """

    event_id: str
    event_type: str
    occurred_at: str
    item_id: str
    from_party_id: str | None = None
    to_party_id: str | None = None
    region: str | None = None
    document_ref: str | None = None
    corrects_event_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recovery:
    recovery_id: str
    recovered_on: str
    country: str | None = None
    region: str | None = None
    municipality: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    agency: str | None = None
    case_ref: str | None = None
    circumstance: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    calibre: str | None = None
    weapon_type: str | None = None
    serial: str | None = None
    serial_obliterated: str | None = None
    notes: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
