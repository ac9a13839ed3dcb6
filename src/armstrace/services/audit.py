"""The audit log use cases: record an entry, verify the chain, list recent entries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from armstrace.adapters.db.server_store import ServerStore
from armstrace.domain.audit import AuditBreak, AuditRow, verify_audit
from armstrace.services.access import Principal
from armstrace.services.ports import Clock


@dataclass(frozen=True, slots=True)
class AuditReport:
    entries: int
    verified: int
    problem: AuditBreak | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def record(server: ServerStore, clock: Clock, who: Principal | None, action: str, target: str,
           outcome: int, detail: str | None = None) -> int:
    """Append who did what (``action`` on ``target``) and the outcome (HTTP status)."""
    org = who.org if who is not None else None
    return server.append_audit((clock.now(), org.org_id if org else None,
                                who.token_id if who else None, org.role.value if org else None,
                                action, target[:2000], int(outcome), detail))


def verify(server: ServerStore) -> AuditReport:
    count = server.audit_count()
    verified, problem = verify_audit(server.audit_rows())
    return AuditReport(count, verified, problem)


def recent(server: ServerStore, last: int = 50) -> Iterator[AuditRow]:
    for row, _content, _chain in server.audit_rows(last):
        yield row
