"""Properties of the custody rules, over generated chains."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from armstrace.domain.custody import (
    custody_chain,
    holder_at,
    last_lawful_custodian,
    sequence_problems,
)
from armstrace.domain.records import CustodyEvent
from armstrace.domain.vocabulary import CUSTODY_TAKING, EVENT_TYPES

# small and quick: the suite shares two cores with the rest of the project
quick = settings(max_examples=60, deadline=None)

PARTIES = ("BUSHMASTER", "SEDENA", "GOB-MICH", "SSP-MICH", "PGR")
DAY0 = date(2006, 1, 1)


def day(n: int) -> str:
    return (DAY0 + timedelta(days=n)).isoformat()


def stamp(n: int, minute: int | None) -> str:
    """Day ``n``, date-only when ``minute`` is None, else a UTC datetime that day."""
    if minute is None:
        return day(n)
    return f"{day(n)}T{minute // 60:02d}:{minute % 60:02d}:00Z"


dates = st.builds(stamp, st.integers(0, 30), st.none() | st.integers(0, 24 * 60 - 1))
parties = st.none() | st.sampled_from(PARTIES)


@st.composite
def event_lists(draw: st.DrawFn, types: tuple[str, ...] = tuple(EVENT_TYPES)) -> list[CustodyEvent]:
    """Any events of one item, in record order; corrections point at earlier events."""
    n = draw(st.integers(0, 12))
    out: list[CustodyEvent] = []
    for i in range(n):
        t = draw(st.sampled_from(types))
        corrects = None
        if out and (t == "correction" or draw(st.integers(0, 4)) == 0):
            corrects = draw(st.sampled_from(out)).event_id
        out.append(
            CustodyEvent(
                event_id=f"E{i}",
                event_type=t,
                occurred_at=draw(dates),
                item_id="IT",
                from_party_id=draw(parties),
                to_party_id=draw(parties),
                corrects_event_id=corrects,
            )
        )
    return out


@quick
@given(event_lists())
def test_chain_is_an_ordered_permutation(events: list[CustodyEvent]) -> None:
    chain = custody_chain(events)
    assert sorted(id(c.event) for c in chain) == sorted(id(e) for e in events)
    position = {id(e): i for i, e in enumerate(events)}
    keys = [(c.event.occurred_at, position[id(c.event)]) for c in chain]
    assert keys == sorted(keys)
    for c in chain:
        assert c.void == (c.voided_by is not None)


@quick
@given(event_lists(), st.data())
def test_replacement_makes_original_void(events: list[CustodyEvent], data: st.DataObject) -> None:
    base = [e for e in events if e.corrects_event_id is None]
    if not base:
        return
    original = data.draw(st.sampled_from(base))
    replacement = CustodyEvent(
        event_id="NEW",
        event_type=data.draw(st.sampled_from(sorted(CUSTODY_TAKING))),
        occurred_at=data.draw(dates),
        item_id="IT",
        to_party_id="SEDENA",
        corrects_event_id=original.event_id,
    )
    chain = {c.event.event_id: c for c in custody_chain([*base, replacement])}
    assert chain[original.event_id].void
    assert chain[original.event_id].voided_by == "NEW"
    assert not chain["NEW"].void
    # a void event is never cited as custody
    for custody in (
        holder_at([*base, replacement], "2999-01-01"),
        last_lawful_custodian([*base, replacement], "2999-01-01"),
    ):
        assert custody is None or original.event_id not in (custody.event_id, custody.ended_by)


@quick
@given(event_lists(types=("ship", "receive", "transfer", "assign", "inventory", "correction")))
def test_holder_at_custody_event_date_is_its_receiver(events: list[CustodyEvent]) -> None:
    # one event per date so that "the event at that date" is well defined
    distinct = {e.occurred_at: e for e in events}
    events = [e for e in events if distinct[e.occurred_at] is e]
    void = {c.event.event_id for c in custody_chain(events) if c.void}
    for e in events:
        if e.event_type not in CUSTODY_TAKING or e.to_party_id is None:
            continue
        holder = holder_at(events, e.occurred_at)
        if e.event_id in void:
            assert holder is None or holder.event_id != e.event_id
        else:
            assert holder is not None
            assert holder.party_id == e.to_party_id
            assert holder.event_id == e.event_id


@quick
@given(event_lists(), dates)
def test_last_custodian_is_strictly_before(events: list[CustodyEvent], before: str) -> None:
    last = last_lawful_custodian(events, before)
    if last is None:
        return
    when = {e.event_id: e.occurred_at for e in events}
    assert last.since < before
    assert when[last.event_id] < before
    assert last.ended_at is None or last.ended_at < before


# ------------------------------------------------------------------ sequencing

Hop = tuple[str, str | None, str | None]  # event type, from party, to party
HOPS: tuple[Hop, ...] = (
    ("ship", "BUSHMASTER", "SEDENA"),
    ("receive", None, "SEDENA"),
    ("transfer", "SEDENA", "GOB-MICH"),
    ("receive", None, "GOB-MICH"),
    ("assign", "GOB-MICH", "SSP-MICH"),
)

ENDINGS: list[Hop] = [
    ("loss", "SSP-MICH", None),
    ("theft", "SSP-MICH", None),
    ("destroy", None, None),
]


@st.composite
def valid_chains(draw: st.DrawFn) -> list[CustodyEvent]:
    """ship < receive < transfer < assign with increasing dates, maybe an ending."""
    steps = list(HOPS[: draw(st.integers(1, len(HOPS)))])
    if draw(st.booleans()):
        steps.append(draw(st.sampled_from(ENDINGS)))
    out: list[CustodyEvent] = []
    n, minute = 0, 0
    prev_day = -1
    for i, (t, frm, to) in enumerate(steps):
        n += draw(st.integers(0, 40))
        minute = minute + draw(st.integers(1, 200)) if n == prev_day else draw(st.integers(0, 600))
        if minute >= 24 * 60:
            n, minute = n + 1, 0
        # date-only only when first on its day, so text order stays increasing
        dated = stamp(n, None if n != prev_day and draw(st.booleans()) else minute)
        prev_day = n
        out.append(CustodyEvent(f"V{i}", t, dated, "IT", frm, to))
    return out


@quick
@given(valid_chains(), st.data())
def test_sequence_accepts_any_split_of_a_valid_chain(
    chain: list[CustodyEvent], data: st.DataObject
) -> None:
    assert [e.occurred_at for e in chain] == sorted(e.occurred_at for e in chain)
    stored_mask = data.draw(st.lists(st.booleans(), min_size=len(chain), max_size=len(chain)))
    stored = [e for e, s in zip(chain, stored_mask, strict=True) if s]
    new = [e for e, s in zip(chain, stored_mask, strict=True) if not s]
    new = data.draw(st.permutations(new))
    assert sequence_problems(stored, new) == []


@quick
@given(valid_chains(), st.data())
def test_sequence_rejects_receive_moved_before_its_ship(
    chain: list[CustodyEvent], data: st.DataObject
) -> None:
    receives = [i for i, e in enumerate(chain) if e.event_type == "receive"]
    if not receives:
        return
    i = data.draw(st.sampled_from(receives))
    bad = chain[i]
    shipped_on = chain[i - 1].occurred_at  # the hop before delivered it
    back = data.draw(st.integers(1, 30))
    moved_day = (date.fromisoformat(shipped_on[:10]) - timedelta(days=back)).isoformat()
    moved = CustodyEvent(bad.event_id, "receive", moved_day, "IT", None, bad.to_party_id)
    rest = [e for j, e in enumerate(chain) if j != i]
    stored_mask = data.draw(st.lists(st.booleans(), min_size=len(rest), max_size=len(rest)))
    stored = [e for e, s in zip(rest, stored_mask, strict=True) if s]
    new = [e for e, s in zip(rest, stored_mask, strict=True) if not s]
    new.insert(data.draw(st.integers(0, len(new))), moved)
    problems = sequence_problems(stored, new)
    assert [p.event_id for p in problems] == [bad.event_id]
    assert problems[0].reason.startswith("received before it was shipped (")
    assert chain[i - 1].event_id in problems[0].reason
