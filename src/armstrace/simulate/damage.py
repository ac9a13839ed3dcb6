"""Recording errors: what an officer writes when a weapon is seized.

A tracer tuned to one error model proves nothing, so the errors here are many
and mixed: formatting noise (labels, spaces, dashes, lower case), single
character errors of several kinds (look-alikes, wrong character, swapped
neighbours, inserted or deleted character), structural losses (maker prefix
dropped, leading zeros lost), unreadable characters, two or three errors at once
(beyond a two-edit model, as happens), partial and total obliteration, and
maker, model and calibre written as aliases, loosely, or not at all. Every
applied kind is returned so the ground truth can say exactly what happened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from armstrace.simulate.catalogue import MAKERS, Model
from armstrace.simulate.draws import Weighted, below, pick
from armstrace.simulate.notations import (
    CALIBRE_NOTATIONS,
    LOOKALIKES,
    NOTHING_READABLE,
    SERIAL_LABELS,
    UNREADABLE_MARKS,
    WEAPON_TYPE_WORDS,
)

DIGITS = "0123456789"
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"

CHAR_ERRORS = (
    "lookalike", "substitution", "transposition", "insertion", "deletion",
    "prefix_dropped", "zeros_lost", "unreadable",
)
CHAR_ERROR_WEIGHTS = (5, 4, 3, 2, 2, 2, 2, 3)
P_LABEL, P_SPACE, P_DASH, P_LOWER = 0.10, 0.08, 0.06, 0.08
_CHAR_ERROR_PICK = Weighted(CHAR_ERRORS, CHAR_ERROR_WEIGHTS)


@dataclass(frozen=True, slots=True)
class RecordingProfile:
    """How carefully one agency writes down what it seizes.

    Only the frequencies differ between profiles; every kind of damage stays
    possible in each, so a careful agency's list still holds slips, look-alikes,
    obliterated markings and aliases, just fewer of them. Why profiles at all:
    how often serials are miscopied sets what any tracer can do (a reading that
    equals a licensed serial is that weapon only as often as other weapons'
    slips do not land there), and agencies differ; ``docs/accuracy.md`` measures
    the tracer under each.

    ``perfect``: the whole row recorded exactly as marked. Of the other rows:
    ``obliterated`` (nothing readable), ``serial_missing``, ``partial`` (a run of
    the marking ground away), and ``error_counts``: the chance of 0, 1, 2 or 3
    character-level errors in what is left.
    """

    name: str
    perfect: float
    obliterated: float
    serial_missing: float
    partial: float
    error_counts: tuple[float, float, float, float]


# The simulator's default since the first world: a seizure list typed from paperwork
# in a hurry (rates set by eye; nobody publishes the real error rate). About 45% of
# licensed recoveries carry a damaged or missing serial; 62% are read exactly.
POOR = RecordingProfile("poor", perfect=0.18, obliterated=0.06, serial_missing=0.03,
                        partial=0.05, error_counts=(0.56, 0.28, 0.12, 0.04))
# Lists typed with ordinary care: a character slip in about one serial in nine
# (about 1 % per keystroke over a ten-character row, plus misreadings of worn
# stamps), markings ground off or missing about half as often.
FAIR = RecordingProfile("fair", perfect=0.40, obliterated=0.04, serial_missing=0.02,
                        partial=0.03, error_counts=(0.80, 0.15, 0.04, 0.01))
# A trace unit reading the weapon in hand and checking what it typed: slips are
# rare, obliteration as in the field.
CAREFUL = RecordingProfile("careful", perfect=0.60, obliterated=0.03, serial_missing=0.01,
                           partial=0.02, error_counts=(0.93, 0.06, 0.008, 0.002))
PROFILES: dict[str, RecordingProfile] = {p.name: p for p in (POOR, FAIR, CAREFUL)}


@dataclass(slots=True)
class Reading:
    """A weapon as written down, with the kinds of damage that produced it."""

    serial: str
    obliterated: str
    manufacturer: str
    model: str
    calibre: str
    weapon_type: str
    kinds: list[str] = field(default_factory=list)


def read_weapon(
    rng: random.Random, model: Model, serial: str, prefix_len: int, maker_name: str,
    profile: RecordingProfile = POOR,
) -> Reading:
    """Write down one seized weapon the way a hurried officer might."""
    wtype = pick(rng, WEAPON_TYPE_WORDS.get(model.weapon_type, (model.weapon_type,)))
    if rng.random() < profile.perfect:
        return Reading(serial, "no", maker_name, model.name, model.calibre, model.weapon_type)
    kinds: list[str] = []
    text, obliterated = damage_serial(rng, serial, prefix_len, kinds, profile)
    manufacturer = _maker(rng, model, maker_name, kinds)
    name = _model(rng, model, kinds)
    calibre = _calibre(rng, model, kinds)
    return Reading(text, obliterated, manufacturer, name, calibre, wtype, kinds)


def damage_serial(
    rng: random.Random, serial: str, prefix_len: int, kinds: list[str],
    profile: RecordingProfile = POOR,
) -> tuple[str, str]:
    """Return (recorded serial, serial_obliterated) and append the kinds applied."""
    r = rng.random()
    if r < profile.obliterated:
        kinds.append("obliterated")
        return pick(rng, NOTHING_READABLE), "yes"
    r -= profile.obliterated
    if r < profile.serial_missing:
        kinds.append("serial_missing")
        return "", ""
    r -= profile.serial_missing
    chars = list(serial)
    obliterated = "no" if rng.random() < 0.7 else ""
    if r < profile.partial and len(chars) >= 4:
        _partial(rng, chars)
        kinds.append("partial_obliteration")
        obliterated = "partial"
    else:
        n = _pick_count(rng, profile.error_counts)
        if n:
            chosen = _sample_kinds(rng, n)
            # Structural losses first (they need the intact prefix), unreadable last.
            order = sorted(chosen, key=_ORDER.__getitem__)
            for kind in order:
                if _apply(rng, kind, chars, prefix_len):
                    kinds.append(kind)
                    if kind == "prefix_dropped":
                        prefix_len = 0
    text = "".join(chars)
    if rng.random() < P_SPACE and len(text) > 2:
        text = _insert_sep(rng, text, " ")
        kinds.append("space")
    if rng.random() < P_DASH and len(text) > 2:
        text = _insert_sep(rng, text, "-")
        kinds.append("dash")
    if rng.random() < P_LABEL:
        text = pick(rng, SERIAL_LABELS) + text
        kinds.append("label")
    if rng.random() < P_LOWER and any(c.isalpha() for c in text):
        text = text.lower()
        kinds.append("lowercase")
    return text, obliterated


_ORDER = {
    "prefix_dropped": 0, "zeros_lost": 1, "lookalike": 2, "substitution": 3,
    "transposition": 4, "insertion": 5, "deletion": 6, "unreadable": 9,
}


def _pick_count(rng: random.Random, weights: tuple[float, ...]) -> int:
    r = rng.random()
    for n, w in enumerate(weights):
        if r < w:
            return n
        r -= w
    return len(weights) - 1


def _sample_kinds(rng: random.Random, n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        k = _CHAR_ERROR_PICK.pick(rng)
        if k not in out:
            out.append(k)
    return out


def _apply(rng: random.Random, kind: str, chars: list[str], prefix_len: int) -> bool:
    """Apply one character-level error in place; False when it cannot apply."""
    n = len(chars)
    if kind == "prefix_dropped":
        if prefix_len <= 0 or prefix_len >= n:
            return False
        del chars[:prefix_len]
        return True
    if kind == "zeros_lost":
        i = prefix_len
        j = i
        while j < n - 1 and chars[j] == "0":
            j += 1
        if j == i:
            return False
        del chars[i:j]
        return True
    if kind == "lookalike":
        spots = [i for i, c in enumerate(chars) if c in LOOKALIKES]
        if not spots:
            return False
        i = pick(rng, spots)
        chars[i] = LOOKALIKES[chars[i]]
        return True
    if kind == "substitution":
        i = below(rng, n)
        pool = DIGITS if chars[i].isdigit() else LETTERS
        chars[i] = pick(rng, [c for c in pool if c != chars[i]])
        return True
    if kind == "transposition":
        spots = [i for i in range(n - 1) if chars[i] != chars[i + 1]]
        if not spots:
            return False
        i = pick(rng, spots)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
        return True
    if kind == "insertion":
        i = below(rng, n + 1)
        extra = chars[i - 1] if i and rng.random() < 0.5 else pick(rng, DIGITS)
        chars.insert(i, extra)
        return True
    if kind == "deletion":
        if n <= 3:
            return False
        del chars[below(rng, n)]
        return True
    # unreadable: one or two characters the officer could not make out
    mark = rng.choice(UNREADABLE_MARKS)
    for i in rng.sample(range(n), min(n, rng.choice((1, 1, 2)))):
        chars[i] = mark
    return True


def _partial(rng: random.Random, chars: list[str]) -> None:
    """Grind a contiguous run (40-70 % of the marking) into unreadable marks."""
    n = len(chars)
    run = max(1, min(n - 1, round(n * rng.uniform(0.4, 0.7))))
    start = rng.randrange(n - run + 1)
    mark = rng.choice(UNREADABLE_MARKS)
    for i in range(start, start + run):
        chars[i] = mark


def _insert_sep(rng: random.Random, text: str, sep: str) -> str:
    i = rng.randrange(1, len(text))
    return text[:i] + sep + text[i:]


def _maker(rng: random.Random, model: Model, name: str, kinds: list[str]) -> str:
    r = rng.random()
    if r < 0.30:
        return name
    if r < 0.83:
        kinds.append("maker_alias")
        return pick(rng, MAKERS[model.maker].aliases)
    if r < 0.88:
        kinds.append("maker_typo")
        alias = list(rng.choice(MAKERS[model.maker].aliases))
        i = rng.randrange(len(alias))
        if len(alias) > 4 and rng.random() < 0.5:
            del alias[i]
        else:
            alias[i] = rng.choice([c for c in LETTERS if c != alias[i]])
        return "".join(alias)
    kinds.append("maker_missing")
    return ""


def _model(rng: random.Random, model: Model, kinds: list[str]) -> str:
    r = rng.random()
    if r < 0.35 or not model.loose:
        return model.name
    if r < 0.85:
        kinds.append("model_loose")
        return pick(rng, model.loose)
    kinds.append("model_missing")
    return ""


def _calibre(rng: random.Random, model: Model, kinds: list[str]) -> str:
    r = rng.random()
    notations = CALIBRE_NOTATIONS.get(model.calibre, ())
    if r < 0.30 or not notations:
        return model.calibre
    if r < 0.88:
        kinds.append("calibre_notation")
        return pick(rng, notations)
    kinds.append("calibre_missing")
    return ""
