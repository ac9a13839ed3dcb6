"""Custody gaps, licence reconciliation and holdings, by example."""

from __future__ import annotations

from tests.unit.custody_builders import ev as _ev

from armstrace.domain.reconciliation import (
    Gap,
    Reconciliation,
    custody_gaps,
    holdings,
    reconcile_licence,
)
from armstrace.domain.records import CustodyEvent, Licence

KINDS = {
    "BUSHMASTER": "manufacturer",
    "SEDENA": "import_authority",
    "GOB-MICH": "state_government",
    "SSP-MICH": "state_police",
    "PGR": "prosecutor",
}


def ev(*args: object, item: str = "BM-0042", **kwargs: object) -> CustodyEvent:
    return _ev(*args, item=item, **kwargs)  # type: ignore[arg-type]



def delivered(item: str = "BM-0042") -> list[CustodyEvent]:
    """Shipped to SEDENA, received, passed to the state government of Michoacán."""
    return [
        ev(f"{item}-S", "ship", "2006-02-10", "BUSHMASTER", "SEDENA", item=item),
        ev(f"{item}-R", "receive", "2006-03-01", to="SEDENA", item=item),
        ev(f"{item}-T", "transfer", "2006-06-15", "SEDENA", "GOB-MICH", item=item),
    ]


def kinds(gaps: list[Gap]) -> list[str]:
    return [g.kind for g in gaps]


# ---------------------------------------------------------------------- gaps


def test_gaps_michoacan_trail_stops_at_state_government() -> None:
    events = [*delivered(), ev("REC", "recover", "2009-11-30T18:14:00Z", to="PGR")]
    gaps = custody_gaps(events, KINDS)
    assert gaps == [
        Gap(
            "received_not_assigned",
            "BM-0042",
            "GOB-MICH",
            "2006-06-15",
            "BM-0042-T",
            "held by GOB-MICH (state government) since 2006-06-15 (event BM-0042-T); "
            "no later transfer or assignment recorded; "
            "recovered on 2009-11-30T18:14:00Z (event REC)",
        )
    ]


def test_gaps_record_ends_at_import_authority() -> None:
    events = delivered()[:2]
    (gap,) = custody_gaps(events, KINDS)
    assert (gap.kind, gap.party_id, gap.event_id) == (
        "received_not_assigned",
        "SEDENA",
        "BM-0042-R",
    )
    assert "(import authority)" in gap.detail


def test_gaps_none_when_assigned_to_police() -> None:
    events = [*delivered(), ev("A", "assign", "2007-01-10", "GOB-MICH", "SSP-MICH")]
    assert custody_gaps(events, KINDS) == []
    # unknown party kinds are not guessed
    assert custody_gaps(delivered(), {}) == []


def test_gaps_as_of_looks_at_the_record_then() -> None:
    events = [*delivered(), ev("A", "assign", "2007-01-10", "GOB-MICH", "SSP-MICH")]
    assert kinds(custody_gaps(events, KINDS, as_of="2006-12-31")) == ["received_not_assigned"]
    assert kinds(custody_gaps(events, KINDS, as_of="2006-02-28")) == ["shipped_not_received"]
    assert custody_gaps(events, KINDS, as_of="2000-01-01") == []


def test_gaps_shipped_not_received() -> None:
    events = [
        ev("S", "ship", "2006-02-10", "BUSHMASTER", "SEDENA"),
        ev("T", "transfer", "2006-06-15", "SEDENA", "GOB-MICH"),
        ev("A", "assign", "2007-01-10", "GOB-MICH", "SSP-MICH"),
    ]
    assert custody_gaps(events, KINDS) == [
        Gap(
            "shipped_not_received",
            "BM-0042",
            "SEDENA",
            "2006-02-10",
            "S",
            "shipped to SEDENA on 2006-02-10 (event S); no receipt by SEDENA recorded",
        )
    ]
    # a receipt by someone else does not confirm it
    other = [events[0], ev("R", "receive", "2006-03-01", to="BROKER")]
    assert kinds(custody_gaps(other, KINDS)) == ["shipped_not_received"]


def test_gaps_shipped_only_is_not_also_received_not_assigned() -> None:
    events = [ev("S", "ship", "2006-02-10", "BUSHMASTER", "SEDENA")]
    assert kinds(custody_gaps(events, KINDS)) == ["shipped_not_received"]


def test_gaps_retracted_receipt_reopens_the_shipment() -> None:
    events = [*delivered()[:2], ev("X", "correction", "2006-04-01", corrects="BM-0042-R")]
    assert kinds(custody_gaps(events, KINDS)) == ["shipped_not_received"]


def test_gaps_stolen_and_later_events() -> None:
    events = [
        *delivered(),
        ev("A", "assign", "2007-01-10", "GOB-MICH", "SSP-MICH"),
        ev("TH", "theft", "2008-05-05", frm="SSP-MICH"),
        ev("I", "inventory", "2008-12-31", to="SSP-MICH"),
        ev("C", "correction", "2009-01-02", corrects="NONE"),
    ]
    gaps = custody_gaps(events, KINDS)
    assert kinds(gaps) == ["stolen", "event_after_end"]
    stolen, after = gaps
    assert (stolen.party_id, stolen.since, stolen.event_id) == ("SSP-MICH", "2008-05-05", "TH")
    assert stolen.detail == (
        "reported stolen by SSP-MICH on 2008-05-05 (event TH); no recovery recorded"
    )
    assert (after.party_id, after.event_id) == ("SSP-MICH", "I")
    assert after.detail == (
        "inventory on 2008-12-31 after theft on 2008-05-05 (event TH) with no recovery recorded"
    )


def test_gaps_lost_then_recovered() -> None:
    events = [
        *delivered(),
        ev("A", "assign", "2007-01-10", "GOB-MICH", "SSP-MICH"),
        ev("L", "loss", "2008-05-05", frm="SSP-MICH"),
        ev("REC", "recover", "2009-11-30", to="PGR"),
        ev("T2", "transfer", "2010-02-01", "PGR", "SEDENA"),  # after recovery: fine
    ]
    gaps = custody_gaps(events, KINDS)
    # back at SEDENA after a recovery is evidence handling, not a stalled trail
    assert kinds(gaps) == ["lost"]
    assert gaps[0].detail == (
        "reported lost by SSP-MICH on 2008-05-05 (event L); recovered on 2009-11-30 (event REC)"
    )


def test_gaps_loss_at_state_government_is_not_also_stalled() -> None:
    events = [*delivered(), ev("L", "loss", "2008-05-05", frm="GOB-MICH")]
    assert kinds(custody_gaps(events, KINDS)) == ["lost"]


def test_gaps_event_after_destroy_and_recovery_of_destroyed_item() -> None:
    events = [
        *delivered(),
        ev("A", "assign", "2007-01-10", "GOB-MICH", "SSP-MICH"),
        ev("D", "destroy", "2012-01-01", frm="SSP-MICH"),
        ev("REC", "recover", "2013-07-07", to="PGR"),
        ev("T3", "transfer", "2013-08-01", "PGR", "SEDENA"),
    ]
    gaps = custody_gaps(events, KINDS)
    assert kinds(gaps) == ["event_after_end"]
    assert gaps[0].event_id == "REC"
    assert gaps[0].party_id == "PGR"
    assert "recorded as destroyed" in gaps[0].detail
    # destroyed in SEDENA's hands is how a trail should end
    destroyed = [*delivered()[:2], ev("D", "destroy", "2012-01-01")]
    assert custody_gaps(destroyed, KINDS) == []


def test_gaps_empty_chain() -> None:
    assert custody_gaps([], KINDS) == []


# ----------------------------------------------------------------- reconcile


def lic(quantity: int | None, status: str | None = "approved") -> Licence:
    return Licence(
        licence_id="DSP5-050123",
        exporter_id="BUSHMASTER",
        destination_country="MX",
        quantity=quantity,
        status=status,
    )


def test_reconcile_clean_licence() -> None:
    chains = {
        f"I{n}": [
            *delivered(f"I{n}"),
            ev(f"A{n}", "assign", "2007-01-10", "GOB-MICH", "SSP", item=f"I{n}"),
        ]
        for n in range(3)
    }
    assert reconcile_licence(lic(3), chains) == Reconciliation(
        "DSP5-050123", 3, 3, 3, 3, 3, 3, 0, 0, ()
    )


def test_reconcile_problems() -> None:
    chains: dict[str, list[CustodyEvent]] = {
        # fine: all the way to a police unit
        "I1": [*delivered("I1"), ev("A1", "assign", "2007-01-10", "GOB-MICH", "SSP", item="I1")],
        # shipped, never received
        "I2": delivered("I2")[:1],
        # received at SEDENA, never passed on
        "I3": delivered("I3")[:2],
        # assigned, then stolen
        "I4": [
            *delivered("I4"),
            ev("A4", "assign", "2007-01-10", "GOB-MICH", "SSP", item="I4"),
            ev("TH4", "theft", "2008-05-05", frm="SSP", item="I4"),
        ],
        # a receipt with no shipment on record
        "I5": [
            ev("R5", "receive", "2006-03-01", to="SEDENA", item="I5"),
            ev("T5", "transfer", "2006-06-15", "SEDENA", "GOB-MICH", item="I5"),
        ],
        # a shipment that was retracted: registered, not shipped
        "I6": [
            ev("S6", "ship", "2006-02-10", "BUSHMASTER", "SEDENA", item="I6"),
            ev("X6", "correction", "2006-02-11", corrects="S6", item="I6"),
        ],
    }
    r = reconcile_licence(lic(3), chains)
    assert (r.licensed, r.registered, r.shipped, r.received, r.transferred, r.assigned) == (
        3,
        6,
        4,
        4,
        3,
        2,
    )
    assert (r.lost_or_stolen, r.destroyed) == (1, 0)
    assert r.problems == (
        "licensed 3, registered 6 (more items than licensed)",
        "shipped 4 exceeds licensed quantity 3",
        "1 item registered but never shipped",
        "1 item shipped but never received",
        "1 item received with no shipment recorded",
        "1 item received but never transferred or assigned",
        "1 item reported lost or stolen",
    )


def test_reconcile_unknown_quantity_and_unapproved_licence() -> None:
    chains = {"I1": delivered("I1")}
    r = reconcile_licence(lic(None, status="denied"), chains)
    assert r.licensed is None
    assert r.problems == (
        "licensed quantity not recorded: registered 1 unchecked",
        "1 item shipped under a licence that is denied",
    )
    empty = reconcile_licence(lic(500), {})
    assert (empty.registered, empty.shipped, empty.problems) == (0, 0, ())


def test_reconcile_destroyed_counts() -> None:
    chains = {"I1": [*delivered("I1")[:2], ev("D1", "destroy", "2012-01-01", item="I1")]}
    r = reconcile_licence(lic(1), chains)
    assert r.destroyed == 1
    assert r.problems == ()


# ------------------------------------------------------------------ holdings


def test_holdings_counts_current_holders() -> None:
    chains = {
        "I1": delivered("I1"),
        "I2": delivered("I2"),
        "I3": [*delivered("I3"), ev("A3", "assign", "2007-01-10", "GOB-MICH", "SSP", item="I3")],
        "I4": [*delivered("I4"), ev("L4", "loss", "2007-02-01", frm="GOB-MICH", item="I4")],
        "I5": delivered("I5")[:1],
        "I6": [],
    }
    assert holdings(chains) == {"GOB-MICH": 2, "SSP": 1, "": 2, "SEDENA": 1}
    assert holdings(chains, as_of="2006-03-01") == {"SEDENA": 5, "": 1}
    assert holdings({}) == {}
