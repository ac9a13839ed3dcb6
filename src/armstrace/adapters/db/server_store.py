"""What the server keeps beside the ledger: organisations, hashed tokens, the audit log;
and the serialised write transaction that live appends go through.

Serialising writers, and why it needs more than the importer's retry: a custody
event recorded through the API is validated against the item's stored custody
(``domain.recording``), so the read of the item's events, the check and the
append must happen under one lock, or two agencies could both hand on the same
rifle. ``serialised`` takes that lock for the whole transaction:

- PostgreSQL: ``pg_advisory_xact_lock`` on the ledger's key (the importer takes
  the same one), held until commit or rollback.
- SQLite: ``BEGIN IMMEDIATE`` takes the database write lock before the first
  read, so the read sees the latest committed chain and no other writer can slip
  in between (others wait up to the busy timeout). A plain deferred transaction
  would read a snapshot first and could be overtaken before it writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from armstrace.adapters.db import tables as t
from armstrace.domain.access import Organisation, Role, join_parties, parse_parties
from armstrace.domain.audit import AuditRow, link
from armstrace.domain.ledger import GENESIS

LEDGER_LOCK = 727274  # the key SqlStore.lock_chain uses: the importer and the API share it
AUDIT_LOCK = 727275

AUDIT_COLUMNS = (t.audit_log.c.seq, t.audit_log.c.at, t.audit_log.c.org_id, t.audit_log.c.token_id,
                 t.audit_log.c.role, t.audit_log.c.action, t.audit_log.c.target,
                 t.audit_log.c.outcome, t.audit_log.c.detail)


@contextmanager
def serialised(engine: Engine, key: int) -> Iterator[Connection]:
    """A write transaction that holds the lock named ``key`` from its first statement."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def _org(row: Any) -> Organisation:
    return Organisation(row.org_id, row.name, Role(row.role), row.state, parse_parties(row.parties))


class ServerStore:
    """Organisations, tokens and the audit log, on the same engine as the ledger."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------ organisations

    def add_org(self, org: Organisation, created_at: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.organisations.insert(), {
                "org_id": org.org_id, "name": org.name, "role": org.role.value, "state": org.state,
                "parties": join_parties(org.parties) or None, "created_at": created_at})

    def org_by_name(self, name: str) -> Organisation | None:
        o = t.organisations
        with self.engine.connect() as conn:
            row = conn.execute(select(o).where(o.c.name == name)).first()
        return _org(row) if row is not None else None

    def orgs(self) -> list[Organisation]:
        o = t.organisations
        with self.engine.connect() as conn:
            return [_org(r) for r in conn.execute(select(o).order_by(o.c.name))]

    # ------------------------------------------------------------ tokens

    def add_token(self, token_id: str, org_id: str, token_hash: bytes, created_at: str,
                  note: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.api_tokens.insert(), {"token_id": token_id, "org_id": org_id,
                                                 "token_hash": token_hash, "created_at": created_at,
                                                 "note": note})

    def principal(self, token_hash: bytes) -> tuple[str, Organisation] | None:
        """(token id, organisation) of a live token with this hash, or None.

        Asked on every request: plain SQL to the driver, bound parameter, no compilation.
        """
        mark = "?" if self.engine.dialect.name == "sqlite" else "%s"
        sql = ("SELECT t.token_id, o.org_id, o.name, o.role, o.state, o.parties FROM api_tokens t "
               f"JOIN organisations o ON o.org_id = t.org_id WHERE t.token_hash = {mark} "
               "AND t.revoked_at IS NULL")
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql(sql, (token_hash,)).first()
        if row is None:
            return None
        token_id, org_id, name, role, state, parties = row
        return token_id, Organisation(org_id, name, Role(role), state, parse_parties(parties))

    def revoke_token(self, token_id: str, revoked_at: str) -> bool:
        tok = t.api_tokens
        with self.engine.begin() as conn:
            done = conn.execute(tok.update().where(tok.c.token_id == token_id,
                                                   tok.c.revoked_at.is_(None)).values(revoked_at=revoked_at))
            return bool(done.rowcount)

    def tokens(self) -> list[dict[str, Any]]:
        tok, o = t.api_tokens, t.organisations
        query = (select(tok.c.token_id, o.c.name, tok.c.created_at, tok.c.revoked_at, tok.c.note)
                 .select_from(tok.join(o, o.c.org_id == tok.c.org_id)).order_by(tok.c.created_at))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    # ------------------------------------------------------------ audit log

    def append_audit(self, entry: Sequence[Any]) -> int:
        """Append one entry (AuditRow without its seq) at the head of the chain; its seq.

        Every request writes one, so the two statements go straight to the driver
        (bound parameters), without per-call compilation.
        """
        mark = "?" if self.engine.dialect.name == "sqlite" else "%s"
        insert = (f"INSERT INTO audit_log (seq, at, org_id, token_id, role, action, target, outcome, detail, "
                  f"content_hash, chain_hash) VALUES ({', '.join([mark] * 11)})")
        with serialised(self.engine, AUDIT_LOCK) as conn:
            last = conn.exec_driver_sql(
                "SELECT seq, chain_hash FROM audit_log ORDER BY seq DESC LIMIT 1").first()
            seq, previous = (int(last[0]), bytes(last[1])) if last is not None else (0, GENESIS)
            row: AuditRow = (seq + 1, *entry)
            content, chained = link(row, previous)
            conn.exec_driver_sql(insert, (*row, content, chained))
            return seq + 1

    def audit_rows(self, last: int | None = None) -> Iterator[tuple[AuditRow, bytes, bytes]]:
        """Stored entries in seq order with their hashes; only the ``last`` N if given."""
        a = t.audit_log
        query = select(*AUDIT_COLUMNS, a.c.content_hash, a.c.chain_hash).order_by(a.c.seq)
        with self.engine.connect() as conn:
            if last is not None:
                top = conn.execute(select(func.max(a.c.seq))).scalar() or 0
                query = query.where(a.c.seq > int(top) - last)
            for r in conn.execute(query):
                values = tuple(r)
                yield values[:9], bytes(values[9]), bytes(values[10])

    def audit_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.audit_log)).scalar_one())
