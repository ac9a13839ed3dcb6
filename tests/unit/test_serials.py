"""Serial normalisation: labels, separators, wildcards, unreadable markers, cores."""

from __future__ import annotations

import pytest

from armstrace.domain.serials import (
    CONFUSABLES,
    WILDCARD,
    digit_core,
    fold_confusables,
    is_canonical,
    normalise_serial,
    pattern_matches,
    reading_cores,
    serial_cores,
    strip_alpha_prefix,
    strip_leading_zeros,
    tail_core,
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("LE123456", "LE123456"),
        ("le 123-456", "LE123456"),
        ("No. LE123456", "LE123456"),
        ("S/N: bfi-004512", "BFI004512"),
        ("S/N 004512", "004512"),
        ("NO. DE SERIE 196-12345", "19612345"),
        ("Numero de serie: A-1", "A1"),
        ("NUMERO DE SERIE12345", "12345"),
        ("SERIE: 12 34", "1234"),
        ("SERIE12345", "12345"),
        ("SERIAL NO. 8812", "8812"),
        ("MATRICULA LE 12?45", "LE12?45"),
        ("N° 12345", "12345"),
        ("nº12345", "12345"),
        ("#12345", "12345"),
        ("# 12345", "12345"),
        ("  -LE.123.456  ", "LE123456"),
        ("АК123", "AK123"),  # Cyrillic capitals copied from a Kalashnikov marking
        ("Ñ123", "N123"),
        ("SN12345", "SN12345"),  # glued two-letter prefix: kept (could be the serial)
        ("N 123456", "N123456"),  # "N" + space is not a label
    ],
)
def test_labels_separators_and_case_are_removed(raw: str, canonical: str) -> None:
    r = normalise_serial(raw)
    assert r.readable
    assert r.canonical == canonical
    assert r.raw == raw


@pytest.mark.parametrize(
    ("raw", "canonical", "positions"),
    [
        ("12#45", "12?45", (2,)),
        ("le12*4_6", "LE12?4?6", (4, 6)),
        ("LE 12¿456", "LE12?456", (4,)),
        ("LIMADO: 12?45", "12?45", (2,)),
    ],
)
def test_unreadable_characters_become_wildcards(
    raw: str, canonical: str, positions: tuple[int, ...]
) -> None:
    r = normalise_serial(raw)
    assert r.canonical == canonical
    assert r.has_wildcards
    assert r.wildcard_positions == positions
    assert r.wildcard_count == len(positions)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "missing"),
        ("", "empty"),
        ("   ", "empty"),
        ("---", "empty"),
        ("S/N", "marker"),
        ("N/A", "marker"),
        ("ILEGIBLE", "marker"),
        ("illegible", "marker"),
        ("LIMADO", "marker"),
        ("BORRADO", "marker"),
        ("Sin número", "marker"),
        ("SIN NUMERO", "marker"),
        ("SIN MATRICULA", "marker"),
        ("NO LEGIBLE", "marker"),
        ("NONE", "marker"),
        ("unknown", "marker"),
        ("S/N: ILEGIBLE", "marker"),
        ("???", "all_wildcards"),
        ("*_#?", "all_wildcards"),
    ],
)
def test_nothing_readable(raw: str | None, reason: str) -> None:
    r = normalise_serial(raw)
    assert not r.readable
    assert r.canonical == ""
    assert r.reason == reason
    assert not r.has_wildcards


def test_fold_confusables_maps_letters_to_digits_only() -> None:
    assert fold_confusables("OQDILSBZG") == "000115826"
    assert fold_confusables("LE1O3456") == "1E103456"
    assert all(v.isdigit() for v in CONFUSABLES.values())
    assert fold_confusables(fold_confusables("SOLDIER")) == fold_confusables("SOLDIER")
    assert normalise_serial("le1o3456").folded == "1E103456"


def test_cores_for_dropped_prefixes_and_zeros() -> None:
    assert strip_alpha_prefix("BFI004512") == "004512"
    assert strip_leading_zeros("004512") == "4512"
    assert digit_core("BFI004512") == "4512"
    assert digit_core("LE123456") == "123456"
    assert digit_core("0001234") == "1234"
    assert digit_core("AB0O12") == digit_core("AB012") == "12"
    assert digit_core("ABC") == ""
    assert "123456" in reading_cores("I23456")  # dropped prefix, misread 1
    assert serial_cores("196-12345") == ("19612345", "12345")
    # "BFI" folds to "8F1": the tail after the last true letter is a core too
    assert serial_cores("BFI004512") == ("4512", "1004512")
    assert tail_core("63A034554") == "34554"  # mixed digit-letter prefix
    assert "34554" in serial_cores("63A034554")
    assert "34554" in reading_cores("63A34554")  # prefix kept, zero lost
    assert normalise_serial("SV01234").digit_core == "1234"


def test_pattern_matches_is_positional_and_folded() -> None:
    assert pattern_matches("LE12?456", "LE123456")
    assert pattern_matches("1E12?456", "LE123456")
    assert not pattern_matches("LE12?456", "LE1234567")
    assert not pattern_matches("LE12?457", "LE123456")
    assert pattern_matches(WILDCARD * 3, "ABC")


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        ("LE123456", True),
        ("LE12?456", True),
        ("le123456", False),
        ("LE-123456", False),
        ("SERIE12345", False),
        ("ILEGIBLE", False),
        ("???", False),
        ("", False),
    ],
)
def test_is_canonical(s: str, expected: bool) -> None:
    assert is_canonical(s) is expected
    r = normalise_serial(s)
    assert (r.readable and r.canonical == s) is expected
