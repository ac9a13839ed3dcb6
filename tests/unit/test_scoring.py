"""scoring_v2: evidence classes, every named part, posteriors and the status rules."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from armstrace.domain.scoring import (
    CANDIDATE_FEATURES,
    NONE_FEATURES,
    SCORER_VERSION,
    SIGN_CONSTRAINTS,
    CandidateEvidence,
    NoneEvidence,
    ScoringParameters,
    SerialClass,
    Status,
    candidate_matrix,
    candidate_parts,
    candidate_score,
    decide,
    none_matrix,
    none_parts,
    none_score,
    posterior,
    segment_posteriors,
    serial_class,
)

P = ScoringParameters()
EXACT, CONFUSABLE, WILDCARD, DELETION, CORE = range(5)


def test_version_is_stored_with_results() -> None:
    assert SCORER_VERSION == "scoring_v2"


@pytest.mark.parametrize(("route", "distance", "wildcards", "same", "expected"), [
    (EXACT, 0, 0, True, SerialClass.EXACT),
    (CONFUSABLE, 0, 0, True, SerialClass.CONFUSABLE),
    (WILDCARD, 0, 1, True, SerialClass.WILDCARD),
    (WILDCARD, 0, 2, True, SerialClass.WILDCARD),
    (WILDCARD, 0, 3, True, SerialClass.PATTERN),
    (WILDCARD, 1, 1, True, SerialClass.WILDCARD_EDIT),
    (DELETION, 1, 0, True, SerialClass.EDIT1_SAME),
    (DELETION, 1, 0, False, SerialClass.EDIT1_LENGTH),
    (DELETION, 2, 0, True, SerialClass.EDIT2_SAME),
    (DELETION, 2, 0, False, SerialClass.EDIT2_LENGTH),
    (CORE, 3, 0, False, SerialClass.CORE),
])
def test_serial_classes(route: int, distance: int, wildcards: int, same: bool,
                        expected: SerialClass) -> None:
    assert serial_class(route, distance, wildcards, same) is expected


def names(parts: list) -> list[str]:
    return [p.name for p in parts]


def test_every_candidate_reason_is_named_and_sums_to_the_score() -> None:
    ev = CandidateEvidence(SerialClass.WILDCARD, wildcards=2, readable=4, neighbours=7, maker=1,
                           calibre=-1, model=0, region=1, before_export=True, reported_lost=True,
                           destroyed=True, held_after=True, missed_count=True)
    parts = candidate_parts(P, ev)
    assert names(parts) == ["serial_wildcard", "per_unreadable", "short_reading", "crowding",
                            "maker_agree", "calibre_disagree", "model_unknown", "before_export",
                            "region_agree", "reported_lost", "destroyed", "held_after",
                            "missed_count"]
    assert all(p.text for p in parts)
    by = {p.name: p.value for p in parts}
    assert by["per_unreadable"] == pytest.approx(2 * P.per_unreadable)
    assert by["short_reading"] == pytest.approx(2 * P.short_reading)
    assert by["crowding"] == pytest.approx(P.crowding * math.log(8))
    assert by["model_unknown"] == 0.0
    assert candidate_score(P, ev) == pytest.approx(sum(by.values()))


def test_disagreements_and_other_region_are_named() -> None:
    ev = CandidateEvidence(SerialClass.EXACT, maker=-1, calibre=0, model=-1, region=-1)
    assert names(candidate_parts(P, ev)) == ["serial_exact", "maker_disagree", "calibre_unknown",
                                             "model_disagree", "region_disagree"]


def test_never_licensed_reasons() -> None:
    assert names(none_parts(P, NoneEvidence())) == ["never_licensed"]
    parts = none_parts(P, NoneEvidence(reading_among_registry=True, unlicensed_neighbours=3))
    assert names(parts) == ["never_licensed", "reading_among_registry", "unlicensed_neighbours"]
    assert none_score(P, NoneEvidence(True, 3)) == pytest.approx(
        P.never_licensed + P.reading_among_registry + P.unlicensed_neighbours * math.log(4))


def test_matrices_compute_the_same_scores_as_the_parts() -> None:
    evs = [CandidateEvidence(SerialClass(c), wildcards=c % 3, readable=3 + c, neighbours=c * 2,
                             maker=(c % 3) - 1, calibre=((c + 1) % 3) - 1, model=((c + 2) % 3) - 1,
                             region=(c % 3) - 1, before_export=c == 4, reported_lost=c == 5,
                             destroyed=c == 6, held_after=c == 7, missed_count=c == 8)
           for c in range(10)]
    x = candidate_matrix(*(np.array([getattr(e, f) for e in evs]) for f in (
        "serial", "wildcards", "readable", "neighbours", "maker", "calibre", "model", "region",
        "before_export", "reported_lost", "destroyed", "held_after", "missed_count")))
    assert x.shape == (10, len(CANDIDATE_FEATURES))
    q = replace(P, missed_count=1.7)  # every column carries a weight
    np.testing.assert_allclose(x @ q.weights(CANDIDATE_FEATURES), [candidate_score(q, e) for e in evs])
    z = none_matrix(np.array([False, True]), np.array([0, 5]))
    np.testing.assert_allclose(z @ P.weights(NONE_FEATURES),
                               [none_score(P, NoneEvidence(False, 0)), none_score(P, NoneEvidence(True, 5))])


def test_posteriors_per_segment_match_the_scalar_form() -> None:
    scores = np.array([3.0, 1.0, -2.0, 0.5])
    none = np.array([2.0, 1.0, 4.0])
    offsets = np.array([0, 3, 3, 4])
    post, post_none = segment_posteriors(scores, none, offsets)
    p0, n0 = posterior([3.0, 1.0, -2.0], 2.0)
    np.testing.assert_allclose(post[:3], p0)
    assert post_none[0] == pytest.approx(n0)
    assert post_none[1] == pytest.approx(1.0)  # no candidates: surely none of them
    assert post[3] + post_none[2] == pytest.approx(1.0)
    assert sum(p0) + n0 == pytest.approx(1.0)


def test_defaults_respect_the_sign_constraints() -> None:
    for name, sign in SIGN_CONSTRAINTS.items():
        assert sign * getattr(P, name) >= 0, name


def test_weights_round_trip() -> None:
    w = P.weights(CANDIDATE_FEATURES)
    q = P.with_weights(CANDIDATE_FEATURES, w + 1.0)
    np.testing.assert_allclose(q.weights(CANDIDATE_FEATURES), w + 1.0)
    assert q.match_threshold == P.match_threshold


# --------------------------------------------------------------------------- status rules

R = ScoringParameters(match_threshold=0.9, match_ratio=10.0, ambiguous_threshold=0.1,
                      list_ratio=0.1, max_listed=3, min_readable=3)


def test_unreadable_or_too_short_is_untraceable() -> None:
    assert decide(R, [0.99], 0.01, readable=False, readable_chars=0).status == Status.UNTRACEABLE
    assert decide(R, [0.99], 0.01, readable=True, readable_chars=2).status == Status.UNTRACEABLE


def test_a_clear_winner_is_matched() -> None:
    d = decide(R, [0.95, 0.01], 0.04, readable=True, readable_chars=8)
    assert (d.status, d.listed, d.confidence) == (Status.MATCHED, (0,), 0.95)


def test_a_winner_not_clearly_ahead_is_ambiguous() -> None:
    d = decide(ScoringParameters(match_threshold=0.5, match_ratio=10.0), [0.6, 0.1], 0.3,
               readable=True, readable_chars=8)
    assert d.status == Status.AMBIGUOUS


def test_several_plausible_are_ambiguous_and_listed_best_first() -> None:
    d = decide(R, [0.4, 0.3, 0.02], 0.28, readable=True, readable_chars=8)
    assert d.status == Status.AMBIGUOUS
    assert d.listed == (0, 1)  # 0.02 < list_ratio * 0.4
    assert d.confidence == pytest.approx(0.7)


def test_nothing_plausible_is_unmatched_with_the_never_licensed_posterior() -> None:
    d = decide(R, [0.05, 0.01], 0.94, readable=True, readable_chars=8)
    assert (d.status, d.confidence) == (Status.UNMATCHED, 0.94)
    assert decide(R, [], 1.0, readable=True, readable_chars=8).status == Status.UNMATCHED


def test_too_many_equally_plausible_is_untraceable() -> None:
    d = decide(R, [0.1] * 8, 0.2, readable=True, readable_chars=3)
    assert d.status == Status.UNTRACEABLE and d.why == "too many:8"
