"""End-use checks and their findings, append-only.

A check is opened on a licence or a custodian; each finding is a new row that
references the check, so the history of a check (pending, then unfavourable, say)
stays readable and nothing is edited in place.

Revision ID: 0003_checks
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_checks"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.String(200)
WHEN = sa.String(32)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "checks",
        sa.Column("check_id", sa.String(40), primary_key=True),
        sa.Column("opened_at", WHEN, nullable=False),
        sa.Column("check_type", sa.String(20), nullable=False),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("risk_version", sa.String(40)),
        sa.Column("opened_by", sa.Text),
    )
    op.create_index("ix_checks_subject", "checks", ["subject_kind", "subject_id"])
    op.create_table(
        "check_findings",
        sa.Column("finding_id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("check_id", sa.String(40), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("finding", sa.String(20), nullable=False),
        sa.Column("causes", sa.Text),
        sa.Column("notes", sa.Text),
        sa.Column("recorded_by", sa.Text),
    )
    op.create_index("ix_check_findings_check_id", "check_findings", ["check_id"])


def downgrade() -> None:
    op.drop_table("check_findings")
    op.drop_table("checks")
