"""The scorer's calibrations, one per quality of recording, and how one is chosen.

``scoring_v2`` is one model (``armstrace.domain.scoring``): the same evidence,
the same parts. Its weights and thresholds are not constants of nature, though:
how much an exact reading is worth depends on how often readings slip, because
the slips of other weapons -- a licensed weapon's neighbour in its lot, a crime
gun one digit away -- land on licensed serials as often as officers miscopy.
Fitted where one serial in three is miscopied, the scorer rightly doubts an
exact reading (about 96% sure: it is wrong about one time in twenty there); the
same doubt on carefully kept records sends to review weapons it could name.

So the model carries one calibration per recording profile of the simulator
(``armstrace.simulate.damage``), each fitted on the tuning world (medium scale,
seed 1) written down under that profile, never on an evaluation world:

    .venv/bin/python -m bench.fit_scoring --seed 1 --scale medium --variant careful \\
        --keep-unlicensed 0.1

and a store's own calibration is chosen from its records: how often a weapon
recorded twice was read two ways (``armstrace.domain.recording_quality``). The
rule leans to caution: the interval of that rate must lie below the midpoint
between two profiles' rates before the less cautious one is used, the rate
itself must be within ``TOLERANCE`` of the rate that calibration was fitted at,
and too few twice-recorded weapons keep the most cautious calibration. The
tolerance is there because precision does not fade gently up to the midpoint:
the careful calibration kept 99.56% precision on a medium world whose records
were re-read two ways 5.3% of the time, and fell to 98.94% on one at 8.9%
(an error model it was not fitted on, still below the midpoint of 9.65%). Every trace stores
the calibration's version (``scoring_v2/careful``), so each result stays
explainable by the weights that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass

from armstrace.domain.recording_quality import ReReading
from armstrace.domain.scoring import SCORER_VERSION, ScoringParameters

__all__ = ["CALIBRATIONS", "CAREFUL", "FAIR", "MIN_PAIRS", "POOR", "TOLERANCE", "Calibration",
           "Choice", "by_name", "choose"]

MIN_PAIRS = 100  # twice-recorded weapons needed before the estimate is trusted at all
TOLERANCE = 1.25  # a calibration is used up to a quarter above the rate it was fitted at


@dataclass(frozen=True, slots=True)
class Calibration:
    """Weights and thresholds fitted on records of one quality."""

    name: str
    params: ScoringParameters
    reread_rate: float  # re-reading disagreement on its tuning world
    fitted_on: str

    @property
    def version(self) -> str:
        return f"{SCORER_VERSION}/{self.name}"


@dataclass(frozen=True, slots=True)
class Choice:
    """The calibration used for a store, and why."""

    calibration: Calibration
    estimate: ReReading | None  # None when the calibration was named by the user
    reason: str


# The most cautious first: seizure lists as poor as the simulator's default
# (``ScoringParameters``' own values; refitted 2026-12-05).
POOR = Calibration("poor", ScoringParameters(), reread_rate=0.1741,
                   fitted_on="medium world, seed 1, poor recording (as simulated)")
FAIR = Calibration("fair", ScoringParameters(
    serial_exact=6.34, serial_confusable=3.78, serial_wildcard=2.39, serial_pattern=-0.04,
    serial_wildcard_edit=-2.41, serial_edit1_same=-2.44, serial_edit1_length=-0.32,
    serial_edit2_same=-6.66, serial_edit2_length=-3.42, serial_core=-1.06, per_unreadable=-0.44,
    short_reading=0.00, crowding=-0.68, maker_agree=1.12, maker_disagree=-7.83, calibre_agree=0.00,
    calibre_disagree=-5.81, model_agree=0.47, model_disagree=-2.36, before_export=-2.58,
    region_agree=1.25, region_disagree=-1.74, reported_lost=2.83, destroyed=-3.65,
    held_after=-4.07, missed_count=2.60, never_licensed=3.84, reading_among_registry=1.85,
    unlicensed_neighbours=0.11,
    match_threshold=0.995, match_ratio=5.0, ambiguous_threshold=0.005,
), reread_rate=0.1402, fitted_on="medium world, seed 1, re-recorded fair (2026-12-05)")
CAREFUL = Calibration("careful", ScoringParameters(
    serial_exact=7.62, serial_confusable=2.85, serial_wildcard=2.10, serial_pattern=0.40,
    serial_wildcard_edit=-1.42, serial_edit1_same=-4.14, serial_edit1_length=-1.43,
    serial_edit2_same=-7.98, serial_edit2_length=-3.45, serial_core=-1.56, per_unreadable=-0.24,
    short_reading=0.00, crowding=-0.77, maker_agree=3.04, maker_disagree=-6.92, calibre_agree=0.06,
    calibre_disagree=-5.03, model_agree=0.70, model_disagree=-2.40, before_export=-1.50,
    region_agree=2.21, region_disagree=-0.79, reported_lost=2.36, destroyed=-0.62,
    held_after=-4.49, missed_count=2.60, never_licensed=7.01, reading_among_registry=0.79,
    unlicensed_neighbours=0.00,
    match_threshold=0.95, match_ratio=5.0, ambiguous_threshold=0.01,
), reread_rate=0.0528, fitted_on="medium world, seed 1, re-recorded careful (2026-12-05)")
CALIBRATIONS: tuple[Calibration, ...] = (POOR, FAIR, CAREFUL)


def by_name(name: str) -> Calibration:
    """The calibration called ``name`` (KeyError naming the known ones)."""
    for c in CALIBRATIONS:
        if c.name == name:
            return c
    raise KeyError(f"unknown calibration {name!r}; use auto or one of "
                   + ", ".join(c.name for c in CALIBRATIONS))


def choose(estimate: ReReading, calibrations: tuple[Calibration, ...] = CALIBRATIONS) -> Choice:
    """The least cautious calibration the store's re-reading rate surely allows.

    ``calibrations`` run from the most cautious (highest re-reading rate) down.
    Moving from one to the next needs the 95% interval's upper end below the
    midpoint of their two tuning rates, and the rate no more than ``TOLERANCE``
    times the next one's tuning rate.
    """
    cautious = calibrations[0]
    if estimate.pairs < MIN_PAIRS:
        return Choice(cautious, estimate,
                      f"{estimate.pairs:,} weapons recorded twice (fewer than {MIN_PAIRS}): too few "
                      f"to judge how carefully serials were copied, so the most cautious "
                      f"calibration ({cautious.name})")
    interval = estimate.interval()
    assert interval is not None  # pairs > 0
    rate = estimate.differing / estimate.pairs
    chosen = cautious
    beyond: Calibration | None = None  # the next calibration, held back by the tolerance
    for better in calibrations[1:]:
        if interval.high < (chosen.reread_rate + better.reread_rate) / 2:
            if rate <= better.reread_rate * TOLERANCE:
                chosen = better
            elif beyond is None:
                beyond = better
    reason = (f"{estimate.differing:,} of {estimate.pairs:,} weapons recorded twice were read "
              f"two ways ({100 * interval.low:.1f}-{100 * interval.high:.1f}%, 95%); "
              f"calibration {chosen.name} was fitted where {100 * chosen.reread_rate:.1f}% were")
    if beyond is not None:
        reason += (f" ({beyond.name} was fitted where {100 * beyond.reread_rate:.1f}% were and is "
                   f"used up to {100 * beyond.reread_rate * TOLERANCE:.1f}%)")
    return Choice(chosen, estimate, reason)
