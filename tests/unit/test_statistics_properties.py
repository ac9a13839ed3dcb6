"""Properties of the intervals, bounds and ranking, by Hypothesis."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from armstrace.domain.exposure import item_exposure
from armstrace.domain.records import CustodyEvent
from armstrace.domain.statistics import (
    beta_cdf,
    beta_ppf,
    jeffreys_interval,
    manski_bounds,
    missing_at_random,
    rank_key,
    ratio_assumption,
    wilson_interval,
)

quick = settings(max_examples=80, deadline=None)


@st.composite
def counts(draw: st.DrawFn, max_n: int = 5_000) -> tuple[int, int]:
    n = draw(st.integers(0, max_n))
    return draw(st.integers(0, n)), n


@st.composite
def coverage_counts(draw: st.DrawFn) -> tuple[int, int, int]:
    total = draw(st.integers(1, 100_000))
    n = draw(st.integers(1, total))
    return draw(st.integers(0, n)), n, total


@quick
@given(counts(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_intervals_are_inside_unit_and_contain_the_estimate(kn: tuple[int, int], conf: float) -> None:
    k, n = kn
    for iv in (wilson_interval(k, n, conf), jeffreys_interval(k, n, conf)):
        assert 0.0 <= iv.low <= iv.high <= 1.0
        if n:
            assert iv.estimate is not None
            assert iv.low <= iv.estimate + 1e-12 and iv.estimate - 1e-12 <= iv.high
            assert iv.high - iv.low > 0  # never the Wald interval's zero width at 0 or n


@quick
@given(counts(2_000))
def test_wider_at_higher_confidence(kn: tuple[int, int]) -> None:
    k, n = kn
    a, b = wilson_interval(k, n, 0.9), wilson_interval(k, n, 0.99)
    assert b.low <= a.low + 1e-12 and a.high <= b.high + 1e-12


@quick
@given(counts(2_000))
def test_symmetry(kn: tuple[int, int]) -> None:
    k, n = kn
    a, b = wilson_interval(k, n), wilson_interval(n - k, n)
    assert abs(a.low - (1 - b.high)) < 1e-9 and abs(a.high - (1 - b.low)) < 1e-9
    j, jj = jeffreys_interval(k, n), jeffreys_interval(n - k, n)
    assert abs(j.low - (1 - jj.high)) < 1e-7


@quick
@given(st.floats(0.05, 5e4), st.floats(0.05, 5e4), st.floats(0.001, 0.999))
def test_beta_ppf_round_trip(a: float, b: float, q: float) -> None:
    """x is the quantile to the precision floats allow: q lies between the CDF a few
    representable steps either side (near 1 those steps are coarse relative to 1 - x).
    The CDF itself is evaluated to about 1e-11 when a and b are in the tens of
    thousands (the density at the median passes 200), hence the 1e-10 slack on q."""
    x = beta_ppf(q, a, b)
    assert 0.0 <= x <= 1.0
    assume(0.0 < x < 1.0)
    delta = max(4 * math.ulp(x), 4 * math.ulp(1.0 - x), 1e-13 * min(x, 1.0 - x))
    slack = 1e-10
    assert beta_cdf(max(0.0, x - delta), a, b) - slack <= q <= beta_cdf(min(1.0, x + delta), a, b) + slack


@quick
@given(counts(2_000))
def test_rank_key_monotone_in_k(kn: tuple[int, int]) -> None:
    k, n = kn
    assume(k < n)
    assert rank_key(k + 1, n) > rank_key(k, n)


@quick
@given(st.integers(1, 50), st.integers(2, 50), st.integers(2, 20))
def test_same_ratio_more_evidence_ranks_worse(k: int, n: int, factor: int) -> None:
    assume(k < n)
    assert rank_key(k * factor, n * factor) > rank_key(k, n)


@quick
@given(coverage_counts(), st.data())
def test_manski_bounds_hold_whatever_the_unexamined(kn: tuple[int, int, int], data: st.DataObject) -> None:
    k, n, total = kn
    b = manski_bounds(k, n, total)
    hidden = data.draw(st.integers(0, total - n))  # any number of positives among the unexamined
    truth = (k + hidden) / total
    assert b.low - 1e-12 <= truth <= b.high + 1e-12
    assert abs((b.high - b.low) - (total - n) / total) < 1e-12


@quick
@given(coverage_counts(), st.floats(0.0, 10.0))
def test_assumption_estimates_stay_inside_the_bounds(kn: tuple[int, int, int], ratio: float) -> None:
    k, n, total = kn
    b = manski_bounds(k, n, total)
    for est in (missing_at_random(k, n, total), ratio_assumption(k, n, total, ratio)):
        assert b.low - 1e-12 <= est.low <= est.estimate + 1e-12
        assert est.estimate <= est.high + 1e-12 and est.high <= b.high + 1e-12
    assert abs(missing_at_random(k, n, total).estimate - k / n) < 1e-12


@quick
@given(coverage_counts(), st.floats(0.0, 3.0), st.floats(0.0, 3.0))
def test_ratio_estimate_grows_with_the_ratio(kn: tuple[int, int, int], r1: float, r2: float) -> None:
    k, n, total = kn
    lo, hi = sorted((r1, r2))
    assert ratio_assumption(k, n, total, lo).estimate <= ratio_assumption(k, n, total, hi).estimate + 1e-12


# ------------------------------------------------------------------- exposure

_PARTIES = ["A", "B", "C", "D"]


@st.composite
def chains(draw: st.DrawFn) -> list[CustodyEvent]:
    steps = draw(st.lists(st.tuples(
        st.sampled_from(["ship", "receive", "transfer", "assign", "loss", "theft", "recover",
                         "destroy", "inventory"]),
        st.sampled_from(_PARTIES), st.sampled_from(_PARTIES)), max_size=10))
    out = []
    for i, (etype, frm, to) in enumerate(steps):
        out.append(CustodyEvent(f"E{i}", etype, f"2010-01-{i + 1:02d}", "I1",
                                frm if etype not in ("receive", "inventory") else None,
                                to if etype not in ("loss", "theft", "destroy") else None))
    return out


@quick
@given(chains())
def test_spells_are_ordered_and_final_custodian_held_a_spell(events: list[CustodyEvent]) -> None:
    exp = item_exposure("I1", events)
    for a, b in zip(exp.spells, exp.spells[1:], strict=False):
        assert a.until is not None and a.until <= b.since
        assert a.end is not None
    assert all(s.end is None for s in exp.spells[-1:]) or exp.spells[-1].until is not None
    if exp.final_custodian is not None:
        assert exp.final_custodian in {s.party_id for s in exp.spells} | set(_PARTIES)
