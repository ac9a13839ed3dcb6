"""Weapon models written loosely, reduced to a comparable key.

"AR15", "AR-15", "RIFLE AR-15" and "FUSIL TIPO AR 15" are one model; "CUERNO DE
CHIVO" ("goat's horn") is what Mexican records call any AK-pattern rifle.
``model_key`` strips the words that describe the kind of weapon rather than the
model (RIFLE, PISTOLA, FUSIL, CARABINA, MODELO, TIPO, ...), calibre mentions and
punctuation; ``model_family`` then maps known aliases to one family key.

Model evidence is weak, so ``model_agreement`` is conservative: it says DISAGREE
only when both sides are specific designations (letters and digits, or known
families) that cannot be the same weapon. An "AR15" against an "M4" is UNKNOWN,
not DISAGREE: officers call every AR-pattern rifle an AR-15.
"""

from __future__ import annotations

import re
import unicodedata

from armstrace.domain.agreement import Agreement

__all__ = ["model_agreement", "model_family", "model_key", "model_platform"]

_GENERIC_WORDS = frozenset(
    {
        "RIFLE", "FUSIL", "CARABINA", "CARBINE", "CARBINA", "PISTOLA", "PISTOL",
        "REVOLVER", "ESCOPETA", "SHOTGUN", "SUBAMETRALLADORA", "AMETRALLADORA",
        "METRALLETA", "SMG", "ARMA", "LARGA", "CORTA", "SEMIAUTOMATICA",
        "SEMIAUTOMATICO", "SEMIAUTOMATIC", "SEMIAUTO", "SEMI", "AUTOMATICA",
        "AUTOMATICO", "AUTOMATIC", "MODEL", "MODELO", "MOD", "TIPO", "TYPE", "STYLE",
        "ESTILO", "ASALTO", "ASSAULT", "DE", "ESCUADRA", "CAL", "CALIBRE", "CALIBER",
        "MM", "SPORTER", "DEPORTIVO", "DEPORTIVA", "POLICE", "POLICIA",
    }
)
# Makers' names often stand in the model field ("BARRETT .50", "COLT 38").
_MAKER_WORDS = frozenset(
    {
        "COLT", "SMITH", "WESSON", "SIG", "SAUER", "FN", "HERSTAL", "BUSHMASTER",
        "RUGER", "STURM", "REMINGTON", "BERETTA", "BARRETT", "SPRINGFIELD", "GLOCK",
        "KALASHNIKOV", "NORINCO", "TAURUS", "ARMALITE", "DPMS", "DANIEL", "ROMARM",
        "ZASTAVA", "IZHMASH", "LLAMA", "ANDERSON", "CENTURY", "HK",
    }
)

_FAMILIES: dict[str, tuple[str, ...]] = {
    "AR15": ("AR15", "AR", "TIPOAR", "AR15A2", "AR15A3", "AR15A4"),
    "M4": ("M4", "M4A1", "M4CARBINE", "M4A1CARBINE"),
    "M16": ("M16", "M16A1", "M16A2", "M16A3", "M16A4"),
    "AR10": ("AR10",),
    "AK47": ("AK47", "AK", "TIPOAK", "AKM", "AKMS", "AK47S", "CUERNODECHIVO",
             "CUERNOCHIVO", "CUERNO", "CHIVO", "KALASHNIKOV"),
    "AK74": ("AK74", "AKS74", "AK74M"),
    "RPK": ("RPK",),
    "WASR10": ("WASR10", "WASR", "WASR1063"),
    "MAK90": ("MAK90",),
    "M70": ("M70", "M70AB2"),
    "FIVESEVEN": ("FIVESEVEN", "57", "FIVESEVENMK2", "MATAPOLICIAS"),
    "P90": ("P90", "PS90"),
    "MINI14": ("MINI14", "RANCH"),
    "1911": ("1911", "1911A1", "M1911", "M1911A1", "GOVERNMENT"),
    "M82": ("M82", "M82A1", "82A1", "M82A3"),
    "M107": ("M107", "M107A1"),
}
_PLATFORMS: dict[str, str] = {
    "AR15": "AR", "M4": "AR", "M16": "AR", "AK47": "AK", "AK74": "AK", "RPK": "AK",
    "WASR10": "AK", "MAK90": "AK", "M70": "AK", "M82": "FIFTY", "M107": "FIFTY",
}
# Maker-specific AR- and AK-pattern designations: same platform, different key.
_PLATFORM_MEMBERS: dict[str, str] = {
    "XM15": "AR", "XM15E2S": "AR", "MP15": "AR", "SIG516": "AR", "516": "AR",
    "DDM4": "AR", "DDM4V7": "AR", "AM15": "AR", "M15": "AR", "M15A4": "AR",
    "MCX": "AR", "SIGMCX": "AR", "LE6920": "AR", "6920": "AR",
}
_ALIAS_TO_FAMILY: dict[str, str] = {
    alias: family for family, aliases in _FAMILIES.items() for alias in aliases
}
_CALIBRE_TOKEN = re.compile(r"^\.\d+$|^\d+(?:[.,]\d+)?MM$|^\d+[.,]\d+(?:X\d+)?$")


def model_key(raw: str | None) -> str | None:
    """Compact upper-case key of a model ("RIFLE AR-15" -> "AR15"), None if empty."""
    if not raw:
        return None
    text = unicodedata.normalize("NFKD", raw)
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    text = re.sub(r"(?<=[A-Z])\.(?=[A-Z])", "", text)  # F.N.C. -> FNC.
    tokens = re.split(r"[\s/,;()]+", text)
    kept: list[str] = []
    for tok in tokens:
        bare = re.sub(r"[^A-Z0-9]", "", tok)
        if not bare or bare in _GENERIC_WORDS or bare in _MAKER_WORDS:
            continue
        if _CALIBRE_TOKEN.match(tok.strip(".-")) or _CALIBRE_TOKEN.match(tok):
            continue
        kept.append(bare)
    key = "".join(kept)
    return key or None


def model_family(raw: str | None) -> str | None:
    """The family key of a model ("M-4" and "M4A1" -> "M4"), else its own key."""
    key = model_key(raw)
    if key is None:
        return None
    return _ALIAS_TO_FAMILY.get(key, key)


def model_platform(raw: str | None) -> str | None:
    """"AR", "AK" or "FIFTY" for pattern rifles sold under many names, else None."""
    fam = model_family(raw)
    if fam is None:
        return None
    return _PLATFORMS.get(fam) or _PLATFORM_MEMBERS.get(fam)


def _specific(key: str) -> bool:
    return key in _FAMILIES or key in _PLATFORM_MEMBERS or (
        any(c.isdigit() for c in key) and any(c.isalpha() for c in key)
    )


def model_agreement(a: str | None, b: str | None) -> Agreement:
    """Agree on the same family; disagree only between two specific, unrelated models."""
    fa, fb = model_family(a), model_family(b)
    if fa is None or fb is None:
        return Agreement.UNKNOWN
    if fa == fb:
        return Agreement.AGREE
    pa = _PLATFORMS.get(fa) or _PLATFORM_MEMBERS.get(fa)
    pb = _PLATFORMS.get(fb) or _PLATFORM_MEMBERS.get(fb)
    if pa is not None and pa == pb:
        return Agreement.UNKNOWN
    if fa in fb or fb in fa:
        return Agreement.UNKNOWN  # "P226" / "P226R", "XD" / "XD9"
    if _specific(fa) and _specific(fb):
        return Agreement.DISAGREE
    if pa is not None and pb is not None:
        return Agreement.DISAGREE
    return Agreement.UNKNOWN
