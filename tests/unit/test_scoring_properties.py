"""Properties scoring_v2 must keep whatever the fitted weights are.

More agreement never lowers a candidate's score; a denser neighbourhood (more
registry serials as close, or more unlicensed numbers around the reading) never
raises confidence; posteriors are probabilities.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from armstrace.domain.scoring import (
    SIGN_CONSTRAINTS,
    CandidateEvidence,
    NoneEvidence,
    ScoringParameters,
    SerialClass,
    candidate_score,
    decide,
    none_score,
    posterior,
)

agreement = st.sampled_from([-1, 0, 1])
evidence = st.builds(
    CandidateEvidence,
    serial=st.sampled_from(list(SerialClass)),
    wildcards=st.integers(0, 5), readable=st.integers(0, 12), neighbours=st.integers(0, 500),
    maker=agreement, calibre=agreement, model=agreement, region=agreement,
    before_export=st.booleans(), reported_lost=st.booleans(), destroyed=st.booleans(),
    held_after=st.booleans(),
)


@st.composite
def parameters(draw: st.DrawFn) -> ScoringParameters:
    """Default weights, or random ones obeying the sign constraints (any refit must)."""
    p = ScoringParameters()
    if draw(st.booleans()):
        return p
    changes = {}
    for name, sign in SIGN_CONSTRAINTS.items():
        changes[name] = sign * draw(st.floats(0, 10, allow_nan=False))
    return replace(p, **changes)


@settings(max_examples=300, deadline=None)
@given(p=parameters(), ev=evidence, field=st.sampled_from(["maker", "calibre", "model", "region"]),
       data=st.data())
def test_more_agreement_never_lowers_the_score(p: ScoringParameters, ev: CandidateEvidence,
                                               field: str, data: st.DataObject) -> None:
    lo = data.draw(agreement)
    hi = data.draw(st.integers(lo, 1))
    assert candidate_score(p, replace(ev, **{field: hi})) >= candidate_score(p, replace(ev, **{field: lo}))


@settings(max_examples=300, deadline=None)
@given(p=parameters(), ev=evidence, others=st.lists(st.floats(-10, 10), max_size=6),
       none=st.floats(-5, 10), extra=st.integers(1, 1000))
def test_denser_registry_never_raises_confidence(p: ScoringParameters, ev: CandidateEvidence,
                                                  others: list[float], none: float, extra: int) -> None:
    sparse = candidate_score(p, ev)
    dense = candidate_score(p, replace(ev, neighbours=ev.neighbours + extra))
    assert dense <= sparse
    before, _ = posterior([sparse, *others], none)
    after, _ = posterior([dense, *others], none)
    assert after[0] <= before[0] + 1e-12


@settings(max_examples=300, deadline=None)
@given(p=parameters(), among=st.booleans(), near=st.integers(0, 200), extra=st.integers(1, 200),
       scores=st.lists(st.floats(-10, 15), min_size=1, max_size=8))
def test_more_unlicensed_numbers_around_never_raises_confidence(
        p: ScoringParameters, among: bool, near: int, extra: int, scores: list[float]) -> None:
    base = none_score(p, NoneEvidence(among, near))
    denser = none_score(p, NoneEvidence(among, near + extra))
    inside = none_score(p, NoneEvidence(True, near))
    assert denser >= base and inside >= none_score(p, NoneEvidence(False, near))
    before, _ = posterior(scores, base)
    after, _ = posterior(scores, denser)
    assert all(a <= b + 1e-12 for a, b in zip(after, before, strict=True))
    ranked = sorted(range(len(scores)), key=lambda i: -before[i])
    d0 = decide(p, [before[i] for i in ranked], 1 - sum(before), readable=True, readable_chars=8)
    d1 = decide(p, [after[i] for i in ranked], 1 - sum(after), readable=True, readable_chars=8)
    if d0.status != "matched":
        assert d1.status != "matched"  # denser never turns a non-match into a match


@settings(max_examples=200, deadline=None)
@given(scores=st.lists(st.floats(-50, 50), max_size=20), none=st.floats(-50, 50))
def test_posteriors_are_probabilities(scores: list[float], none: float) -> None:
    post, p0 = posterior(scores, none)
    assert all(0.0 <= v <= 1.0 for v in [*post, p0])
    assert np.isclose(sum(post) + p0, 1.0)
