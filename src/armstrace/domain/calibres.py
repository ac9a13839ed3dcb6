"""Calibres in whatever notation they were written, reduced to one family name.

Officers write ".223", "5.56X45", "CAL. 5.56 MM" or "5,56" for the same rifle
cartridge, "11.43 MM" for a .45, "10MM CORTO" for a .40 S&W. A family groups the
notations that a match should treat as the same chambering (5.56x45 absorbs
.223 Remington: the rifles are marked either way and officers use both).

Some notations are honestly ambiguous: a bare "7.62" may be 7.62x39 (AK types) or
7.62x51 (.308); a bare ".38" may be .38 Super or .38 Special. They map to a
*parent* family ("7.62", ".38"), which neither agrees nor disagrees with its
children: ``calibre_agreement`` returns UNKNOWN rather than guessing.

Parsing: upper case, accents gone, decimal commas read as points, the words
"CAL", "CALIBRE", "MM" removed, then one number (``9``, ``5.56``, ``7.62X39``)
plus any words around it ("SUPER", "CORTO", "NATO") looked up in ``_TABLE``.
"""

from __future__ import annotations

import re
import unicodedata

from armstrace.domain.agreement import Agreement

__all__ = [
    "CALIBRE_FAMILIES",
    "calibre_agreement",
    "calibre_parent",
    "canonical_calibre",
]

_556 = "5.56x45"
_76239 = "7.62x39"
_76251 = "7.62x51"
_762 = "7.62"
_919 = "9x19"
_380 = ".380 acp"
_918 = "9x18"
_38 = ".38"
_38SUPER = ".38 super"
_38SPL = ".38 special"
_40 = ".40 s&w"
_45 = ".45 acp"
_50 = ".50 bmg"
_22 = ".22 lr"

# number -> {word: family}; word "" is the family when no listed word is present.
_TABLE: dict[str, dict[str, str]] = {
    "5.56": {"": _556},
    "556": {"": _556},
    "5.56X45": {"": _556},
    "223": {"": _556},
    "7.62": {"": _762, "NATO": _76251, "SOVIET": _76239, "RUSO": _76239, "RUSA": _76239,
             "AK": _76239, "M43": _76239, "TOKAREV": "7.62x25", "TT": "7.62x25"},
    "762": {"": _762, "NATO": _76251, "SOVIET": _76239, "RUSO": _76239, "AK": _76239},
    "7.62X39": {"": _76239},
    "7.62X51": {"": _76251},
    "308": {"": _76251},
    "7.62X54": {"": "7.62x54r"},
    "7.62X54R": {"": "7.62x54r"},
    "7.62X25": {"": "7.62x25"},
    "7.62X63": {"": ".30-06"},
    "3006": {"": ".30-06"},
    "30.06": {"": ".30-06"},
    "30": {"CARBINE": ".30 carbine", "CARABINA": ".30 carbine", "M1": ".30 carbine"},
    "7.62X33": {"": ".30 carbine"},
    "9": {"": _919, "LUGER": _919, "PARABELLUM": _919, "PARA": _919, "PB": _919,
          "NATO": _919, "CORTO": _380, "KURZ": _380, "SHORT": _380, "COURT": _380,
          "BROWNING": _380, "MAKAROV": _918, "MAK": _918},
    "9X19": {"": _919},
    "9X17": {"": _380},
    "380": {"": _380},
    "9X18": {"": _918},
    "9X21": {"": "9x21"},
    "38": {"": _38, "SUPER": _38SUPER, "SUP": _38SUPER, "SPECIAL": _38SPL, "SPL": _38SPL,
           "ESPECIAL": _38SPL, "ESP": _38SPL, "SP": _38SPL},
    "357": {"": ".357 magnum", "MAG": ".357 magnum", "SIG": ".357 sig"},
    "40": {"": _40, "SW": _40},
    "10": {"": "10mm auto", "AUTO": "10mm auto", "CORTO": _40},
    "45": {"": _45, "ACP": _45, "AUTO": _45, "COLT": ".45 colt", "LC": ".45 colt",
           "LONG": ".45 colt", "GAP": ".45 gap"},
    "11.43": {"": _45},
    "50": {"": _50, "BMG": _50, "BARRETT": _50, "AE": ".50 ae"},
    "12.7": {"": _50},
    "12.7X99": {"": _50},
    "12.7X108": {"": "12.7x108"},
    "5.7": {"": "5.7x28"},
    "5.7X28": {"": "5.7x28"},
    "4.6X30": {"": "4.6x30"},
    "22": {"": _22, "LR": _22, "LONGRIFLE": _22, "LARGO": _22, "WMR": ".22 wmr",
           "MAG": ".22 wmr", "SHORT": ".22 short", "CORTO": ".22 short"},
    "5.45": {"": "5.45x39"},
    "5.45X39": {"": "5.45x39"},
    "300": {"BLK": ".300 blackout", "BLACKOUT": ".300 blackout", "AAC": ".300 blackout",
            "WIN": ".300 win mag", "WM": ".300 win mag"},
    "7.62X35": {"": ".300 blackout"},
    "6.5": {"CREEDMOOR": "6.5 creedmoor", "CM": "6.5 creedmoor"},
    "44": {"": ".44 magnum", "MAG": ".44 magnum"},
    "25": {"": ".25 acp", "ACP": ".25 acp", "AUTO": ".25 acp"},
    "6.35": {"": ".25 acp"},
    "32": {"": ".32 acp", "ACP": ".32 acp", "AUTO": ".32 acp"},
    "7.65": {"": ".32 acp"},
    "338": {"LAPUA": ".338 lapua", "LM": ".338 lapua"},
    "12": {"": "12 gauge", "GA": "12 gauge", "GAUGE": "12 gauge", "G": "12 gauge"},
    "16": {"": "16 gauge", "GA": "16 gauge", "GAUGE": "16 gauge"},
    "20": {"": "20 gauge", "GA": "20 gauge", "GAUGE": "20 gauge"},
    "28": {"GA": "28 gauge", "GAUGE": "28 gauge"},
    "410": {"": ".410 bore"},
}

_PARENT: dict[str, str] = {
    _76239: _762,
    _76251: _762,
    "7.62x54r": _762,
    "7.62x25": _762,
    _38SUPER: _38,
    _38SPL: _38,
}

CALIBRE_FAMILIES: frozenset[str] = frozenset(
    fam for words in _TABLE.values() for fam in words.values()
)

_NUMBER_RE = re.compile(r"([A-Z]*)(\d+(?:\.\d+)?(?:X\d+(?:\.\d+)?R?)?)([A-Z0-9]*)")


def _key(raw: str) -> str:
    text = unicodedata.normalize("NFKD", raw)
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    text = re.sub(r"(?<=\d),(?=\d)", ".", text)
    text = text.replace("&", "")
    text = re.sub(r"\b(?:CALIBRE|CALIBER|CALIBRO|CAL|CARTUCHOS?|MUNICION(?:ES)?|DE|DEL)\b", " ",
                  text)
    text = re.sub(r"(?<=\d)\s*(?:MM|MILIMETROS?|MILLIMETERS?|MILLIMETRES?)\b", " ", text)
    text = re.sub(r"(?<=\d)\s*X\s*(?=\d)", "X", text)
    text = re.sub(r"(?<=\d)-(?=\d)", "", text)  # .30-06
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", "", text)  # keep only decimal points
    return re.sub(r"[^A-Z0-9.]", "", text)


def canonical_calibre(raw: str | None) -> str | None:
    """The calibre family of ``raw`` (e.g. "5.56x45"), or None when not understood."""
    if not raw:
        return None
    key = _key(raw)
    m = _NUMBER_RE.fullmatch(key)
    if m is None:
        return None
    words_by = _TABLE.get(m.group(2))
    if words_by is None:
        return None
    words = m.group(1) + m.group(3)
    for word in sorted((w for w in words_by if w), key=len, reverse=True):
        if word in words:
            return words_by[word]
    return words_by.get("")


def calibre_parent(family: str) -> str | None:
    """The ambiguous family a family belongs to ("7.62x39" -> "7.62"), if any."""
    return _PARENT.get(family)


def calibre_agreement(a: str | None, b: str | None) -> Agreement:
    """Same family: agree; one the other's parent, or either unknown: unknown."""
    fa, fb = canonical_calibre(a), canonical_calibre(b)
    if fa is None or fb is None:
        return Agreement.UNKNOWN
    if fa == fb:
        return Agreement.AGREE
    if _PARENT.get(fa) == fb or _PARENT.get(fb) == fa:
        return Agreement.UNKNOWN
    return Agreement.DISAGREE
