"""The canonical encoding and the hash chain: properties that tamper evidence rests on."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from armstrace.domain.ledger import (
    GENESIS,
    canonical_bytes,
    canonical_row,
    link_rows,
    verify_links,
)
from armstrace.domain.records import CustodyEvent

text = st.text(max_size=20)
maybe = st.none() | text
events = st.builds(
    CustodyEvent,
    event_id=st.text(min_size=1, max_size=12),
    event_type=st.sampled_from(["ship", "receive", "transfer", "assign", "loss"]),
    occurred_at=st.dates().map(lambda d: d.isoformat()),
    item_id=st.text(min_size=1, max_size=12),
    from_party_id=maybe,
    to_party_id=maybe,
    region=maybe,
    document_ref=maybe,
    corrects_event_id=maybe,
    extra=st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=5), max_size=3),
)


@given(events, st.integers(1, 10**9))
def test_canonical_encoding_round_trips_to_the_same_values(event: CustodyEvent, seq: int) -> None:
    row = canonical_row(event, seq, "2026-01-01T00:00:00Z")
    decoded = json.loads(canonical_bytes(row).decode("utf-8"))
    assert decoded == list(row)
    assert (json.loads(decoded[11]) if decoded[11] else {}) == event.extra


@given(events, events)
def test_different_events_never_share_an_encoding(a: CustodyEvent, b: CustodyEvent) -> None:
    ra = canonical_row(a, 1, "2026-01-01T00:00:00Z")
    rb = canonical_row(b, 1, "2026-01-01T00:00:00Z")
    assert (canonical_bytes(ra) == canonical_bytes(rb)) == (ra == rb)


@given(events, st.integers(1, 10**12))
def test_the_fast_encoder_writes_exactly_the_reference_text(event: CustodyEvent, seq: int) -> None:
    from armstrace.domain.ledger import _encode, _reference_encode

    row = canonical_row(event, seq, "2026-01-01T00:00:00Z")
    assert _encode(row) == _reference_encode(row)
    assert _encode(list(row)) == _reference_encode(row)


@given(events)
def test_encoding_is_deterministic_and_compact(event: CustodyEvent) -> None:
    row = canonical_row(event, 7, "2026-01-01T00:00:00Z")
    first = canonical_bytes(row)
    assert first == canonical_bytes(tuple(row))
    assert first.startswith(b"[7,") and b", " not in first.replace(b'", "', b"")


def _links(evs: list[CustodyEvent]) -> list[tuple[object, ...]]:
    rows = [canonical_row(e, i + 1, "2026-01-01T00:00:00Z") for i, e in enumerate(evs)]
    return [(*row, content, chained) for row, content, chained in link_rows(rows)]


@given(st.lists(events, min_size=1, max_size=8))
def test_an_untouched_chain_verifies(evs: list[CustodyEvent]) -> None:
    links = _links(evs)
    count, head, mismatch = verify_links(links, GENESIS, expected_seq=1)
    assert mismatch is None and count == len(evs)
    assert head == links[-1][13]


@given(st.lists(events, min_size=2, max_size=8), st.data())
def test_any_edit_is_caught_at_the_edited_event(evs: list[CustodyEvent], data: st.DataObject) -> None:
    links = [list(link) for link in _links(evs)]
    victim = data.draw(st.integers(0, len(links) - 1))
    column = data.draw(st.sampled_from([1, 2, 3, 4, 5, 6, 7, 9, 11]))
    before = links[victim][column]
    links[victim][column] = (before or "") + "x"
    _, _, mismatch = verify_links([tuple(x) for x in links], GENESIS, expected_seq=1)
    assert mismatch is not None
    assert mismatch.seq == victim + 1


@given(st.lists(events, min_size=3, max_size=8), st.data())
def test_a_removed_event_is_caught(evs: list[CustodyEvent], data: st.DataObject) -> None:
    links = _links(evs)
    gone = data.draw(st.integers(0, len(links) - 2))
    kept = links[:gone] + links[gone + 1:]
    _, _, mismatch = verify_links(kept, GENESIS, expected_seq=1)
    assert mismatch is not None and mismatch.seq == gone + 2


@given(st.lists(events, min_size=2, max_size=6))
def test_a_rewritten_chain_with_fresh_hashes_still_breaks_the_next_link(evs: list[CustodyEvent]) -> None:
    """Recomputing one row's own hashes is not enough: the next link no longer follows."""
    links = [list(link) for link in _links(evs)]
    forged = dict(enumerate(links[0]))
    forged[3] = "forged"
    row = tuple(forged[i] for i in range(12))
    (_, content, chained), = link_rows([row])  # type: ignore[list-item]
    links[0] = [*row, content, chained]
    _, _, mismatch = verify_links([tuple(x) for x in links], GENESIS, expected_seq=1)
    assert mismatch is not None and mismatch.seq == 2


@given(st.lists(events, min_size=1, max_size=6), st.data())
def test_database_encoded_links_verify_and_another_encoder_is_not_called_tampering(
        evs: list[CustodyEvent], data: st.DataObject) -> None:
    from armstrace.domain.ledger import verify_encoded

    links = _links(evs)
    rows = {int(str(link[0])): link[:12] for link in links}
    encoded = [(link[0], link[2], canonical_bytes(link[:12]).decode("utf-8"), link[12], link[13])
               for link in links]
    # A database that writes the same JSON with spaces after commas: still intact.
    odd = data.draw(st.integers(0, len(encoded) - 1))
    seq, event_id, text, content, chained = encoded[odd]
    encoded[odd] = (seq, event_id, text.replace('","', '", "'), content, chained)
    count, _, mismatch = verify_encoded(encoded, GENESIS, 1, lambda s: canonical_bytes(rows[s]))
    assert mismatch is None and count == len(evs)
    # A changed row is still caught, even with the re-encoder's help.
    rows[odd + 1] = (*rows[odd + 1][:3], "tampered", *rows[odd + 1][4:])
    encoded[odd] = (seq, event_id, canonical_bytes(rows[odd + 1]).decode("utf-8"), content, chained)
    _, _, broken = verify_encoded(encoded, GENESIS, 1, lambda s: canonical_bytes(rows[s]))
    assert broken is not None and broken.seq == odd + 1
