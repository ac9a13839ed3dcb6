"""Recording quality read off the records, and the calibration it chooses."""

from __future__ import annotations

import pytest

from armstrace.domain.calibrations import (
    CALIBRATIONS,
    CAREFUL,
    FAIR,
    MIN_PAIRS,
    POOR,
    TOLERANCE,
    Calibration,
    by_name,
    choose,
)
from armstrace.domain.recording_quality import ReReading, reread_disagreement
from armstrace.domain.scoring import SCORER_VERSION, ScoringParameters


def test_a_weapon_recorded_twice_the_same_way_is_an_agreeing_pair() -> None:
    rows = [("AP/PGR/001/2009", "2009-11-30", "BFI-100001"),
            ("AP/PGR/001/2009", "2009-11-30T10:00:00Z", "bfi 100001")]
    assert reread_disagreement(rows) == ReReading(pairs=1, differing=0)


def test_a_slip_between_the_two_rows_is_a_differing_pair() -> None:
    rows = [("C-1", "2010-01-02", "LE012345"), ("C-1", "2010-01-02", "LE012845")]
    assert reread_disagreement(rows) == ReReading(pairs=1, differing=1)


def test_look_alikes_and_unreadable_marks_do_not_count_as_disagreement() -> None:
    rows = [("C-1", "2010-01-02", "LE0I2345"), ("C-1", "2010-01-02", "LE012345"),
            ("C-2", "2010-01-03", "38SS12?93"), ("C-2", "2010-01-03", "38SS12993")]
    assert reread_disagreement(rows) == ReReading(pairs=2, differing=0)


def test_weapons_seized_together_are_not_pairs() -> None:
    # one raid, three unrelated weapons: serials far apart are different weapons
    rows = [("RAID-7", "2012-05-05", "LE012345"), ("RAID-7", "2012-05-05", "196-44871"),
            ("RAID-7", "2012-05-05", "KLX90021")]
    assert reread_disagreement(rows) == ReReading(pairs=0, differing=0)


def test_rows_of_other_cases_dates_or_without_a_serial_are_not_paired() -> None:
    rows = [("C-1", "2010-01-02", "LE012345"), ("C-2", "2010-01-02", "LE012345"),
            ("C-1", "2010-01-03", "LE012345"), ("C-1", "2010-01-02", "ILEGIBLE"),
            (None, "2010-01-02", "LE012345"), ("C-1", None, "LE012345"), ("C-1", "2010-01-02", None)]
    assert reread_disagreement(rows).pairs == 0


def test_too_few_pairs_keep_the_most_cautious_calibration() -> None:
    choice = choose(ReReading(pairs=MIN_PAIRS - 1, differing=0))
    assert choice.calibration is CALIBRATIONS[0] is POOR
    assert "too few" in choice.reason


def test_careful_records_choose_the_careful_calibration() -> None:
    choice = choose(ReReading(pairs=2000, differing=110))  # 5.5%, like the careful tuning world
    assert choice.calibration.name == "careful"
    assert "110 of 2,000" in choice.reason and choice.calibration.version == f"{SCORER_VERSION}/careful"


def test_poor_records_keep_the_poor_calibration() -> None:
    assert choose(ReReading(pairs=2000, differing=440)).calibration is POOR  # 22%


def test_an_uncertain_estimate_leans_to_caution() -> None:
    """A rate whose interval reaches past the midpoint keeps the more cautious side."""
    low = CALIBRATIONS[-1]
    mid = (CALIBRATIONS[-2].reread_rate + low.reread_rate) / 2
    k = round(0.9 * mid * 120)  # point estimate below the midpoint, but 120 pairs are few
    estimate = ReReading(pairs=120, differing=k)
    interval = estimate.interval()
    assert interval is not None and estimate.rate is not None
    assert estimate.rate < mid < interval.high
    assert choose(estimate).calibration is not low


def test_a_sure_rate_far_above_where_careful_was_fitted_keeps_fair() -> None:
    """8.9% with a narrow interval: under the careful/fair midpoint, but careful's precision
    is gone by then (98.94% on such a medium world), so the tolerance holds it back."""
    estimate = ReReading(pairs=19_955, differing=1_768)
    interval = estimate.interval()
    assert interval is not None
    assert interval.high < (FAIR.reread_rate + CAREFUL.reread_rate) / 2
    choice = choose(estimate)
    assert choice.calibration is FAIR
    assert "careful was fitted where 5.3% were and is used up to 6.6%" in choice.reason


def test_the_tolerance_is_a_bound_on_the_rate_not_on_the_interval() -> None:
    just_under = round(CAREFUL.reread_rate * TOLERANCE * 20_000) - 1
    assert choose(ReReading(20_000, just_under)).calibration is CAREFUL
    assert choose(ReReading(20_000, just_under + 20)).calibration is FAIR


@pytest.mark.parametrize("rate", [0.0, 0.03, 0.1, 0.2, 0.3, 0.6])
def test_a_higher_disagreement_never_chooses_a_less_cautious_calibration(rate: float) -> None:
    order = [c.name for c in CALIBRATIONS]
    here = order.index(choose(ReReading(1000, round(rate * 1000))).calibration.name)
    worse = order.index(choose(ReReading(1000, round(min(1.0, rate + 0.1) * 1000))).calibration.name)
    assert worse <= here


def test_calibrations_run_from_most_to_least_cautious_and_are_named() -> None:
    rates = [c.reread_rate for c in CALIBRATIONS]
    assert rates == sorted(rates, reverse=True)
    assert by_name("poor") is POOR and POOR.params == ScoringParameters()
    with pytest.raises(KeyError, match="auto or one of poor"):
        by_name("sloppy")


def test_a_custom_list_of_calibrations_is_honoured() -> None:
    strict = Calibration("strict", ScoringParameters(match_threshold=0.999), 0.5, "test")
    lax = Calibration("lax", ScoringParameters(match_threshold=0.9), 0.01, "test")
    assert choose(ReReading(5000, 50), (strict, lax)).calibration is lax
    assert choose(ReReading(5000, 1500), (strict, lax)).calibration is strict
