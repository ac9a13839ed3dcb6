"""Loose model names reduced to keys and families, and their agreement.

(Kept beside the calibre tests: both are the weak descriptive evidence a scorer
weighs after the serial.)
"""

from __future__ import annotations

import pytest

from armstrace.domain.agreement import Agreement
from armstrace.domain.models import model_agreement, model_family, model_key, model_platform


@pytest.mark.parametrize(
    ("raw", "key", "family"),
    [
        ("AR15", "AR15", "AR15"),
        ("AR-15", "AR15", "AR15"),
        ("RIFLE AR-15", "AR15", "AR15"),
        ("FUSIL TIPO AR 15", "AR15", "AR15"),
        ("M-4", "M4", "M4"),
        ("M4A1", "M4A1", "M4"),
        ("CARABINA M4", "M4", "M4"),
        ("AK-47", "AK47", "AK47"),
        ("CUERNO DE CHIVO", "CUERNOCHIVO", "AK47"),
        ("TIPO AK", "AK", "AK47"),
        ("F.N.C.", "FNC", "FNC"),
        ("MOD. 700", "700", "700"),
        ("PISTOLA 1911", "1911", "1911"),
        ("MATAPOLICIAS", "MATAPOLICIAS", "FIVESEVEN"),
    ],
)
def test_model_keys_and_families(raw: str, key: str, family: str) -> None:
    assert model_key(raw) == key
    assert model_family(raw) == family


@pytest.mark.parametrize("raw", [None, "", "RIFLE", "PISTOLA SEMIAUTOMATICA", "BARRETT .50"])
def test_generic_words_only_give_no_key(raw: str | None) -> None:
    assert model_key(raw) is None


def test_platforms() -> None:
    assert model_platform("AR-15") == model_platform("M4A1") == model_platform("XM15-E2S") == "AR"
    assert model_platform("CUERNO DE CHIVO") == model_platform("WASR-10") == "AK"
    assert model_platform("P226") is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("M4", "M-4", Agreement.AGREE),
        ("M4A1", "CARABINA M4", Agreement.AGREE),
        ("CUERNO DE CHIVO", "AKM", Agreement.AGREE),
        ("AR15", "M4 Carbine", Agreement.UNKNOWN),  # same platform, loosely named
        ("XM15-E2S", "AR-15", Agreement.UNKNOWN),
        ("P226", "P226R", Agreement.UNKNOWN),
        ("GOVERNMENT", "SCAR", Agreement.UNKNOWN),
        ("17", "22", Agreement.UNKNOWN),  # bare numbers: too weak to disagree
        ("AK-47", "AR-15", Agreement.DISAGREE),
        ("WASR-10", "M4", Agreement.DISAGREE),
        ("P226", "PX4", Agreement.DISAGREE),
        (None, "AR15", Agreement.UNKNOWN),
    ],
)
def test_model_agreement(a: str | None, b: str | None, expected: Agreement) -> None:
    assert model_agreement(a, b) is expected
    assert model_agreement(b, a) is expected
