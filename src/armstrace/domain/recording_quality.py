"""How carefully a store's recoveries were written down, read off the records themselves.

Why the tracer needs to know: a reading that equals a licensed serial is that
weapon only as often as other weapons' slips do not land there. Where one serial
in three is miscopied, a licensed weapon's neighbour in its lot, or a crime gun
one digit away, is read as that serial often enough that an exact reading alone
is not a match; where serials are copied with care, it is. The same scores
cannot be right for both (``armstrace.domain.calibrations``).

How it is read without ground truth: seizure lists repeat the same weapon under
two record numbers (the domain's "duplicates, multiple duplicates"), and the
second row is often written down again. Two rows of one case and one date whose
serials are within two edits of each other are, in all likelihood, one weapon
recorded twice; how often such a pair disagrees is how often a re-reading
slips. Weapons seized together in one raid carry unrelated serials and are not
counted (more than two edits apart); identical pairs include rows copied rather
than re-read, so the rate understates the slip rate by a constant share, which
the calibrations are matched against in the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from armstrace.domain.serials import WILDCARD, normalise_serial
from armstrace.domain.statistics import Interval, wilson_interval

__all__ = ["MIN_CHARACTERS", "ReReading", "reread_disagreement"]

MIN_CHARACTERS = 4  # readings shorter than this pair up by chance
MAX_GROUP = 12  # rows of one case and date compared pairwise; bigger groups are inventories


@dataclass(frozen=True, slots=True)
class ReReading:
    """Pairs of rows that record one weapon twice, and how many of them disagree."""

    pairs: int
    differing: int

    @property
    def rate(self) -> float | None:
        return self.differing / self.pairs if self.pairs else None

    def interval(self) -> Interval | None:
        """95% Wilson interval of the disagreement rate (None without pairs)."""
        return wilson_interval(self.differing, self.pairs) if self.pairs else None


def reread_disagreement(rows: Iterable[tuple[str | None, str | None, str | None]]) -> ReReading:
    """Count re-read pairs among (case_ref, recovered_on, serial) rows.

    A pair is two rows with the same case reference and date whose readable
    serials are equal or within two edits once normalised (look-alikes folded);
    it differs when they are not equal where both were readable.
    """
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for case, day, serial in rows:
        if not case or not day or not serial:
            continue
        reading = normalise_serial(serial)
        if not reading.readable:
            continue
        text = reading.folded
        if len(text) - text.count(WILDCARD) >= MIN_CHARACTERS:
            groups[(case, day[:10])].append(text)
    pairs = differing = 0
    for texts in groups.values():
        if len(texts) < 2 or len(texts) > MAX_GROUP:
            continue
        for i, a in enumerate(texts):
            for b in texts[i + 1:]:
                if _agree(a, b):
                    pairs += 1
                elif OSA.distance(a, b, score_cutoff=2) <= 2:
                    pairs += 1
                    differing += 1
    return ReReading(pairs, differing)


def _agree(a: str, b: str) -> bool:
    """Equal where both could be read: a mark one officer could not make out is no slip."""
    return len(a) == len(b) and all(x == y or WILDCARD in (x, y) for x, y in zip(a, b, strict=True))
