"""End-use checks in the store: append-only inserts and reads, nothing updated.

Check ids are ``CHK-<fiscal year>-<n>`` numbered in the order they were opened,
so an officer can read them out on the phone; the number comes from the rows
already stored inside the same transaction as the insert.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from armstrace.adapters.db import tables as t
from armstrace.adapters.db.store import SqlStore
from armstrace.domain.checks import Check, Finding, fiscal_year

__all__ = ["CheckStore"]

CAUSE_SEP = ";"


class CheckStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def open(self, opened_at: str, check_type: str, subject_kind: str, subject_id: str, *,
             reason: str | None = None, risk_version: str | None = None,
             opened_by: str | None = None) -> Check:
        """Store a new check and return it with its id."""
        prefix = f"CHK-{fiscal_year(opened_at)}-"
        with self.store.transaction() as conn:
            n = conn.execute(select(func.count()).select_from(t.checks)
                             .where(t.checks.c.check_id.like(prefix + "%"))).scalar_one()
            check = Check(f"{prefix}{int(n) + 1:05d}", opened_at, check_type, subject_kind,
                          subject_id, reason, risk_version, opened_by)
            conn.execute(t.checks.insert(), {
                "check_id": check.check_id, "opened_at": opened_at, "check_type": check_type,
                "subject_kind": subject_kind, "subject_id": subject_id, "reason": reason,
                "risk_version": risk_version, "opened_by": opened_by})
        return check

    def record(self, finding: Finding) -> Finding:
        """Append a finding to a check (a new row; earlier findings stay)."""
        with self.store.transaction() as conn:
            result = conn.execute(t.check_findings.insert(), {
                "check_id": finding.check_id, "recorded_at": finding.recorded_at,
                "finding": finding.finding, "causes": CAUSE_SEP.join(finding.causes) or None,
                "notes": finding.notes, "recorded_by": finding.recorded_by})
            key = result.inserted_primary_key
        return Finding(finding.check_id, finding.recorded_at, finding.finding, finding.causes,
                       finding.notes, finding.recorded_by, int(key[0]) if key else None)

    def get(self, check_id: str) -> Check | None:
        with self.store.connection() as conn:
            row = conn.execute(select(t.checks).where(t.checks.c.check_id == check_id)).first()
        return Check(**row._mapping) if row is not None else None

    def checks(self) -> list[Check]:
        """Every check, in the order opened."""
        with self.store.connection() as conn:
            rows = conn.execute(select(t.checks).order_by(t.checks.c.opened_at, t.checks.c.check_id))
            return [Check(**r._mapping) for r in rows]

    def findings(self, check_ids: Iterable[str] | None = None) -> list[Finding]:
        """Findings (all, or of these checks), in the order recorded."""
        cf = t.check_findings
        query = select(cf).order_by(cf.c.recorded_at, cf.c.finding_id)
        if check_ids is not None:
            query = query.where(cf.c.check_id.in_(sorted(set(check_ids))))
        with self.store.connection() as conn:
            return [Finding(r.check_id, r.recorded_at, r.finding,
                            tuple(c for c in (r.causes or "").split(CAUSE_SEP) if c), r.notes,
                            r.recorded_by, int(r.finding_id))
                    for r in conn.execute(query)]
