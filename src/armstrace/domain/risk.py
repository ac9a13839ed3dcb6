"""Risk scores from red flags (``risk_v1``): weights learnt from outcomes, shrunk to priors.

Score of a subject = sum over the flags that fire on it of ``weight x dose``:

* ``weight`` (log-odds points) per flag and level. Each flag states a prior
  (``red_flags.INDICATORS``). Where the data hold outcomes, the weight moves towards
  the log likelihood ratio the outcomes show: among subjects with a bad outcome,
  how much more often the flag fired than among the others,
  ``llr = log((a1 + 0.5) / (n1 + 1)) - log((a0 + 0.5) / (n0 + 1))``. The two are
  blended by evidence, ``w = (m * prior + n_eff * llr) / (m + n_eff)`` with
  ``n_eff = min(n1 * n0 / (n1 + n0), a1 + a0)`` (both groups, and how often the
  flag fired at all) and ``m = PRIOR_STRENGTH``: a handful of outcomes
  barely move a prior, hundreds replace it. (Empirical-Bayes shrinkage of a naive
  Bayes log-odds; transparent enough to print.)
* Outcomes: finished end-use checks (unfavourable = bad, favourable = good), each
  worth ``CHECK_WEIGHT`` observations since a check is direct evidence; and, for
  flags that do not read recoveries, whether the subject has any traced recovered
  weapon. Flags that read recoveries never learn from recoveries (that would be
  circular): they keep their prior until checks say otherwise. The two flags that
  carry check findings back (unfavourable / favourable finding) keep their priors.
* Red-flag weights are kept in ``[0, MAX_WEIGHT]`` (a flag the data find useless
  scores nothing rather than counting in favour); the favourable-finding flag in
  ``[-MAX_WEIGHT, 0]``.
* ``dose`` is 1 for a yes/no flag and ``1 + log2(records)`` for a graded one: ten
  recovered weapons count more than one, a hundred not ten times more.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from armstrace.domain.red_flags import BY_CODE, INDICATORS, Evidence

__all__ = ["CHECK_WEIGHT", "PRIOR_STRENGTH", "RISK_VERSION", "Point", "RiskScore", "Weight",
           "check_queue", "dose", "estimate_weights", "score_subjects"]

RISK_VERSION = "risk_v1"
PRIOR_STRENGTH = 20.0
CHECK_WEIGHT = 10.0
MAX_WEIGHT = 4.0
FINDING_FLAGS = frozenset({"unfavourable_finding", "favourable_finding"})


@dataclass(frozen=True, slots=True)
class Weight:
    """One flag's weight at one level, and where it came from."""

    flag: str
    level: str
    prior: float
    weight: float
    llr: float | None  # what the outcomes alone say, when there are any
    fired_bad: float  # a1: outcome-weighted count of bad subjects the flag fired on
    bad: float  # n1
    fired_good: float  # a0
    good: float  # n0
    source: str  # "prior", or the outcomes used ("recoveries", "checks", "recoveries+checks")


@dataclass(frozen=True, slots=True)
class Point:
    """What one flag adds to one subject's score: weight x dose, with its evidence."""

    evidence: Evidence
    weight: float
    dose: float

    @property
    def points(self) -> float:
        return self.weight * self.dose

    def reason(self) -> str:
        ind = BY_CODE[self.evidence.flag]
        return (f"{ind.label} [{ind.version}] {self.points:+.2f} "
                f"(w {self.weight:.2f} x {self.dose:.2f}): {self.evidence.detail}")


@dataclass(frozen=True, slots=True)
class RiskScore:
    subject_kind: str
    subject_id: str
    score: float
    points: tuple[Point, ...]
    size: float  # value (licences) or weapons received (custodians): the tie-break

    @property
    def reasons(self) -> list[str]:
        return [p.reason() for p in self.points]


def dose(ev: Evidence) -> float:
    graded = BY_CODE[ev.flag].graded
    return 1.0 + math.log2(ev.count) if graded and ev.count > 1 else 1.0


def _llr(a1: float, n1: float, a0: float, n0: float) -> float:
    return math.log((a1 + 0.5) / (n1 + 1.0)) - math.log((a0 + 0.5) / (n0 + 1.0))


def estimate_weights(
    level: str,
    subjects: Iterable[str],
    flags: Mapping[tuple[str, str], Sequence[Evidence]],
    recovered: Iterable[str] = (),
    checked: Mapping[str, bool] | None = None,
) -> dict[str, Weight]:
    """Weights of every flag at ``level`` over ``subjects`` (ids of that level).

    ``recovered``: subjects with a traced recovered weapon (the outcome for flags
    that do not read recoveries). ``checked``: subject -> True when its latest
    finished check was unfavourable, False when favourable.
    """
    ids = list(dict.fromkeys(subjects))
    bad_rec = set(recovered)
    checked = dict(checked or {})
    fired: dict[str, set[str]] = {}
    for sid in ids:
        for ev in flags.get((level, sid), ()):
            fired.setdefault(ev.flag, set()).add(sid)
    out: dict[str, Weight] = {}
    for ind, _rule in INDICATORS:
        if level not in ind.levels:
            continue
        on = fired.get(ind.code, set())
        a1 = n1 = a0 = n0 = 0.0
        used = []
        feedback = ind.code in FINDING_FLAGS  # the findings themselves: stated priors only
        if not ind.uses_recoveries and not feedback and ids:
            used.append("recoveries")
            for sid in ids:
                if sid in bad_rec:
                    n1 += 1
                    a1 += sid in on
                else:
                    n0 += 1
                    a0 += sid in on
        if checked and not feedback:
            used.append("checks")
            for sid, bad in checked.items():
                if bad:
                    n1 += CHECK_WEIGHT
                    a1 += CHECK_WEIGHT * (sid in on)
                else:
                    n0 += CHECK_WEIGHT
                    a0 += CHECK_WEIGHT * (sid in on)
        # Evidence is bounded by both group sizes and by how often the flag fired at all:
        # a flag that never fired on a subject with an outcome says nothing either way.
        n_eff = min(n1 * n0 / (n1 + n0), a1 + a0) if n1 > 0 and n0 > 0 else 0.0
        llr = _llr(a1, n1, a0, n0) if n_eff > 0 else None
        w = ind.prior if llr is None else (PRIOR_STRENGTH * ind.prior + n_eff * llr) / (
            PRIOR_STRENGTH + n_eff)
        w = min(0.0, max(-MAX_WEIGHT, w)) if ind.prior < 0 else max(0.0, min(MAX_WEIGHT, w))
        out[ind.code] = Weight(ind.code, level, ind.prior, round(w, 4),
                               None if llr is None else round(llr, 4), a1, n1, a0, n0,
                               "+".join(used) if llr is not None else "prior")
    return out


def score_subjects(
    level: str,
    subjects: Mapping[str, float],
    flags: Mapping[tuple[str, str], Sequence[Evidence]],
    weights: Mapping[str, Weight],
) -> list[RiskScore]:
    """Every subject (id -> size) scored, highest first; ties broken by size, then id."""
    out = []
    for sid, size in subjects.items():
        points = tuple(Point(ev, weights[ev.flag].weight, dose(ev))
                       for ev in flags.get((level, sid), ()) if ev.flag in weights)
        kept = tuple(p for p in points if p.points != 0.0)
        out.append(RiskScore(level, sid, round(sum(p.points for p in kept), 6), kept, size))
    out.sort(key=lambda r: (-r.score, -r.size, r.subject_id))
    return out


def check_queue(scores: Sequence[RiskScore], budget: int,
                skip: Iterable[str] = ()) -> list[RiskScore]:
    """The first ``budget`` subjects to check: highest score first, leaving out ``skip``
    (subjects with a check already open) and subjects no flag fired on."""
    skipped = set(skip)
    return [s for s in scores if s.subject_id not in skipped and s.score > 0][:max(0, budget)]
