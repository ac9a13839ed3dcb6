"""Merkle proofs: cached node hashes of the ledger tree, and the signed tree heads issued.

``merkle_nodes`` holds the hash of every complete, aligned subtree of 2**level
events (level >= the cache level), so a proof reads O(log n) rows and a few
hundred events. It is derived data: deleting its rows only makes the next proof
rebuild it. ``tree_heads`` keeps every signed tree head the store has issued.

Revision ID: 0004_proofs
Revises: 0003_checks
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_proofs"
down_revision = "0003_checks"
branch_labels = None
depends_on = None

HASH = sa.LargeBinary(32)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", HASH, nullable=False),
    )
    op.create_table(
        "tree_heads",
        sa.Column("id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("root_hash", HASH, nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_tree_heads_tree_size", "tree_heads", ["tree_size"])


def downgrade() -> None:
    op.drop_table("tree_heads")
    op.drop_table("merkle_nodes")
