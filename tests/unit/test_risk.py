"""risk_v1: weights from outcomes shrunk to priors, doses, scores with reasons, the queue;
and the check records' rules (findings, outcomes, fiscal-year summary)."""

from __future__ import annotations

import math

import pytest

from armstrace.domain.checks import (
    Check,
    CheckError,
    Finding,
    annual_summary,
    cause_counts,
    fiscal_year,
    outcomes,
    validate_check,
    validate_finding,
)
from armstrace.domain.red_flags import BY_CODE, LICENCE, Evidence
from armstrace.domain.risk import (
    CHECK_WEIGHT,
    MAX_WEIGHT,
    PRIOR_STRENGTH,
    check_queue,
    dose,
    estimate_weights,
    score_subjects,
)


def ev(flag: str, sid: str, count: int = 1) -> Evidence:
    return Evidence(flag, LICENCE, sid, count, tuple(f"X{i}" for i in range(count)), f"{flag} on {sid}")


def flags_on(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list[Evidence]]:
    out: dict[tuple[str, str], list[Evidence]] = {}
    for flag, sid in pairs:
        out.setdefault((LICENCE, sid), []).append(ev(flag, sid))
    return out


IDS = [f"L{i}" for i in range(40)]


def test_without_outcomes_every_weight_is_its_stated_prior() -> None:
    weights = estimate_weights(LICENCE, IDS, flags_on([("broker_consignee", "L1")]))
    assert weights["broker_consignee"].weight == BY_CODE["broker_consignee"].prior
    assert all(w.source == "prior" for w in weights.values())


def test_recoveries_move_ex_ante_weights_but_not_flags_that_read_recoveries() -> None:
    # broker consignee fires on 10 licences, all with recoveries; the other 30 have none.
    brokers = IDS[:10]
    pairs = [("broker_consignee", s) for s in brokers] + [("recovered_serials", s) for s in brokers]
    weights = estimate_weights(LICENCE, IDS, flags_on(pairs), recovered=brokers)
    w = weights["broker_consignee"]
    n1, n0 = 10.0, 30.0
    llr = math.log(10.5 / 11) - math.log(0.5 / 31)
    n_eff = n1 * n0 / (n1 + n0)
    expected = (PRIOR_STRENGTH * 1.0 + n_eff * llr) / (PRIOR_STRENGTH + n_eff)
    assert w.source == "recoveries" and w.llr == pytest.approx(llr, abs=1e-4)
    assert w.weight == pytest.approx(expected, abs=1e-4) and w.weight > w.prior
    assert weights["recovered_serials"].source == "prior"  # never learns from recoveries


def test_a_flag_that_never_fires_keeps_its_prior_whatever_the_outcomes() -> None:
    weights = estimate_weights(LICENCE, IDS, flags_on([("new_party", "L1")]), recovered=IDS[:38])
    w = weights["party_not_on_licence"]
    assert (w.weight, w.llr, w.source) == (BY_CODE["party_not_on_licence"].prior, None, "prior")


def test_a_flag_the_outcomes_contradict_scores_nothing_rather_than_negative() -> None:
    others = IDS[10:20]
    weights = estimate_weights(LICENCE, IDS, flags_on([("new_party", s) for s in others]),
                               recovered=IDS[:10])
    assert weights["new_party"].llr is not None and weights["new_party"].llr < 0
    assert 0.0 <= weights["new_party"].weight < BY_CODE["new_party"].prior


def test_an_unfavourable_finding_raises_the_weights_of_the_flags_it_had() -> None:
    pairs = [("short_time_to_crime", "L1"), ("short_time_to_crime", "L2")]
    before = estimate_weights(LICENCE, IDS, flags_on(pairs))["short_time_to_crime"]
    after = estimate_weights(LICENCE, IDS, flags_on(pairs),
                             checked={"L1": True, "L5": False})["short_time_to_crime"]
    assert after.source == "checks" and after.bad == CHECK_WEIGHT
    assert after.weight > before.weight
    # the finding flags themselves keep their priors
    assert estimate_weights(LICENCE, IDS, flags_on([("unfavourable_finding", "L1")]),
                            checked={"L1": True, "L5": False})["unfavourable_finding"].source == "prior"


def test_weights_are_bounded() -> None:
    pairs = [("party_not_on_licence", s) for s in IDS[:20]]
    checked = {s: True for s in IDS[:20]} | {s: False for s in IDS[20:]}
    w = estimate_weights(LICENCE, IDS, flags_on(pairs), recovered=IDS[:20], checked=checked)
    assert w["party_not_on_licence"].weight == MAX_WEIGHT


def test_dose_grows_with_the_log_of_the_records_for_graded_flags_only() -> None:
    assert dose(ev("recovered_serials", "L1", 1)) == 1.0
    assert dose(ev("recovered_serials", "L1", 8)) == 4.0
    assert dose(ev("broker_consignee", "L1", 8)) == 1.0


def test_scores_add_weight_times_dose_with_a_reason_for_each_point() -> None:
    flags = {(LICENCE, "A"): [ev("recovered_serials", "A", 4), ev("broker_consignee", "A")],
             (LICENCE, "B"): [ev("broker_consignee", "B")]}
    weights = estimate_weights(LICENCE, ["A", "B", "C"], flags)
    scores = score_subjects(LICENCE, {"A": 10.0, "B": 5.0, "C": 1e9}, flags, weights)
    assert [s.subject_id for s in scores] == ["A", "B", "C"]
    assert scores[0].score == pytest.approx(1.5 * 3 + 1.0)
    assert len(scores[0].reasons) == 2 and "recovered_serials_v1" in scores[0].reasons[0]
    assert "+4.50 (w 1.50 x 3.00)" in scores[0].reasons[0]
    assert scores[2].score == 0 and scores[2].points == ()


def test_ties_break_by_size_and_the_queue_respects_budget_and_open_checks() -> None:
    flags = {(LICENCE, s): [ev("broker_consignee", s)] for s in ("A", "B", "C")}
    weights = estimate_weights(LICENCE, ["A", "B", "C", "D"], flags)
    scores = score_subjects(LICENCE, {"A": 1.0, "B": 3.0, "C": 2.0, "D": 9.0}, flags, weights)
    assert [s.subject_id for s in scores[:3]] == ["B", "C", "A"]
    assert [s.subject_id for s in check_queue(scores, 2)] == ["B", "C"]
    assert [s.subject_id for s in check_queue(scores, 2, skip={"B"})] == ["C", "A"]
    assert [s.subject_id for s in check_queue(scores, 10)] == ["B", "C", "A"]  # D: no flag


# ------------------------------------------------------------------ check records


def check(cid: str, opened: str, ctype: str = "post_shipment") -> Check:
    return Check(cid, opened, ctype, LICENCE, "L1")


def test_findings_use_the_vocabulary_and_unfavourable_needs_a_cause() -> None:
    assert validate_finding("unfavourable", ["retransfer", "retransfer"]) == ("retransfer",)
    assert validate_finding("favourable", []) == ()
    with pytest.raises(CheckError, match="needs at least one --cause"):
        validate_finding("unfavourable", [])
    with pytest.raises(CheckError, match="unknown finding 'bad'"):
        validate_finding("bad", [])
    with pytest.raises(CheckError, match="unknown cause 'theft'"):
        validate_finding("unfavourable", ["theft"])
    with pytest.raises(CheckError, match="not favourable"):
        validate_finding("favourable", ["retransfer"])
    with pytest.raises(CheckError, match="unknown check type"):
        validate_check("audit", LICENCE)


def test_outcome_is_the_latest_finding_and_history_is_kept() -> None:
    found = outcomes([check("C1", "2010-01-05"), check("C2", "2010-02-01")], [
        Finding("C1", "2010-02-01", "pending", finding_id=1),
        Finding("C1", "2010-03-01", "unfavourable", ("retransfer",), finding_id=2)])
    c1, c2 = found
    assert (c1.finding, c1.causes, len(c1.history), c1.open) == ("unfavourable", ("retransfer",), 2,
                                                                 False)
    assert (c2.finding, c2.history, c2.open) == ("pending", (), True)


def test_annual_summary_counts_by_fiscal_year_type_and_outcome() -> None:
    assert fiscal_year("2009-09-30") == 2009 and fiscal_year("2009-10-01") == 2010
    found = outcomes([check("C1", "2009-10-02"), check("C2", "2010-09-30", "pre_licence"),
                      check("C3", "2010-10-01")],
                     [Finding("C1", "2010-01-01", "unfavourable", ("insecure_storage",)),
                      Finding("C2", "2010-10-02", "favourable")])
    summary = annual_summary(found)
    assert summary[2010] == {("post_shipment", "unfavourable"): 1, ("pre_licence", "favourable"): 1}
    assert summary[2011] == {("post_shipment", "pending"): 1}
    assert cause_counts(found) == {2010: {"insecure_storage": 1}}
