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

The kinds applied are written to ``truth/truth_recoveries.csv`` (``damage``) so the
accuracy tables break down by them. Everything else (parties, licences, items,
custody) is copied unchanged.
"""

from __future__ import annotations

import random
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


def _prefix_len(serial: str) -> int:
    n = 0
    while n < len(serial) - 3 and not serial[n].isdigit():
        n += 1
    return n


def _serial(rng: random.Random, serial: str, kinds: list[str]) -> tuple[str, str]:
    r = rng.random()
    if r < 0.05:
        kinds.append("shift_obliterated")
        return rng.choice(("LIMADO", "ILEGIBLE", "S/N", "")), "yes"
    if r < 0.25:
        kinds.append("shift_perfect")
        return serial, "no"
    chars = list(serial.replace("-", ""))
    n = rng.choices((1, 2, 3), (0.6, 0.3, 0.1))[0]
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


def _maker(rng: random.Random, name: str, kinds: list[str]) -> str:
    r = rng.random()
    if r < 0.25:
        kinds.append("shift_maker_missing")
        return ""
    if r < 0.65:
        return name.split()[0].strip(",").upper()
    if r < 0.80:
        word = name.split()[0].upper()
        vowels = [i for i, c in enumerate(word) if c in "AEIOU"]
        if vowels:
            i = rng.choice(vowels)
            word = word[:i] + word[i + 1:]
        kinds.append("shift_maker_misspelt")
        return word
    return name


def shift_world(src: Path, dst: Path, seed: int) -> Path:
    """Copy the world at ``src`` to ``dst`` with its recoveries re-recorded."""
    rng = random.Random(f"shift:{seed}")

    def record(row: dict[str, str], t: dict[str, str]) -> list[str]:
        kinds: list[str] = []
        row["serial"], row["serial_obliterated"] = _serial(rng, t["true_serial"], kinds)
        row["manufacturer"] = _maker(rng, t["true_manufacturer"], kinds)
        calibre = _CALIBRE.get((t["true_manufacturer"], t["true_model"]), "")
        r = rng.random()
        if r < 0.3 or not calibre:
            row["calibre"] = ""
            kinds.append("shift_calibre_missing")
        else:
            row["calibre"] = rng.choice(CALIBRE_NOTATIONS.get(calibre, (calibre,)))
        row["model"] = "" if rng.random() < 0.4 else t["true_model"]
        return kinds

    return rewrite_world(src, dst, record)
