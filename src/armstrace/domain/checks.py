"""End-use checks as records: opened on a licence or a custodian, findings appended.

A check is never edited: recording a finding adds a new ``Finding`` that names the
check, so "pending, then unfavourable (retransfer)" stays readable later. The
check's outcome is its latest finding; a check with no finding yet counts as
pending, as the Blue Lantern reports count checks still open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from armstrace.domain.vocabulary import CHECK_FINDINGS, CHECK_TYPES, UNFAVOURABLE_CAUSES

__all__ = ["SUBJECT_KINDS", "Check", "CheckError", "CheckOutcome", "Finding", "annual_summary",
           "cause_counts", "fiscal_year", "outcomes", "validate_check", "validate_finding"]

SUBJECT_KINDS = ("licence", "custodian")


class CheckError(ValueError):
    """A check or finding that the vocabulary does not allow (the message says why)."""


@dataclass(frozen=True, slots=True)
class Check:
    check_id: str
    opened_at: str
    check_type: str
    subject_kind: str
    subject_id: str
    reason: str | None = None
    risk_version: str | None = None
    opened_by: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    check_id: str
    recorded_at: str
    finding: str
    causes: tuple[str, ...] = ()
    notes: str | None = None
    recorded_by: str | None = None
    finding_id: int | None = None


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """A check with its current outcome (its latest finding, else pending) and history."""

    check: Check
    finding: str
    causes: tuple[str, ...]
    history: tuple[Finding, ...]

    @property
    def open(self) -> bool:
        """Still to be done: no finding yet, or the latest finding is pending."""
        return self.finding == "pending"


def fiscal_year(when: str) -> int:
    """U.S. federal fiscal year of an ISO date (Oct 1 - Sep 30, named by the year it ends)."""
    year, month = int(when[:4]), int(when[5:7])
    return year + 1 if month >= 10 else year


def _choices(vocab: Iterable[str]) -> str:
    return ", ".join(vocab)


def validate_check(check_type: str, subject_kind: str) -> None:
    if check_type not in CHECK_TYPES:
        raise CheckError(f"unknown check type {check_type!r}: use one of {_choices(CHECK_TYPES)}")
    if subject_kind not in SUBJECT_KINDS:
        raise CheckError(f"unknown subject {subject_kind!r}: use one of {_choices(SUBJECT_KINDS)}")


def validate_finding(finding: str, causes: Sequence[str]) -> tuple[str, ...]:
    """The causes, checked: an unfavourable finding needs at least one, others none."""
    if finding not in CHECK_FINDINGS:
        raise CheckError(f"unknown finding {finding!r}: use one of {_choices(CHECK_FINDINGS)}")
    bad = [c for c in causes if c not in UNFAVOURABLE_CAUSES]
    if bad:
        raise CheckError(f"unknown cause {bad[0]!r}: use one of {_choices(UNFAVOURABLE_CAUSES)}")
    if finding == "unfavourable" and not causes:
        raise CheckError("an unfavourable finding needs at least one --cause: "
                         + _choices(UNFAVOURABLE_CAUSES))
    if finding != "unfavourable" and causes:
        raise CheckError(f"causes are for unfavourable findings, not {finding}")
    return tuple(dict.fromkeys(causes))


def outcomes(checks: Iterable[Check], findings: Iterable[Finding]) -> list[CheckOutcome]:
    """Each check with its latest finding (by record time, then insertion order)."""
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
    out = []
    for c in checks:
        history = sorted(by_check.get(c.check_id, ()),
                         key=lambda f: (f.recorded_at, f.finding_id or 0))
        last = history[-1] if history else None
        out.append(CheckOutcome(c, last.finding if last else "pending",
                                last.causes if last else (), tuple(history)))
    return out


def annual_summary(items: Iterable[CheckOutcome]) -> dict[int, Counter[tuple[str, str]]]:
    """Per fiscal year the check was opened: counts by (check type, outcome).

    The Blue Lantern reports count checks by type and by favourable / unfavourable
    (pending ones are still open); causes are counted separately by ``cause_counts``.
    """
    out: dict[int, Counter[tuple[str, str]]] = {}
    for o in items:
        fy = fiscal_year(o.check.opened_at)
        out.setdefault(fy, Counter())[(o.check.check_type, o.finding)] += 1
    return out


def cause_counts(items: Iterable[CheckOutcome]) -> dict[int, Counter[str]]:
    """Per fiscal year: how often each cause appears among unfavourable outcomes."""
    out: dict[int, Counter[str]] = {}
    for o in items:
        if o.finding == "unfavourable":
            out.setdefault(fiscal_year(o.check.opened_at), Counter()).update(o.causes)
    return out
