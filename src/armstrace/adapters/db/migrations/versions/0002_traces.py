"""Traces of recovered weapons, append-only, with the scorer's version.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(200)
WHEN = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "trace_runs",
        sa.Column("run_id", sa.String(40), primary_key=True),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN),
        sa.Column("scorer_version", sa.String(40), nullable=False),
        sa.Column("registry_items", sa.BigInteger),
        sa.Column("recoveries", sa.BigInteger),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_table(
        "traces",
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("recovery_id", ID, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("item_id", ID),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("candidates", sa.Text),
        sa.Column("licence_id", ID),
        sa.Column("last_custodian_id", ID),
        sa.Column("last_custody_at", WHEN),
        sa.Column("time_to_crime_days", sa.Integer),
        sa.Column("shared_custodian", sa.Integer),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text),
        sa.Column("scorer_version", sa.String(40), nullable=False),
    )
    op.create_index("ix_traces_recovery_id", "traces", ["recovery_id"])
    op.create_index("ix_traces_run_id", "traces", ["run_id"])


def downgrade() -> None:
    op.drop_table("traces")
    op.drop_table("trace_runs")
