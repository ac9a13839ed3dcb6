"""Properties of serial normalisation: idempotence, closure, and noise removal."""

from __future__ import annotations

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from armstrace.domain.serials import (
    CONFUSABLES,
    digit_core,
    fold_confusables,
    is_canonical,
    normalise_serial,
    reading_cores,
    serial_cores,
    tail_core,
)

CANONICAL_RE = re.compile(r"[A-Z0-9?]+")
LABELS = ("No. ", "S/N: ", "NO. DE SERIE ", "SERIE: ", "MATRICULA ", "#", "N° ", "Serial No. ")
# Text an officer might type: letters, digits, separators, marks, accents, labels.
messy = st.text(
    alphabet=st.sampled_from(list("ABCLOSNIZGE0123456789 -./:#?*_°ºñéáÓИЛΩ")),
    max_size=20,
) | st.builds(lambda a, b: a + b, st.sampled_from(LABELS), st.text(max_size=12))
serial = st.from_regex(r"[A-Z]{0,3}[0-9]{1,9}", fullmatch=True)


@settings(max_examples=400)
@given(messy)
def test_normalise_is_idempotent(raw: str) -> None:
    r = normalise_serial(raw)
    again = normalise_serial(r.canonical)
    if r.readable:
        assert again.canonical == r.canonical
        assert again.readable and again.has_wildcards == r.has_wildcards
        assert CANONICAL_RE.fullmatch(r.canonical)
        assert set(r.canonical) != {"?"}
        assert is_canonical(r.canonical)
    else:
        assert r.canonical == "" and not again.readable


@settings(max_examples=300)
@given(st.text(alphabet="ABCDEFGHILMNORSTUZ0123456789?", max_size=12))
def test_is_canonical_agrees_with_normalise(s: str) -> None:
    r = normalise_serial(s)
    assert is_canonical(s) == (r.readable and r.canonical == s)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789?", max_size=16))
def test_folding_and_cores_are_idempotent(s: str) -> None:
    f = fold_confusables(s)
    assert fold_confusables(f) == f
    assert not set(f) & set(CONFUSABLES)
    c = digit_core(s)
    assert digit_core(c) == c
    assert not c or c[0] not in "0ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert not c or c in reading_cores(s)
    t = tail_core(s)
    assert tail_core(t) == t
    assert not t or t[0] != "0"


@settings(max_examples=300)
@given(
    serial,
    st.lists(st.tuples(st.integers(4, 20), st.sampled_from([" ", "-", " - ", "."])), max_size=3),
    st.sampled_from(("", *LABELS)),
    st.booleans(),
)
def test_recording_noise_is_removed(
    s: str, seps: list[tuple[int, str]], label: str, lower: bool
) -> None:
    assume(is_canonical(s))
    text = s
    for pos, sep in sorted(seps, reverse=True):  # separators after the first 4 characters
        if pos < len(text):
            text = text[:pos] + sep + text[pos:]
    text = label + text
    if lower:
        text = text.lower()
    assert normalise_serial(text).canonical == s


@given(serial, st.sampled_from(["-", " ", "/"]), st.from_regex(r"[0-9]{3,7}", fullmatch=True))
def test_segment_after_a_separator_is_a_core(head: str, sep: str, tail: str) -> None:
    assume(tail.lstrip("0"))
    cores = serial_cores(head + sep + tail)
    assert cores[0] == digit_core(normalise_serial(head + tail).canonical)
    assert digit_core(tail) in cores
