"""Calibre notations reduced to families, and their agreement."""

from __future__ import annotations

import pytest

from armstrace.domain.agreement import Agreement
from armstrace.domain.calibres import (
    CALIBRE_FAMILIES,
    calibre_agreement,
    calibre_parent,
    canonical_calibre,
)


@pytest.mark.parametrize(
    ("raw", "family"),
    [
        (".223", "5.56x45"),
        ("223 REM", "5.56x45"),
        ("5.56X45", "5.56x45"),
        ("5.56x45mm", "5.56x45"),
        ("CAL. 5.56 MM", "5.56x45"),
        ("5,56", "5.56x45"),
        ("5.56 NATO", "5.56x45"),
        ("CAL. .223", "5.56x45"),
        ("7.62X39", "7.62x39"),
        ("7,62 x 39 mm", "7.62x39"),
        ("7.62 SOVIET", "7.62x39"),
        (".308", "7.62x51"),
        ("308 WIN", "7.62x51"),
        ("7.62 NATO", "7.62x51"),
        ("7.62X51", "7.62x51"),
        ("9MM", "9x19"),
        ("9 MM", "9x19"),
        ("9X19", "9x19"),
        ("9 MM PARABELLUM", "9x19"),
        ("9MM LUGER", "9x19"),
        ("CAL 9", "9x19"),
        ("9 MM CORTO", ".380 acp"),
        (".380", ".380 acp"),
        (".38 SUPER", ".38 super"),
        ("SUPER .38", ".38 super"),
        ("CAL. .38 SUPER AUTO", ".38 super"),
        (".38 SPL", ".38 special"),
        (".38 ESPECIAL", ".38 special"),
        (".40 S&W", ".40 s&w"),
        ("10MM CORTO", ".40 s&w"),
        (".45", ".45 acp"),
        ("45 AUTO", ".45 acp"),
        ("11.43 MM", ".45 acp"),
        (".50 BMG", ".50 bmg"),
        ("CAL .50", ".50 bmg"),
        ("12.7X99", ".50 bmg"),
        ("5.7X28", "5.7x28"),
        ("5,7 MM", "5.7x28"),
        (".22 LR", ".22 lr"),
        ("CAL 22 L.R.", ".22 lr"),
        ("12 GA", "12 gauge"),
        ("CALIBRE 12", "12 gauge"),
        (".30-06", ".30-06"),
        ("300 AAC BLACKOUT", ".300 blackout"),
    ],
)
def test_notations_reduce_to_families(raw: str, family: str) -> None:
    assert canonical_calibre(raw) == family
    assert family in CALIBRE_FAMILIES


@pytest.mark.parametrize("raw", [None, "", "AK", "RIFLE", "999", "CAL"])
def test_not_understood_is_none(raw: str | None) -> None:
    assert canonical_calibre(raw) is None


def test_ambiguous_notations_have_a_parent() -> None:
    assert canonical_calibre("7.62") == "7.62"
    assert canonical_calibre("CAL. 7.62 MM") == "7.62"
    assert canonical_calibre(".38") == ".38"
    assert calibre_parent("7.62x39") == "7.62"
    assert calibre_parent(".38 super") == ".38"
    assert calibre_parent("9x19") is None


def test_calibre_agreement() -> None:
    assert calibre_agreement(".223", "5.56X45MM") is Agreement.AGREE
    assert calibre_agreement("308 WIN", "7.62 NATO") is Agreement.AGREE
    assert calibre_agreement("9MM", ".45") is Agreement.DISAGREE
    assert calibre_agreement("7.62X39", "7.62X51") is Agreement.DISAGREE
    assert calibre_agreement("7.62", "7.62X39") is Agreement.UNKNOWN
    assert calibre_agreement(".38", ".38 SUPER") is Agreement.UNKNOWN
    assert calibre_agreement(None, "9MM") is Agreement.UNKNOWN
    assert calibre_agreement("???", "9MM") is Agreement.UNKNOWN
