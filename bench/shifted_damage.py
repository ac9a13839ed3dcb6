"""Re-record a simulated world's recoveries under a DIFFERENT error model.

The tracer's weights were fitted on the simulator's own recording errors. A
tracer that only works on those proves little, so this module rewrites every
recovery of an evaluation world from its ground truth (true serial, maker,
model) with errors the simulator does not make, or makes at other rates:

* OCR-style confusions outside the look-alike table the tracer folds (A/4, T/7,
  E/F, M/N, K/X, U/V, 3/8, 1/7, 5/6), keypad-neighbour digits, doubled
  characters, a dropped last character, swapped neighbours, a dropped prefix,
  worn ends (the last one to three characters unreadable), stray separators;
* fewer perfect rows, more rows with two or three errors;
* makers as a bare first word, misspelt, or missing more often; calibres and
  models missing more often.

Two sets of rates (``ShiftRates``): ``HURRIED`` (the variant ``shifted``) damages
three serials in four, harsher than the simulator's ``poor`` profile, so no tracer
can come near the targets there; ``CAREFUL`` (``shifted-careful``) makes the same
kinds of mistake as often as the simulator's ``careful`` profile makes its own, so
the targets are within reach and a miss is the tracer's, not the data's: the
question it answers is whether the tracer's care transfers to mistakes it was not
fitted on.

The kinds applied are written to ``truth/truth_recoveries.csv`` (``damage``) so the
accuracy tables break down by them. Everything else (parties, licences, items,
custody) is copied unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from armstrace.simulate.catalogue import MAKERS, MODELS
from armstrace.simulate.notations import CALIBRE_NOTATIONS
from bench.rerecord import rewrite_world

OCR = {"A": "4", "4": "A", "T": "7", "7": "1", "1": "7", "E": "F", "F": "E", "M": "N", "N": "M",
       "K": "X", "X": "K", "U": "V", "V": "U", "3": "8", "8": "3", "5": "6", "6": "5"}
KEYPAD = {"1": "24", "2": "135", "3": "26", "4": "157", "5": "2468", "6": "359", "7": "48",
          "8": "5790", "9": "68", "0": "8"}
KINDS = ("ocr", "keypad", "doubled", "dropped_last", "swap", "prefix_dropped", "worn_end",
         "separator")
WEIGHTS = (4, 3, 2, 2, 2, 2, 2, 1)
_CALIBRE = {(MAKERS[m.maker].name, m.name): m.calibre for m in MODELS}


@dataclass(frozen=True, slots=True)
class ShiftRates:
    """How often the other error model strikes (shares of recoveries)."""

    obliterated: float  # nothing readable
    perfect: float  # serial exact (of the rest)
    error_counts: tuple[float, float, float]  # 1 / 2 / 3 kinds of slip in a damaged serial
    maker_missing: float
    maker_first_word: float
    maker_misspelt: float
    calibre_missing: float
    model_missing: float


HURRIED = ShiftRates(obliterated=0.05, perfect=0.20 / 0.95, error_counts=(0.6, 0.3, 0.1),
                     maker_missing=0.25, maker_first_word=0.40, maker_misspelt=0.15,
                     calibre_missing=0.3, model_missing=0.4)
# the simulator's careful profile leaves about 2.4 serials in 100 with nothing readable
# and slips on about 2.2 of the others (1 - 0.4 x 0.94 x 0.07 ... see RecordingProfile);
# the fields stay as messy as a careful agency's
CAREFUL = ShiftRates(obliterated=0.024, perfect=0.9775, error_counts=(0.8, 0.15, 0.05),
                     maker_missing=0.10, maker_first_word=0.40, maker_misspelt=0.10,
                     calibre_missing=0.15, model_missing=0.2)
# between the two: slips about twice as often as careful (4.9% of rows), so a store re-reads
# two ways about 9% of the time -- below the midpoint between the careful and fair
# calibrations, yet far above where careful was fitted (docs/accuracy.md, "calibration")
MID = ShiftRates(obliterated=0.025, perfect=0.95, error_counts=(0.8, 0.15, 0.05),
                 maker_missing=0.10, maker_first_word=0.40, maker_misspelt=0.10,
                 calibre_missing=0.15, model_missing=0.2)
RATES = {"shifted": HURRIED, "shifted-careful": CAREFUL, "shifted-mid": MID}


def _prefix_len(serial: str) -> int:
    n = 0
    while n < len(serial) - 3 and not serial[n].isdigit():
        n += 1
    return n


def _serial(rng: random.Random, serial: str, kinds: list[str],
            rates: ShiftRates) -> tuple[str, str]:
    r = rng.random()
    if r < rates.obliterated:
        kinds.append("shift_obliterated")
        return rng.choice(("LIMADO", "ILEGIBLE", "S/N", "")), "yes"
    if r < rates.obliterated + (1 - rates.obliterated) * rates.perfect:
        kinds.append("shift_perfect")
        return serial, "no"
    chars = list(serial.replace("-", ""))
    n = rng.choices((1, 2, 3), rates.error_counts)[0]
    chosen = rng.sample(KINDS, n) if n <= len(KINDS) else list(KINDS)
    oblit = "no"
    for kind in sorted(chosen, key=KINDS.index):
        if len(chars) < 4:
            break
        if kind == "ocr":
            spots = [i for i, c in enumerate(chars) if c in OCR]
            if not spots:
                continue
            i = rng.choice(spots)
            chars[i] = OCR[chars[i]]
        elif kind == "keypad":
            spots = [i for i, c in enumerate(chars) if c in KEYPAD]
            if not spots:
                continue
            i = rng.choice(spots)
            chars[i] = rng.choice(KEYPAD[chars[i]])
        elif kind == "doubled":
            i = rng.randrange(len(chars))
            chars.insert(i, chars[i])
        elif kind == "dropped_last":
            chars.pop()
        elif kind == "swap":
            i = rng.randrange(len(chars) - 1)
            if chars[i] == chars[i + 1]:
                continue
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif kind == "prefix_dropped":
            k = _prefix_len("".join(chars))
            if not k:
                continue
            del chars[:k]
        elif kind == "worn_end":
            for j in range(1, min(3, len(chars) - 3) + 1):
                if j == 1 or rng.random() < 0.5:
                    chars[-j] = "*"
            oblit = "partial"
        elif kind == "separator":
            chars.insert(rng.randrange(1, len(chars)), rng.choice(" /."))
        kinds.append(f"shift_{kind}")
    return "".join(chars), oblit


def _maker(rng: random.Random, name: str, kinds: list[str], rates: ShiftRates) -> str:
    r = rng.random()
    if r < rates.maker_missing:
        kinds.append("shift_maker_missing")
        return ""
    if r < rates.maker_missing + rates.maker_first_word:
        return name.split()[0].strip(",").upper()
    if r < rates.maker_missing + rates.maker_first_word + rates.maker_misspelt:
        word = name.split()[0].upper()
        vowels = [i for i, c in enumerate(word) if c in "AEIOU"]
        if vowels:
            i = rng.choice(vowels)
            word = word[:i] + word[i + 1:]
        kinds.append("shift_maker_misspelt")
        return word
    return name


def shift_world(src: Path, dst: Path, seed: int, rates: ShiftRates = HURRIED) -> Path:
    """Copy the world at ``src`` to ``dst`` with its recoveries re-recorded."""
    rng = random.Random(f"shift:{seed}" if rates is HURRIED else f"shift:{seed}:{rates}")

    def record(row: dict[str, str], t: dict[str, str]) -> list[str]:
        kinds: list[str] = []
        row["serial"], row["serial_obliterated"] = _serial(rng, t["true_serial"], kinds, rates)
        row["manufacturer"] = _maker(rng, t["true_manufacturer"], kinds, rates)
        calibre = _CALIBRE.get((t["true_manufacturer"], t["true_model"]), "")
        r = rng.random()
        if r < rates.calibre_missing or not calibre:
            row["calibre"] = ""
            kinds.append("shift_calibre_missing")
        else:
            row["calibre"] = rng.choice(CALIBRE_NOTATIONS.get(calibre, (calibre,)))
        row["model"] = "" if rng.random() < rates.model_missing else t["true_model"]
        return kinds

    return rewrite_world(src, dst, record)
