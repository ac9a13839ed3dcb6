"""The server: organisations, hashed API tokens, and the hash-chained audit log.

Revision ID: 0005_server
Revises: 0004_proofs
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_server"
down_revision = "0004_proofs"
branch_labels = None
depends_on = None

WHEN = sa.String(32)
HASH = sa.LargeBinary(32)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("org_id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("state", sa.String(6)),
        sa.Column("parties", sa.Text),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.String(40), primary_key=True),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("token_hash", HASH, nullable=False, unique=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("org_id", sa.String(40)),
        sa.Column("token_id", sa.String(40)),
        sa.Column("role", sa.String(40)),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("outcome", sa.Integer, nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("content_hash", HASH, nullable=False),
        sa.Column("chain_hash", HASH, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("api_tokens")
    op.drop_table("organisations")
