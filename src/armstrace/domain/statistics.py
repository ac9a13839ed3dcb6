"""Intervals, bounds and rankings for small counts: what a sample supports and no more.

Pure functions on counts. Every result is a small frozen value that carries its
numbers and a one-line ``assumption`` saying what has to be true for them to
mean what they seem to, so a report can print the sentence beside the figure.

Choices, and why:

- **Wilson score interval** for a proportion: closed form, never leaves [0, 1],
  never has zero width at 0 of n or n of n (the Wald interval does, and says a
  custodian with 0 of 3 recovered certainly never leaks), and its coverage stays
  close to nominal for the small n that most custodians have (Brown, Cai and
  DasGupta 2001). ``tests/unit/test_statistics_coverage.py`` checks the coverage
  by simulation.
- **Jeffreys interval**: the equal-tailed posterior interval under the
  Beta(1/2, 1/2) prior, with the usual boundary rule (lower bound 0 when k = 0,
  upper bound 1 when k = n). Computed with the regularised incomplete beta
  function below (continued fraction), so no SciPy is needed.
- **Ranking key: the lower bound of the 95 % Wilson interval**; ties (in
  practice, custodians with no recovery, all at 0) go to the higher upper bound,
  the custodian we can least rule out. "2 of 3" has a lower bound of 0.21; "200 of 400" one of 0.45, so a
  custodian with a long record of leaks ranks above one with three weapons and
  two bad days. The lower bound answers "what rate are we 97.5 % sure this
  custodian exceeds?", which is what an auditor deciding where to go first
  needs; it is monotone in k for fixed n, grows with n for a fixed ratio above
  zero, and is closed form. The alternative, the posterior probability that the
  rate exceeds the overall rate, is reported beside it (``p_above``) but not
  used to rank: it saturates at 1.0 for every clear outlier and then cannot
  order them. ``bench/accuracy_ranking.py`` compares the keys on simulated
  worlds.
- **Worst-case (Manski) bounds** for a share when only n of N were examined:
  [k/N, (k + N - n)/N] holds whatever the unexamined were. Estimates under
  stated assumptions (missing at random; untraced r times as likely) narrow it,
  and say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

__all__ = [
    "RANKING_METHOD",
    "THREE_YEARS_DAYS",
    "Bounds",
    "Interval",
    "RateEstimate",
    "ShareEstimate",
    "TimeToCrime",
    "beta_cdf",
    "beta_ppf",
    "jeffreys_interval",
    "manski_bounds",
    "missing_at_random",
    "prob_above",
    "quantile",
    "rank_key",
    "rate_estimate",
    "ratio_assumption",
    "time_to_crime_summary",
    "wilson_interval",
    "z_value",
]

RANKING_METHOD = "wilson_lower_95"
# "Under three years" as ATF uses it: fewer than 3 x 365.25 days.
THREE_YEARS_DAYS = 1096
DEFAULT_CONFIDENCE = 0.95
_QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)


def _check_counts(k: int, n: int) -> None:
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")


def z_value(confidence: float = DEFAULT_CONFIDENCE) -> float:
    """The two-sided standard normal quantile: 1.959964 for 0.95."""
    _check_confidence(confidence)
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


# --------------------------------------------------------------------------- intervals


@dataclass(frozen=True, slots=True)
class Interval:
    """k of n with an interval for the underlying proportion.

    ``estimate`` is k/n (None when n = 0, where the interval is all of [0, 1]).
    """

    k: int
    n: int
    estimate: float | None
    low: float
    high: float
    confidence: float
    method: str
    assumption: str


def _wilson_bounds(k: int, n: int, z: float) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def wilson_interval(k: int, n: int, confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """The Wilson score interval for k successes in n independent trials."""
    _check_counts(k, n)
    low, high = _wilson_bounds(k, n, z_value(confidence))
    assumption = f"the {n} are independent draws with one common rate (sampling error only)"
    return Interval(k, n, k / n if n else None, low, high, confidence, "wilson", assumption)


def jeffreys_interval(k: int, n: int, confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """The equal-tailed Beta(k + 1/2, n - k + 1/2) posterior interval (Jeffreys prior)."""
    _check_counts(k, n)
    _check_confidence(confidence)
    tail = (1.0 - confidence) / 2.0
    a, b = k + 0.5, n - k + 0.5
    low = 0.0 if k == 0 else beta_ppf(tail, a, b)
    high = 1.0 if k == n else beta_ppf(1.0 - tail, a, b)
    estimate = k / n if n else None
    assumption = f"Bayesian: Jeffreys Beta(1/2, 1/2) prior, {n} exchangeable trials"
    return Interval(k, n, estimate, low, high, confidence, "jeffreys", assumption)


def prob_above(k: int, n: int, threshold: float) -> float:
    """Posterior probability (Jeffreys prior) that the rate exceeds ``threshold``."""
    _check_counts(k, n)
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    return 1.0 - beta_cdf(threshold, k + 0.5, n - k + 0.5)


# ------------------------------------------------------------------ incomplete beta


def _beta_cf(x: float, a: float, b: float) -> float:
    """Continued fraction for the incomplete beta (modified Lentz; Numerical Recipes 6.4)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = tiny if abs(d) < tiny else d
    d = 1.0 / d
    h = d
    # Converges in O(sqrt(max(a, b))) steps; the cap is far above what counts need.
    for m in range(1, 100_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            return h
    raise ArithmeticError(f"incomplete beta did not converge (x={x}, a={a}, b={b})")


def beta_cdf(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b): the Beta(a, b) CDF at x."""
    if a <= 0 or b <= 0:
        raise ValueError(f"beta parameters must be positive, got a={a}, b={b}")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return min(1.0, math.exp(log_front) * _beta_cf(x, a, b) / a)
    return max(0.0, 1.0 - math.exp(log_front) * _beta_cf(1.0 - x, b, a) / b)


def beta_ppf(q: float, a: float, b: float) -> float:
    """The Beta(a, b) quantile: the x with I_x(a, b) = q.

    Newton steps on the CDF, kept inside a shrinking bracket (a step that would
    leave it bisects instead), to a relative precision of 1e-14 in the smaller
    of x and 1 - x (or the spacing of floats near x), so steep tails keep their
    precision. Usually under ten CDF evaluations.
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be in [0, 1], got {q}")
    if a <= 0 or b <= 0:
        raise ValueError(f"beta parameters must be positive, got a={a}, b={b}")
    if q == 0.0:
        return 0.0
    if q == 1.0:
        return 1.0
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    lo, hi = 0.0, 1.0
    x = min(max(a / (a + b), 1e-300), 1.0 - 1e-16)
    for _ in range(500):
        f = beta_cdf(x, a, b) - q
        if f == 0.0:
            return x
        if f < 0.0:
            lo = x
        else:
            hi = x
        log_pdf = (a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - log_beta
        step = f / math.exp(log_pdf) if -700.0 < log_pdf < 700.0 else 0.0
        nxt = x - step
        if not lo < nxt < hi or step == 0.0:
            nxt = (lo + hi) / 2.0
        if nxt <= 0.0 or nxt >= 1.0:  # the root is closer to 0 or 1 than floats resolve
            return hi if nxt <= 0.0 else lo
        if abs(nxt - x) <= 1e-14 * min(nxt, 1.0 - nxt) or hi - lo <= 1e-14 * min(hi, 1.0 - lo):
            return nxt
        x = nxt
    return x


# --------------------------------------------------------------------------- ranking


@dataclass(frozen=True, slots=True)
class RateEstimate:
    """A rate with both intervals and, given a reference rate, P(rate > reference).

    ``p_above`` is None when no reference was given.
    """

    k: int
    n: int
    estimate: float | None
    wilson: Interval
    jeffreys: Interval
    reference: float | None
    p_above: float | None


def rate_estimate(k: int, n: int, reference: float | None = None,
                  confidence: float = DEFAULT_CONFIDENCE) -> RateEstimate:
    """k of n with the Wilson and Jeffreys intervals and P(rate > reference)."""
    w = wilson_interval(k, n, confidence)
    j = jeffreys_interval(k, n, confidence)
    above = prob_above(k, n, reference) if reference is not None else None
    return RateEstimate(k, n, w.estimate, w, j, reference, above)


def rank_key(k: int, n: int) -> tuple[float, float]:
    """Sort key, larger = worse: (95 % Wilson lower bound, upper bound). See the module doc."""
    w = wilson_interval(k, n, DEFAULT_CONFIDENCE)
    return (w.low, w.high)


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True, slots=True)
class Bounds:
    """The share of all N that is positive, when only n were examined (k positive).

    Holds whatever the N - n unexamined were: they could all be negative (``low``)
    or all positive (``high``).
    """

    k: int
    n: int
    total: int
    low: float
    high: float
    assumption: str


@dataclass(frozen=True, slots=True)
class ShareEstimate:
    """The positive share of all N under a stated assumption about the unexamined.

    A share of *these* N weapons: the n examined are counted exactly, and the
    N - n unexamined are positive at a rate the assumption ties to the examined
    rate p. The interval carries the sampling error of p and the chance
    variation of the unexamined themselves (see ``ratio_assumption``); the
    assumption carries everything else. Estimate and interval always lie inside
    the Manski bounds.
    """

    k: int
    n: int
    total: int
    estimate: float
    low: float
    high: float
    confidence: float
    assumption: str


def _check_coverage(k: int, n: int, total: int) -> None:
    _check_counts(k, n)
    if total < n or total <= 0:
        raise ValueError(f"need 0 < n <= N, got n={n}, N={total}")


def manski_bounds(k: int, n: int, total: int) -> Bounds:
    """Worst-case bounds [k/N, (k + N - n)/N] for the positive share of N."""
    _check_coverage(k, n, total)
    missing = total - n
    return Bounds(k, n, total, k / total, (k + missing) / total,
                  f"none: holds whatever the {missing:,} unexamined of {total:,} were")


def missing_at_random(k: int, n: int, total: int,
                      confidence: float = DEFAULT_CONFIDENCE) -> ShareEstimate:
    """The share if the unexamined are like the examined: k/n, the interval as in
    ``ratio_assumption`` with a ratio of 1."""
    r = ratio_assumption(k, n, total, 1.0, confidence)
    return ShareEstimate(k, n, total, k / n, r.low, r.high, confidence,
                         "missing at random: the unexamined are like the examined")


def ratio_assumption(k: int, n: int, total: int, ratio: float,
                     confidence: float = DEFAULT_CONFIDENCE) -> ShareEstimate:
    """The share if each unexamined item is ``ratio`` times as likely to be positive.

    With p the examined rate, each of the m = N - n unexamined is positive with
    probability q = min(1, ratio * p), so the share is T = (k + U) / N with
    U ~ Binomial(m, q). The estimate puts U at its mean. The interval maps a
    Wilson interval of p through p -> (k + m q) / N (monotone), with its z
    widened by g so that the width also carries the binomial variation of U:
    Var(T) = (m/N)^2 ratio^2 p(1-p)/n + m q(1-q)/N^2, hence
    g^2 = 1 + f (1 - ratio p) / ((1 - f) ratio (1 - p)) with f = n/N, evaluated
    at the Wilson centre (never 0 or 1). With ratio = 1 this is the Wilson
    interval with the finite-population correction, which covers at the
    nominal rate when the examined are a random sample
    (``tests/unit/test_statistics_coverage.py``).
    """
    _check_coverage(k, n, total)
    if n == 0:
        raise ValueError("nothing examined: no estimate without data")
    if ratio < 0:
        raise ValueError(f"ratio must be non-negative, got {ratio}")
    missing = total - n
    z = z_value(confidence)

    def share(p: float) -> float:
        return (k + missing * min(1.0, ratio * p)) / total

    statement = f"the unexamined are {ratio:g} times as likely to be positive as the examined"
    point = share(k / n)
    if ratio < 1e-12 or missing == 0:  # nothing (or nothing measurable) left to chance
        return ShareEstimate(k, n, total, point, point, point, confidence, statement)
    f = n / total
    centre = (k + z * z / 2.0) / (n + z * z)
    g2 = 1.0
    if ratio * centre < 1.0:
        g2 += f * (1.0 - ratio * centre) / ((1.0 - f) * ratio * (1.0 - centre))
    low, high = _wilson_bounds(k, n, z * math.sqrt(g2))
    return ShareEstimate(k, n, total, point, min(point, share(low)), max(point, share(high)),
                         confidence, statement)


# ------------------------------------------------------------------- time to crime


@dataclass(frozen=True, slots=True)
class TimeToCrime:
    """Days from the last lawful custody to recovery, summarised.

    ``quantiles`` maps 0.10, 0.25, 0.50, 0.75, 0.90 to days (linear interpolation
    between order statistics, as numpy's default); ``under_three_years`` is the
    share below ``THREE_YEARS_DAYS`` with its Wilson interval (the trafficking
    indicator). Negative values (a recovery dated before the custody it is traced
    to) are contradictions, not data: they are counted in ``negative`` and left out.
    """

    n: int
    negative: int
    quantiles: dict[float, float]
    mean: float | None
    under_three_years: Interval


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (Hyndman and Fan type 7)."""
    if not sorted_values:
        raise ValueError("no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be in [0, 1], got {q}")
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def time_to_crime_summary(days: Iterable[int | None],
                          confidence: float = DEFAULT_CONFIDENCE) -> TimeToCrime:
    """Quantiles, mean and the share under three years of the known, non-negative days."""
    values: list[int] = []
    negative = 0
    for d in days:
        if d is None:
            continue
        if d < 0:
            negative += 1
        else:
            values.append(d)
    values.sort()
    n = len(values)
    under = sum(1 for d in values if d < THREE_YEARS_DAYS)
    qs = {q: quantile(values, q) for q in _QUANTILES} if values else {}
    mean = sum(values) / n if n else None
    return TimeToCrime(n, negative, qs, mean, wilson_interval(under, n, confidence))
