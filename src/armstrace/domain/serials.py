"""Serial numbers as officers read them, and the forms we match them in.

A recovered weapon's serial reaches us the way someone wrote it down: with
labels ("No.", "S/N:", "NO. DE SERIE"), spaces, dashes, lower case, look-alike
characters, unreadable positions marked ``?``, ``*``, ``_`` or ``#``, or no
number at all ("ILEGIBLE", "LIMADO", "SIN NUMERO"). Everything here turns that
text into three forms, all pure and idempotent:

``canonical``
    Upper-case ``A-Z``, ``0-9`` and the wildcard ``?`` only; labels, separators and
    accents gone. It is what the reading *says*, and what an investigator sees.
``folded``
    ``canonical`` with look-alike letters replaced by the digit they are confused
    with (see ``CONFUSABLES``). Applied to registry and reading alike, it makes a
    look-alike misreading cost nothing, so the edit budget is kept for real errors.
    It is a matching key only, never shown.
``digit_core``
    The serial without its leading letters and zeros, folded. Officers drop maker
    prefixes ("BFI004512" written "4512"); the core lets such a reading still
    meet its serial.

``?`` is the only wildcard in canonical form: one unreadable character, exactly
one position. A reading with nothing usable is ``readable=False`` with a reason,
never an empty string that would match anything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "CONFUSABLES",
    "UNREADABLE_MARKERS",
    "WILDCARD",
    "SerialReading",
    "digit_core",
    "fold_confusables",
    "is_canonical",
    "normalise_serial",
    "pattern_matches",
    "reading_cores",
    "serial_cores",
    "strip_alpha_prefix",
    "strip_leading_zeros",
    "tail_core",
]

WILDCARD = "?"

# Look-alike letter -> the digit it is confused with. Why these and only these:
# serial bodies are mostly digits and stamped or cast marks wear, so the pairs
# officers (and the simulator's damage model) confuse are a letter and a digit
# sharing a glyph outline: O/Q/D vs 0 (a worn tail or straight side), I/L vs 1
# (serif-less stamps; a hand-written lower-case l), S/5, B/8, Z/2, G/6. Letters are
# folded to digits, never the other way, so the folded alphabet stays a subset of
# the canonical one. Pairs that are rarely confused in practice (A/4, T/7, U/V)
# are left out: each extra pair merges more distinct registry serials and makes
# every reading's candidate list longer.
CONFUSABLES: dict[str, str] = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "I": "1",
    "L": "1",
    "S": "5",
    "B": "8",
    "Z": "2",
    "G": "6",
}
_FOLD_TABLE = str.maketrans(CONFUSABLES)

# Whole-field texts that mean "no number could be read" (compared after removing
# everything but letters, digits and wildcard marks). English and Spanish.
UNREADABLE_MARKERS: frozenset[str] = frozenset(
    {
        "ILEGIBLE", "ILLEGIBLE", "NOLEGIBLE", "UNREADABLE", "NOTREADABLE",
        "LIMADO", "LIMADA", "LIMADOS", "BORRADO", "BORRADA", "ESMERILADO",
        "ESMERILADA", "RASPADO", "RASPADA", "DESBASTADO", "OBLITERADO",
        "OBLITERADA", "OBLITERATED", "DEFACED", "GROUNDOFF", "REMOVED",
        "SINNUMERO", "SINNUM", "SINNO", "SINMATRICULA", "SINSERIE",
        "SINNUMERODESERIE", "SINDATOS", "SN", "NA", "ND", "NONE", "NULL", "NIL",
        "UNKNOWN", "DESCONOCIDO", "DESCONOCIDA", "NOVISIBLE", "NOSERIAL",
        "NOSERIE", "NONUMBER", "NONUMERO", "NOTIENE", "NOAPLICA", "NODISPONIBLE",
        "NOSEAPRECIA", "SINMARCAJE",
    }
)

# Labels written before the number. Every alternative needs at least one delimiter
# (space, colon, period, comma, number sign, degree sign, slash or dash), so none can
# fire on canonical text, which has none: that keeps ``normalise_serial``
# idempotent. A bare "N" counts only before "°", ".", ":" or "#", because a space
# after it is more likely noise inside a serial such as "N 123456".
_DELIM = r"[\s:.,;\-/#°]"
_LABEL_WORDS = (
    r"NUMERO\s*DE\s*SERIE|NUM\.?\s*DE\s*SERIE|NO\.?\s*DE\s*SERIE|N°\s*DE\s*SERIE"
    r"|NUMERO\s*DE\s*MATRICULA|NO\.?\s*DE\s*MATRICULA|SERIAL\s*NUMBER|SERIAL\s*NO"
    r"|SERIAL|SERIE|MATRICULA|MATR|NUMERO|NUMBER|NUM|NRO|NO|S\s*/\s*N|SN"
)
_MARKER_WORDS = (
    r"ILEGIBLE|LIMADO|LIMADA|BORRADO|BORRADA|ESMERILADO|RASPADO|OBLITERADO"
    r"|PARCIALMENTE|PARCIAL|PARTIALLY|PARTIAL"
)
_LABEL_RE = re.compile(
    rf"^(?:{_DELIM}+|(?:{_LABEL_WORDS}|{_MARKER_WORDS}){_DELIM}+|N[°.:#]{_DELIM}*)"
)
# Labels glued to the number ("SERIE12345"): long words only, so a real serial
# that happens to start with "SN" or "NO" is left alone (dropping two characters
# would be inside the edit budget anyway).
_GLUED_LABELS = (
    "NUMERODESERIE", "NODESERIE", "NUMDESERIE", "DESERIE", "DEMATRICULA",
    "SERIALNUMBER", "SERIALNO", "MATRICULA", "SERIAL", "SERIE", "NUMERO",
)
_GLUED_PREFIX_RE = "|".join(_GLUED_LABELS)
_GLUED_RE = re.compile(rf"(?:{_GLUED_PREFIX_RE})(?=[0-9?])")
_IS_CANONICAL_RE = re.compile(rf"(?!(?:{_GLUED_PREFIX_RE})[^A-Z])(?!\?+$)[A-Z0-9?]+")
_WILDCARD_INPUT = frozenset("?*_#¿")
_CANONICAL_RE = re.compile(r"[A-Z0-9?]+")
# Letters and digits in groups split by single spaces, dashes, dots or slashes
# ("196-12345", "le 123 456"): unless a label starts it, removing the separators
# and upper-casing is all the full path would do, so it is taken directly.
_SIMPLE_RE = re.compile(r"[A-Za-z0-9]+(?:[ ./-][A-Za-z0-9]+)*")
_SEPARATORS_RE = re.compile(r"[ ./-]")
_SEGMENT_SPLIT_RE = re.compile(r"[\s./-]+")
_LEADING_STRIP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0"

# Cyrillic and Greek capitals that look like Latin ones (Kalashnikov-pattern rifles
# carry Cyrillic marks; officers copy what they see).
_HOMOGLYPHS = str.maketrans(
    {
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        "º": "°", "˚": "°",
    }
)


@dataclass(frozen=True, slots=True)
class SerialReading:
    """One serial as read, normalised.

    ``canonical`` is empty exactly when ``readable`` is False; ``reason`` then says
    why ("missing", "empty", "marker", "all_wildcards"), so a report can tell an
    obliterated serial from a blank cell.
    """

    raw: str | None
    canonical: str
    readable: bool
    has_wildcards: bool
    reason: str | None = None

    @property
    def folded(self) -> str:
        """The matching key: ``canonical`` with look-alikes folded."""
        return fold_confusables(self.canonical)

    @property
    def wildcard_count(self) -> int:
        return self.canonical.count(WILDCARD)

    @property
    def wildcard_positions(self) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(self.canonical) if c == WILDCARD)

    @property
    def digit_core(self) -> str:
        return digit_core(self.canonical)


def fold_confusables(s: str) -> str:
    """Replace look-alike letters by their digit (``CONFUSABLES``); idempotent."""
    return s.translate(_FOLD_TABLE)


def is_canonical(s: str) -> bool:
    """True when ``normalise_serial(s)`` is readable and leaves ``s`` unchanged.

    A cheap test so that bulk registry loads skip the full normaliser.
    """
    return _IS_CANONICAL_RE.fullmatch(s) is not None and s not in UNREADABLE_MARKERS


def strip_alpha_prefix(s: str) -> str:
    """``s`` without its leading letters ("BFI004512" -> "004512")."""
    return s.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def strip_leading_zeros(s: str) -> str:
    """``s`` without leading zeros ("004512" -> "4512")."""
    return s.lstrip("0")


def digit_core(s: str) -> str:
    """The folded serial without its leading letters and zeros.

    Letters and zeros are stripped together ("AB0O12" and "AB012" both give "12")
    so the result never starts with a letter or a zero and the function is
    idempotent. Empty when nothing is left.
    """
    return fold_confusables(s.lstrip(_LEADING_STRIP))


def tail_core(s: str) -> str:
    """The folded running number at the end: after the last letter, zeros stripped.

    Prefixes mixing digits and letters ("63A034554", SIG's MCX) defeat
    ``digit_core``; officers drop them all the same. Letters are those left after
    folding, so a misread "O" or "I" in the number does not cut it short.
    """
    f = fold_confusables(s)
    last = max((k for k, ch in enumerate(f) if "A" <= ch <= "Z"), default=-1)
    return f[last + 1 :].lstrip("0")


def _distinct(*cores: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in cores if c))


def reading_cores(canonical: str) -> tuple[str, ...]:
    """The cores a reading may stand for when its prefix or zeros were dropped.

    ``digit_core``; the folded reading without leading zeros (a reading "I23456"
    may be "123456" with a misread 1, which ``digit_core`` would strip as a
    letter); and ``tail_core`` (a reading that kept a mixed prefix but lost
    zeros). Distinct and non-empty, in that order.
    """
    return _distinct(
        digit_core(canonical),
        strip_leading_zeros(fold_confusables(canonical)),
        tail_core(canonical),
    )


def serial_cores(marking: str, canonical: str | None = None) -> tuple[str, ...]:
    """The cores a registry marking can be read as once its prefix is dropped.

    ``digit_core`` and ``tail_core`` of the whole marking, and the digit core of
    what follows each separator in the marking as written: Ruger's "196-12345" is
    often recorded as "12345", which no letter-stripping rule would reach. Cores
    are distinct and non-empty, in that order; pass ``canonical`` (the marking's,
    if already known) to save normalising it again.
    """
    if canonical is None:
        canonical = normalise_serial(marking).canonical
    out = [digit_core(canonical), tail_core(canonical)]
    parts = _SEGMENT_SPLIT_RE.split(marking.strip())
    for k in range(1, len(parts)):
        tail = "".join(parts[k:])
        if _CANONICAL_RE.fullmatch(tail):  # the usual case; same as normalise_serial
            tail = _canonical_or_empty(tail)
        else:
            tail = normalise_serial(tail).canonical
        out.append(digit_core(tail))
    return _distinct(*out)


def pattern_matches(pattern: str, serial: str) -> bool:
    """True when ``serial`` fits ``pattern`` position by position (``?`` = any one).

    Both sides are compared folded, as the candidate index compares them.
    """
    if len(pattern) != len(serial):
        return False
    p = fold_confusables(pattern)
    s = fold_confusables(serial)
    return all(a in (WILDCARD, b) for a, b in zip(p, s, strict=True))


def _clean_text(raw: str) -> str:
    """Upper case, accents and homoglyphs folded, other scripts' digits as ASCII."""
    text = unicodedata.normalize("NFKD", raw.translate(_HOMOGLYPHS))
    out: list[str] = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        if ch.isascii():
            out.append(ch.upper())
            continue
        if ch == "°" or ch in _WILDCARD_INPUT:
            out.append(ch)
            continue
        up = ch.upper().translate(_HOMOGLYPHS)
        if up.isascii():
            out.append(up)
        elif ch.isdigit():
            out.append(str(unicodedata.digit(ch, 0)))
        elif ch.isalpha():
            out.append(WILDCARD)  # a letter we cannot transcribe: a position, unread
        elif ch.isspace():
            out.append(" ")
    return "".join(out)


def _compact(text: str) -> str:
    """Keep letters, digits and wildcards; every unreadable mark becomes ``?``."""
    return "".join(
        WILDCARD if ch in _WILDCARD_INPUT else ch
        for ch in text
        if ch in _WILDCARD_INPUT or ("A" <= ch <= "Z") or ("0" <= ch <= "9")
    )


def _strip_glued(compact: str) -> str:
    while (m := _GLUED_RE.match(compact)) is not None:
        compact = compact[m.end() :]
    return compact


def _unreadable(raw: str | None, reason: str) -> SerialReading:
    return SerialReading(raw=raw, canonical="", readable=False, has_wildcards=False, reason=reason)


def normalise_serial(raw: str | None) -> SerialReading:
    """Normalise one serial as written (registry or recovery) to a ``SerialReading``.

    Idempotent: ``normalise_serial(r.canonical).canonical == r.canonical``.
    """
    if raw is None:
        return _unreadable(None, "missing")
    if _CANONICAL_RE.fullmatch(raw):  # already canonical: the common registry case
        return _finish(raw, raw)
    if _SIMPLE_RE.fullmatch(raw):
        upper = raw.upper()
        if _LABEL_RE.match(upper) is None:
            return _finish(raw, _SEPARATORS_RE.sub("", upper))
    text = _clean_text(raw)
    if _compact(text) in UNREADABLE_MARKERS:
        return _unreadable(raw, "marker")
    text = text.strip()
    while True:
        m = _LABEL_RE.match(text)
        if m is None or m.end() == 0:
            break
        text = text[m.end() :]
    return _finish(raw, _compact(text))


def _canonical_or_empty(compact: str) -> str:
    """What ``_finish`` keeps of compact text: the canonical form, or "" if unreadable."""
    compact = _strip_glued(compact)
    if not compact or compact in UNREADABLE_MARKERS or compact.count(WILDCARD) == len(compact):
        return ""
    return compact


def _finish(raw: str, compact: str) -> SerialReading:
    compact = _strip_glued(compact)
    if not compact:
        return _unreadable(raw, "empty")
    if compact in UNREADABLE_MARKERS:
        return _unreadable(raw, "marker")
    if compact.count(WILDCARD) == len(compact):
        return _unreadable(raw, "all_wildcards")
    return SerialReading(
        raw=raw, canonical=compact, readable=True, has_wildcards=WILDCARD in compact
    )
