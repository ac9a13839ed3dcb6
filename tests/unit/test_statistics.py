"""domain.statistics: known values, closed-form identities, and the ranking's promises."""

from __future__ import annotations

import math

import numpy as np
import pytest

from armstrace.domain.provenance import COMPUTED, Provenance, combine, weakest_grade
from armstrace.domain.statistics import (
    THREE_YEARS_DAYS,
    beta_cdf,
    beta_ppf,
    jeffreys_interval,
    manski_bounds,
    missing_at_random,
    prob_above,
    quantile,
    rank_key,
    rate_estimate,
    ratio_assumption,
    time_to_crime_summary,
    wilson_interval,
    z_value,
)


def test_z_value() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)
    with pytest.raises(ValueError):
        z_value(1.0)


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe (1998), Statistics in Medicine 17:857-872, worked examples: score method
    # without continuity correction, to the four places printed there
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_published_values(k: int, n: int, low: float, high: float) -> None:
    w = wilson_interval(k, n)
    assert w.low == pytest.approx(low, abs=6e-5)
    assert w.high == pytest.approx(high, abs=6e-5)
    assert w.estimate == k / n and w.method == "wilson" and "independent" in w.assumption


@pytest.mark.parametrize(("k", "n"), [(2, 3), (200, 400), (5, 10), (10, 10), (7, 1000)])
def test_wilson_bounds_are_the_score_equation_roots(k: int, n: int) -> None:
    """The bounds solve (k/n - p)^2 = z^2 p (1 - p) / n."""
    z2, ph = z_value() ** 2, k / n
    roots = sorted(np.roots([1 + z2 / n, -(2 * ph + z2 / n), ph * ph]).real)
    w = wilson_interval(k, n)
    assert w.low == pytest.approx(max(0.0, roots[0]), abs=1e-9)
    assert w.high == pytest.approx(min(1.0, roots[1]), abs=1e-9)


def test_wilson_empty_and_invalid() -> None:
    w = wilson_interval(0, 0)
    assert (w.estimate, w.low, w.high) == (None, 0.0, 1.0)
    for k, n in ((3, 2), (-1, 2), (0, -1)):
        with pytest.raises(ValueError):
            wilson_interval(k, n)


def test_beta_cdf_closed_forms() -> None:
    for x in (1e-9, 0.01, 0.2, 0.5, 0.77, 0.999):
        # Beta(1/2, 1/2) is the arcsine law; Beta(a, 1) = x^a; Beta(1, b) = 1 - (1 - x)^b
        assert beta_cdf(x, 0.5, 0.5) == pytest.approx(2 / math.pi * math.asin(math.sqrt(x)), abs=1e-12)
        assert beta_cdf(x, 3.5, 1.0) == pytest.approx(x ** 3.5, abs=1e-12)
        assert beta_cdf(x, 1.0, 7.0) == pytest.approx(1 - (1 - x) ** 7, abs=1e-12)
    assert beta_cdf(0.0, 2, 3) == 0.0 and beta_cdf(1.0, 2, 3) == 1.0
    with pytest.raises(ValueError):
        beta_cdf(0.5, 0, 1)


@pytest.mark.parametrize(("k", "n"), [(1, 5), (3, 10), (17, 40), (250, 1000), (68161, 99691)])
def test_beta_cdf_is_the_binomial_tail(k: int, n: int) -> None:
    """I_p(k, n - k + 1) = P(Binomial(n, p) >= k): an exact identity for integer k."""
    for p in (0.05, 0.3, k / n, 0.7):
        ks = np.arange(k, n + 1)
        logpmf = np.array([math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                           for i in ks]) + ks * math.log(p) + (n - ks) * math.log1p(-p)
        tail = float(np.exp(logpmf).sum())
        assert beta_cdf(p, k, n - k + 1) == pytest.approx(tail, rel=1e-8, abs=1e-12)


def test_beta_ppf_inverts_cdf() -> None:
    for a, b in ((0.5, 0.5), (2.5, 7.5), (68161.5, 31530.5), (0.5, 400.5)):
        for q in (0.025, 0.5, 0.975):
            x = beta_ppf(q, a, b)
            assert beta_cdf(x, a, b) == pytest.approx(q, abs=1e-9)
    assert beta_ppf(0.0, 2, 2) == 0.0 and beta_ppf(1.0, 2, 2) == 1.0


def test_jeffreys_interval() -> None:
    j = jeffreys_interval(5, 10)
    # symmetric posterior Beta(5.5, 5.5)
    assert j.low == pytest.approx(1 - j.high, abs=1e-10)
    assert j.low == pytest.approx(0.2235, abs=5e-4)
    assert jeffreys_interval(0, 10).low == 0.0 and jeffreys_interval(10, 10).high == 1.0
    # close to Wilson for large n
    w, j = wilson_interval(400, 1000), jeffreys_interval(400, 1000)
    assert abs(w.low - j.low) < 1e-3 and abs(w.high - j.high) < 1e-3


def test_prob_above() -> None:
    assert prob_above(5, 10, 0.5) == pytest.approx(0.5, abs=1e-10)
    assert prob_above(30, 40, 0.1) > 0.999
    assert prob_above(0, 40, 0.1) < 0.02
    with pytest.raises(ValueError):
        prob_above(1, 2, 1.5)


def test_ranking_respects_uncertainty() -> None:
    """2 of 3 is not worse than 200 of 400, however the ratios compare."""
    assert rank_key(2, 3) < rank_key(200, 400)
    assert rank_key(1, 1) < rank_key(60, 100)
    # more recoveries of the same holdings is worse; the same ratio on more evidence is worse
    assert rank_key(3, 10) < rank_key(4, 10)
    assert rank_key(3, 10) < rank_key(30, 100) < rank_key(300, 1000)
    # nothing recovered: the thinner record (harder to rule out) ranks first
    assert rank_key(0, 2) > rank_key(0, 200)


def test_rate_estimate_carries_both_intervals() -> None:
    r = rate_estimate(12, 40, reference=0.1)
    assert r.estimate == 0.3 and r.wilson.method == "wilson" and r.jeffreys.method == "jeffreys"
    assert r.p_above is not None and r.p_above > 0.99
    assert rate_estimate(12, 40).p_above is None


def test_manski_and_assumptions_worked_example() -> None:
    """GAO-09-709: ~7,200 of ~30,000 seized were traced; 87 % of traced were U.S.-origin."""
    b = manski_bounds(6264, 7200, 30000)
    assert b.low == pytest.approx(0.2088) and b.high == pytest.approx(0.9688)
    assert "22,800" in b.assumption
    mar = missing_at_random(6264, 7200, 30000)
    assert mar.estimate == pytest.approx(0.87)
    assert b.low <= mar.low <= mar.estimate <= mar.high <= b.high
    half = ratio_assumption(6264, 7200, 30000, 0.5)
    assert half.estimate == pytest.approx((6264 + 22800 * 0.435) / 30000)
    assert "0.5 times" in half.assumption
    assert ratio_assumption(6264, 7200, 30000, 0.0).estimate == pytest.approx(b.low)
    assert ratio_assumption(6264, 7200, 30000, 1e9).estimate == pytest.approx(b.high)
    with pytest.raises(ValueError):
        manski_bounds(5, 10, 9)
    with pytest.raises(ValueError):
        missing_at_random(0, 0, 10)


def test_quantile_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    values = sorted(rng.integers(0, 5000, size=37).tolist())
    for q in (0.0, 0.1, 0.25, 0.5, 0.9, 1.0):
        assert quantile(values, q) == pytest.approx(float(np.percentile(values, 100 * q)))
    with pytest.raises(ValueError):
        quantile([], 0.5)


def test_time_to_crime_summary() -> None:
    days = [100, 400, None, 800, THREE_YEARS_DAYS - 1, THREE_YEARS_DAYS, 4000, -5]
    s = time_to_crime_summary(days)
    assert s.n == 6 and s.negative == 1
    assert s.under_three_years.k == 4 and s.under_three_years.n == 6
    assert s.quantiles[0.5] == pytest.approx((800 + THREE_YEARS_DAYS - 1) / 2)
    assert s.mean == pytest.approx(sum(d for d in days if d is not None and d >= 0) / 6)
    empty = time_to_crime_summary([None])
    assert empty.n == 0 and empty.quantiles == {} and empty.mean is None


def test_provenance_grades() -> None:
    assert weakest_grade(["primary", "secondary", "primary_quoted"]) == "secondary"
    assert weakest_grade(["secondary", "unverified_seed"]) == "unverified_seed"
    assert weakest_grade([COMPUTED]) == COMPUTED
    assert weakest_grade(["primary", "made_up"]) == "made_up"
    p = combine([Provenance(("a", "b"), "primary"), Provenance(("b", "c"), "low")], note="x")
    assert p == Provenance(("a", "b", "c"), "low", "x")
