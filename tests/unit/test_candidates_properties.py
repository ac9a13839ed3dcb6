"""The candidate guarantee, checked against brute force.

Every clause of the promise in ``armstrace.adapters.linkage.candidates`` is
compared with a direct computation over the whole registry: exhaustively on
short strings (every script of two edits occurs), and with Hypothesis on
realistic serials carrying injected errors.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from armstrace.adapters.linkage.candidates import MIN_CORE_LEN, CandidateIndex
from armstrace.domain.serials import (
    CONFUSABLES,
    SerialReading,
    fold_confusables,
    normalise_serial,
    reading_cores,
    serial_cores,
)

# A routine run stays quick; set ARMSTRACE_HYPOTHESIS_EXAMPLES=2000 for a deep one.
SETTINGS = settings(
    max_examples=int(os.environ.get("ARMSTRACE_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
DIGITS = "0123456789"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + DIGITS
LOOKALIKE_OF = {d: letter for letter, d in CONFUSABLES.items()}  # "0" -> one letter


@functools.cache
def _folded(registry: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold_confusables(normalise_serial(raw).canonical) for raw in registry)


def must_find(
    reading: SerialReading, registry: Sequence[str], max_edits: int = 2
) -> dict[int, int]:
    """Items (and distances) the guarantee promises, computed the slow way."""
    q = reading.folded
    k = q.count("?")
    out: dict[int, int] = {}
    for i, s in enumerate(_folded(tuple(registry))):
        if not s:
            continue
        if k == 0:
            d = OSA.distance(q, s)
            if d <= max_edits:
                out[i] = d
        elif len(s) == len(q):
            d = sum(1 for a, b in zip(q, s, strict=True) if a != "?" and a != b)
            if (k >= 3 and d == 0) or (k <= 2 and d <= min(max_edits, 2 - k)):
                out[i] = d
    return out


def core_match(reading: SerialReading, raw: str) -> bool:
    ours = {c for c in reading_cores(reading.canonical) if len(c) >= MIN_CORE_LEN}
    return bool(ours & set(serial_cores(raw)))


def check(index: CandidateIndex, registry: Sequence[str], reading: SerialReading,
          max_edits: int = 2) -> None:
    got = index.query(reading, max_edits=max_edits)
    expected = must_find(reading, registry, max_edits)
    edit_routes = {c.item: c.distance for c in got if c.route != "digit_core"}
    assert edit_routes == expected, reading
    for c in got:
        if c.route == "digit_core":
            assert not reading.has_wildcards and core_match(reading, registry[c.item])
            assert c.distance > max_edits
            assert c.distance == OSA.distance(
                reading.folded, fold_confusables(normalise_serial(registry[c.item]).canonical)
            )
    if not reading.has_wildcards:  # clause 4: every core match is there
        for i, raw in enumerate(registry):
            if core_match(reading, raw):
                assert i in {c.item for c in got}


# --- exhaustive on short strings ----------------------------------------------------
SHORT_REGISTRY = ["".join(p) for n in range(1, 6) for p in itertools.product("012", repeat=n)]


@pytest.fixture(scope="module")
def short_index() -> CandidateIndex:
    return CandidateIndex.build(SHORT_REGISTRY)


@pytest.mark.parametrize("max_edits", [0, 1, 2])
def test_exhaustive_short_strings(short_index: CandidateIndex, max_edits: int) -> None:
    """Every reading over a four-letter alphabet up to length 5, against every serial."""
    readings = [
        normalise_serial("".join(p)) for n in range(1, 6) for p in itertools.product("0123", repeat=n)
    ]
    batch = short_index.query_many(readings, max_edits=max_edits)
    for k, r in enumerate(readings):
        got = {c.item: c.distance for c in batch.for_query(k) if c.route != "digit_core"}
        assert got == must_find(r, SHORT_REGISTRY, max_edits), r.canonical


def test_exhaustive_wildcards(short_index: CandidateIndex) -> None:
    readings = [
        normalise_serial("".join(p))
        for n in range(1, 6)
        for p in itertools.product("01?", repeat=n)
        if "?" in p and set(p) != {"?"}
    ]
    batch = short_index.query_many(readings)
    for k, r in enumerate(readings):
        got = {c.item: c.distance for c in batch.for_query(k)}
        assert got == must_find(r, SHORT_REGISTRY), r.canonical


# --- realistic serials with injected errors ---------------------------------------------
serial = st.one_of(
    st.from_regex(r"(LE|BFI|SV|L|US|FN)[0-9]{4,6}", fullmatch=True),
    st.from_regex(r"0{0,3}[0-9]{3,7}", fullmatch=True),
    st.from_regex(r"[0-9]{3}-[0-9]{5}", fullmatch=True),
    st.from_regex(r"[0-9]{2}[A-Z][0-9]{3,6}", fullmatch=True),
    st.from_regex(r"[A-Z0-9]{1,12}", fullmatch=True),
)


@st.composite
def registry_and_pick(draw: st.DrawFn) -> tuple[list[str], int]:
    """A registry with sequential runs (dense neighbours) and one chosen item."""
    seeds = draw(st.lists(serial, min_size=1, max_size=8))
    reg: list[str] = []
    for s in seeds:
        head = s.rstrip(DIGITS)
        tail = s[len(head):]
        if tail:
            run = draw(st.integers(1, 30))
            start = int(tail)
            reg += [f"{head}{n:0{len(tail)}d}" for n in range(start, start + run)]
        else:
            reg.append(s)
    return reg, draw(st.integers(0, len(reg) - 1))


def _edit(draw: st.DrawFn, chars: list[str]) -> None:
    kind = draw(st.sampled_from(["sub", "ins", "del", "swap"]))
    n = len(chars)
    if kind == "sub" and n:
        chars[draw(st.integers(0, n - 1))] = draw(st.sampled_from(ALNUM))
    elif kind == "ins":
        chars.insert(draw(st.integers(0, n)), draw(st.sampled_from(ALNUM)))
    elif kind == "del" and n > 1:
        del chars[draw(st.integers(0, n - 1))]
    elif kind == "swap" and n > 1:
        i = draw(st.integers(0, n - 2))
        chars[i], chars[i + 1] = chars[i + 1], chars[i]


@SETTINGS
@given(registry_and_pick(), st.data())
def test_any_two_edits_are_found(picked: tuple[list[str], int], data: st.DataObject) -> None:
    registry, i = picked
    chars = list(normalise_serial(registry[i]).canonical)
    for _ in range(data.draw(st.integers(0, 2))):
        _edit(data.draw, chars)
    reading = normalise_serial("".join(chars))
    assume(reading.readable)
    index = CandidateIndex.build(registry)
    got = {c.item: c for c in index.query(reading)}
    true = OSA.distance(reading.folded, fold_confusables(normalise_serial(registry[i]).canonical))
    if true <= 2:  # edits on the same spot can add up to more than two under OSA
        assert got[i].distance == true
    check(index, registry, reading)


@SETTINGS
@given(registry_and_pick())
def test_a_serial_always_finds_itself(picked: tuple[list[str], int]) -> None:
    registry, i = picked
    index = CandidateIndex.build(registry)
    got = {c.item: c for c in index.query(normalise_serial(registry[i]))}
    assert got[i].distance == 0 and got[i].route == "exact"


@SETTINGS
@given(registry_and_pick(), st.data())
def test_lookalikes_are_free(picked: tuple[list[str], int], data: st.DataObject) -> None:
    registry, i = picked
    canon = normalise_serial(registry[i]).canonical
    spots = [k for k, ch in enumerate(canon) if ch in LOOKALIKE_OF]
    assume(spots)
    chosen = data.draw(st.lists(st.sampled_from(spots), min_size=1, unique=True))
    chars = list(canon)
    for k in chosen:
        chars[k] = LOOKALIKE_OF[chars[k]]
    reading = normalise_serial("".join(chars).lower())
    index = CandidateIndex.build(registry)
    got = {c.item: c for c in index.query(reading)}
    assert got[i].distance == 0 and got[i].route == "confusable"
    check(index, registry, reading)


@SETTINGS
@given(registry_and_pick(), st.data())
def test_wildcard_patterns(picked: tuple[list[str], int], data: st.DataObject) -> None:
    registry, i = picked
    canon = normalise_serial(registry[i]).canonical
    assume(len(canon) >= 2)
    k = data.draw(st.integers(1, len(canon) - 1))
    spots = data.draw(st.lists(st.integers(0, len(canon) - 1), min_size=k, max_size=k,
                               unique=True))
    chars = list(canon)
    mark = data.draw(st.sampled_from("?*_"))
    for p in spots:
        chars[p] = mark
    reading = normalise_serial("".join(chars))
    assume(reading.readable)
    index = CandidateIndex.build(registry)
    got = {c.item: c for c in index.query(reading)}
    assert got[i].distance == 0 and got[i].route == "wildcard"
    check(index, registry, reading)
    check(index, registry, reading, max_edits=1)


@SETTINGS
@given(registry_and_pick(), st.booleans(), st.booleans())
def test_dropped_prefix_or_zeros(picked: tuple[list[str], int], prefix: bool, zeros: bool) -> None:
    registry, i = picked
    raw = registry[i]
    text = raw.split("-")[-1] if "-" in raw and prefix else normalise_serial(raw).canonical
    if prefix:
        text = text.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if zeros:
        text = text.lstrip("0")
    reading = normalise_serial(text)
    assume(reading.readable and len(reading.canonical) >= MIN_CORE_LEN)
    index = CandidateIndex.build(registry)
    # promised unless the core left is shorter than MIN_CORE_LEN (e.g. "000-00001")
    promised = core_match(reading, raw) or i in must_find(reading, registry)
    if promised:
        assert i in {c.item for c in index.query(reading)}
    check(index, registry, reading)
