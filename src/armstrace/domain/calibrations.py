"""The scorer's calibrations, one per quality of recording, and how one is chosen.

``scoring_v1`` is one model (``armstrace.domain.scoring``): the same evidence,
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
between two profiles' rates before the less cautious one is used, and too few
twice-recorded weapons keep the most cautious calibration. Every trace stores
the calibration's version (``scoring_v1/careful``), so each result stays
explainable by the weights that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass

from armstrace.domain.recording_quality import ReReading
from armstrace.domain.scoring import SCORER_VERSION, ScoringParameters

__all__ = ["CALIBRATIONS", "CAREFUL", "FAIR", "MIN_PAIRS", "POOR", "Calibration", "Choice",
           "by_name", "choose"]

MIN_PAIRS = 100  # twice-recorded weapons needed before the estimate is trusted at all


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
# (``ScoringParameters``' own values; fitted 2026-11-22).
POOR = Calibration("poor", ScoringParameters(), reread_rate=0.1761,
                   fitted_on="medium world, seed 1, poor recording (as simulated)")
FAIR = Calibration("fair", ScoringParameters(
    serial_exact=6.43, serial_confusable=5.15, serial_wildcard=1.65, serial_pattern=0.56,
    serial_wildcard_edit=-2.78, serial_edit1_same=-2.67, serial_edit1_length=-0.83,
    serial_edit2_same=-6.73, serial_edit2_length=-3.71, serial_core=-1.10, per_unreadable=-0.72,
    short_reading=0.00, crowding=-0.67, maker_agree=1.30, maker_disagree=-7.10,
    calibre_agree=0.51, calibre_disagree=-5.12, model_agree=0.32, model_disagree=-2.84,
    before_export=-2.47, region_agree=1.40, region_disagree=-1.40, reported_lost=2.68,
    destroyed=-1.52, held_after=-4.37, never_licensed=4.03, reading_among_registry=1.36,
    unlicensed_neighbours=0.29, match_threshold=0.995, match_ratio=5.0, ambiguous_threshold=0.01,
), reread_rate=0.1409, fitted_on="medium world, seed 1, re-recorded fair (2026-12-05)")
CAREFUL = Calibration("careful", ScoringParameters(
    serial_exact=8.88, serial_confusable=6.16, serial_wildcard=1.99, serial_pattern=0.39,
    serial_wildcard_edit=-3.26, serial_edit1_same=-3.42, serial_edit1_length=-1.64,
    serial_edit2_same=-7.80, serial_edit2_length=-4.89, serial_core=-1.07, per_unreadable=-0.67,
    short_reading=0.00, crowding=-0.70, maker_agree=2.12, maker_disagree=-7.50,
    calibre_agree=0.47, calibre_disagree=-4.64, model_agree=0.24, model_disagree=-3.40,
    before_export=-3.07, region_agree=0.95, region_disagree=-1.67, reported_lost=2.82,
    destroyed=-1.28, held_after=-3.27, never_licensed=4.67, reading_among_registry=0.28,
    unlicensed_neighbours=0.80, match_threshold=0.965, match_ratio=5.0, ambiguous_threshold=0.01,
), reread_rate=0.0527, fitted_on="medium world, seed 1, re-recorded careful (2026-12-05)")
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
    midpoint of their two tuning rates.
    """
    cautious = calibrations[0]
    if estimate.pairs < MIN_PAIRS:
        return Choice(cautious, estimate,
                      f"{estimate.pairs:,} weapons recorded twice (fewer than {MIN_PAIRS}): too few "
                      f"to judge how carefully serials were copied, so the most cautious "
                      f"calibration ({cautious.name})")
    interval = estimate.interval()
    assert interval is not None  # pairs > 0
    chosen = cautious
    for better in calibrations[1:]:
        if interval.high < (chosen.reread_rate + better.reread_rate) / 2:
            chosen = better
    return Choice(chosen, estimate,
                  f"{estimate.differing:,} of {estimate.pairs:,} weapons recorded twice were read "
                  f"two ways ({100 * interval.low:.1f}-{100 * interval.high:.1f}%, 95%); "
                  f"calibration {chosen.name} was fitted where {100 * chosen.reread_rate:.1f}% were")
