"""Interval coverage checked by simulation (fixed seeds; numpy draws, a second or two).

A 95 % interval should cover the true value in about 95 % of samples. For
binomial intervals the exact coverage oscillates with p and n (the lattice of
possible k); these tests simulate 2,000 draws at each point and check the
simulated coverage against the nominal level and against the exact coverage.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from armstrace.domain.statistics import (
    Interval,
    ShareEstimate,
    jeffreys_interval,
    manski_bounds,
    missing_at_random,
    wilson_interval,
)

DRAWS = 2_000
SE = math.sqrt(0.95 * 0.05 / DRAWS)  # about 0.0049


def _covers(method: Callable[[int, int], Interval], k: int, n: int, p: float) -> bool:
    iv = method(k, n)
    return iv.low <= p <= iv.high


def _simulated(method: Callable[[int, int], Interval], p: float, n: int, seed: int) -> float:
    ks = np.random.default_rng(seed).binomial(n, p, size=DRAWS)
    covers = {k: _covers(method, k, n, p) for k in np.unique(ks).tolist()}
    return float(np.mean([covers[k] for k in ks.tolist()]))


def _exact(method: Callable[[int, int], Interval], p: float, n: int) -> float:
    """Sum of the binomial pmf over the k whose interval covers p (pmf < 1e-13 skipped)."""
    total = 0.0
    for k in range(n + 1):
        pmf = math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                       + k * math.log(p) + (n - k) * math.log1p(-p))
        if pmf > 1e-13 and _covers(method, k, n, p):
            total += pmf
    return total


@pytest.mark.parametrize(("p", "n"), [(0.05, 400), (0.1, 400), (0.3, 400), (0.1, 1000),
                                      (0.5, 1000), (0.3, 50), (0.5, 20)])
def test_wilson_95_covers_93_to_97_percent(p: float, n: int) -> None:
    coverage = _simulated(wilson_interval, p, n, seed=int(p * 1000) + n)
    assert 0.93 <= coverage <= 0.97, coverage


GRID = [(p, n) for p in (0.02, 0.05, 0.1, 0.3, 0.5, 0.7) for n in (20, 50, 100, 400, 1000)]


@pytest.mark.parametrize("method", [wilson_interval, jeffreys_interval], ids=["wilson", "jeffreys"])
def test_simulated_coverage_matches_exact_over_a_grid(method: Callable[[int, int], Interval]) -> None:
    """Across rare and common rates, small and large n: simulation agrees with the exact
    coverage; the average is nominal; the worst dips (rare events, small n) are known and bounded."""
    simulated, exact = [], []
    for i, (p, n) in enumerate(GRID):
        s, e = _simulated(method, p, n, seed=100 + i), _exact(method, p, n)
        assert abs(s - e) <= 4 * math.sqrt(e * (1 - e) / DRAWS) + 1e-9, (p, n, s, e)
        simulated.append(s)
        exact.append(e)
    assert 0.94 <= float(np.mean(simulated)) <= 0.96
    assert min(exact) >= 0.88  # Jeffreys dips to 0.885 at p=0.05, n=50; Wilson to 0.92


def _finite_population(select: Callable[[np.random.Generator, np.ndarray, int], np.ndarray],
                       estimate: Callable[[int, int, int], ShareEstimate | None],
                       seed: int, runs: int = 600) -> tuple[float, float]:
    """(coverage of the estimate's interval, coverage of the Manski bounds) of the true share
    of a population of 3,000 (30 % positive) when 750 are examined."""
    rng = np.random.default_rng(seed)
    population = np.zeros(3_000, dtype=bool)
    population[:900] = True
    truth = population.mean()
    hit_est = hit_bounds = 0
    for _ in range(runs):
        examined = select(rng, population, 750)
        k = int(population[examined].sum())
        b = manski_bounds(k, 750, 3_000)
        hit_bounds += b.low <= truth <= b.high
        est = estimate(k, 750, 3_000)
        hit_est += est is not None and est.low <= truth <= est.high
    return hit_est / runs, hit_bounds / runs


def _random(rng: np.random.Generator, pop: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(len(pop), size=n, replace=False)


def _biased(rng: np.random.Generator, pop: np.ndarray, n: int) -> np.ndarray:
    """Positives are three times as likely to be sent for tracing."""
    weights = np.where(pop, 3.0, 1.0)
    return rng.choice(len(pop), size=n, replace=False, p=weights / weights.sum())


def test_missing_at_random_covers_when_it_is_true() -> None:
    """Examined a simple random sample: the MAR interval for the share of these N covers
    at about the nominal rate (it carries the finite-population correction)."""
    est_cov, bound_cov = _finite_population(_random, missing_at_random, seed=7)
    assert 0.93 <= est_cov <= 0.975 and bound_cov == 1.0


def test_bounds_hold_when_missing_at_random_is_false() -> None:
    """Examined chosen by outcome (as when weapons are traced because they look U.S.-made):
    the MAR interval almost never covers; the worst-case bounds always do."""
    est_cov, bound_cov = _finite_population(_biased, missing_at_random, seed=8)
    assert est_cov < 0.05 and bound_cov == 1.0
