"""End-use check case records: open, record a finding, list, the annual summary.

Checks name a licence or a custodian that must exist in the store; findings must
use the vocabulary (``domain.vocabulary``: favourable / unfavourable with its
causes / pending). Every write is an insert: the history of a check is its rows.
Findings feed the risk queue (``services.risk``) the next time it is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from armstrace.adapters.db import tables as t
from armstrace.adapters.db.check_store import CheckStore
from armstrace.adapters.db.store import SqlStore
from armstrace.domain.checks import (
    Check,
    CheckError,
    CheckOutcome,
    Finding,
    annual_summary,
    cause_counts,
    outcomes,
    validate_check,
    validate_finding,
)
from armstrace.domain.red_flags import LICENCE
from armstrace.domain.vocabulary import CHECK_FINDINGS, CHECK_TYPES
from armstrace.services.ports import Clock

__all__ = ["CheckService", "SummaryRow"]


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One fiscal year and check type: how many checks, by outcome (Blue Lantern style)."""

    fiscal_year: int
    check_type: str
    favourable: int
    unfavourable: int
    pending: int

    @property
    def total(self) -> int:
        return self.favourable + self.unfavourable + self.pending


class CheckService:
    def __init__(self, store: SqlStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.checks = CheckStore(store)

    def _exists(self, kind: str, subject_id: str) -> bool:
        table, key = (t.licences, t.licences.c.licence_id) if kind == LICENCE else (
            t.parties, t.parties.c.party_id)
        with self.store.connection() as conn:
            return conn.execute(select(key).select_from(table).where(key == subject_id)).first() \
                is not None

    def open(self, subject_kind: str, subject_id: str, check_type: str, *,
             reason: str | None = None, risk_version: str | None = None,
             opened_by: str | None = None, opened_at: str | None = None) -> Check:
        """Open a check on a stored licence or party; raises ``CheckError`` otherwise."""
        validate_check(check_type, subject_kind)
        if not self._exists(subject_kind, subject_id):
            what = "licence" if subject_kind == LICENCE else "party"
            raise CheckError(f"unknown {what} {subject_id!r}: not in the store")
        return self.checks.open(opened_at or self.clock.now(), check_type, subject_kind, subject_id,
                                reason=reason, risk_version=risk_version, opened_by=opened_by)

    def record(self, check_id: str, finding: str, causes: Sequence[str] = (), *,
               notes: str | None = None, recorded_by: str | None = None,
               recorded_at: str | None = None) -> Finding:
        """Append a finding to an existing check; raises ``CheckError`` otherwise."""
        kept = validate_finding(finding, causes)
        if self.checks.get(check_id) is None:
            raise CheckError(f"unknown check {check_id!r}")
        return self.checks.record(Finding(check_id, recorded_at or self.clock.now(), finding, kept,
                                          notes, recorded_by))

    def list_checks(self, subject_id: str | None = None, *, only_open: bool = False) -> list[CheckOutcome]:
        """Every check with its current outcome (optionally of one subject, or still open)."""
        all_checks = [c for c in self.checks.checks()
                      if subject_id is None or c.subject_id == subject_id]
        found = outcomes(all_checks, self.checks.findings([c.check_id for c in all_checks]))
        return [o for o in found if o.open] if only_open else found

    def summary(self, fiscal_year: int | None = None) -> tuple[list[SummaryRow],
                                                               dict[int, dict[str, int]]]:
        """Checks by fiscal year opened, type and outcome; and unfavourable causes per year."""
        found = self.list_checks()
        rows = []
        for fy, counts in sorted(annual_summary(found).items()):
            if fiscal_year is not None and fy != fiscal_year:
                continue
            for ctype in CHECK_TYPES:
                n = [counts.get((ctype, f), 0) for f in CHECK_FINDINGS]
                if any(n):
                    rows.append(SummaryRow(fy, ctype, *n))
        causes = {fy: dict(c.most_common()) for fy, c in sorted(cause_counts(found).items())
                  if fiscal_year is None or fy == fiscal_year}
        return rows, causes

    def open_for_recoveries(self, reasons: Mapping[str, str], *,
                            risk_version: str | None = None) -> list[Check]:
        """A post-shipment check on each licence (licence -> reason) that has no check yet:
        every licensed serial recovered at a crime scene should open one (domain.md)."""
        have = {c.subject_id for c in self.checks.checks() if c.subject_kind == LICENCE}
        return [self.open(LICENCE, lid, "post_shipment", reason=why, risk_version=risk_version)
                for lid, why in sorted(reasons.items()) if lid not in have]
