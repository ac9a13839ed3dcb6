"""The custody ledger: parties, licences, items, custody events, recoveries, import runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(200)
WHEN = sa.String(32)
HASH = sa.LargeBinary(32)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("party_id", ID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("region", sa.String(6)),
        sa.Column("parent_id", ID),
        sa.Column("extra", sa.Text),
        sa.Column("import_run_id", sa.String(40)),
    )
    op.create_table(
        "licences",
        sa.Column("licence_id", ID, primary_key=True),
        sa.Column("regime", sa.String(8)),
        sa.Column("exporter_id", ID, nullable=False),
        sa.Column("consignee_id", ID),
        sa.Column("end_user_id", ID),
        sa.Column("destination_country", sa.String(2), nullable=False),
        sa.Column("category", sa.String(40)),
        sa.Column("description", sa.Text),
        sa.Column("quantity", sa.BigInteger),
        sa.Column("value_usd", sa.Numeric(18, 2)),
        sa.Column("purchase_order", sa.String(200)),
        sa.Column("applied_on", WHEN),
        sa.Column("decided_on", WHEN),
        sa.Column("status", sa.String(40)),
        sa.Column("extra", sa.Text),
        sa.Column("import_run_id", sa.String(40)),
    )
    op.create_table(
        "items",
        sa.Column("item_id", ID, primary_key=True),
        sa.Column("manufacturer", sa.Text, nullable=False),
        sa.Column("serial", sa.String(200), nullable=False),
        sa.Column("model", sa.Text),
        sa.Column("calibre", sa.Text),
        sa.Column("weapon_type", sa.Text),
        sa.Column("country_of_manufacture", sa.String(2)),
        sa.Column("year_of_manufacture", sa.Integer),
        sa.Column("import_marks", sa.Text),
        sa.Column("licence_id", ID),
        sa.Column("extra", sa.Text),
        sa.Column("import_run_id", sa.String(40)),
    )
    op.create_index("ix_items_licence_id", "items", ["licence_id"])
    op.create_index("ix_items_serial", "items", ["serial"])
    op.create_table(
        "custody_events",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("event_id", ID, nullable=False),
        sa.Column("event_type", sa.String(20), nullable=False),
        sa.Column("occurred_at", WHEN, nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("from_party_id", ID),
        sa.Column("to_party_id", ID),
        sa.Column("region", sa.String(6)),
        sa.Column("document_ref", sa.Text),
        sa.Column("corrects_event_id", ID),
        sa.Column("extra", sa.Text),
        sa.Column("content_hash", HASH, nullable=False),
        sa.Column("chain_hash", HASH, nullable=False),
        sa.Column("import_run_id", sa.String(40)),
    )
    op.create_index("ux_custody_events_event_id", "custody_events", ["event_id"], unique=True)
    op.create_index("ix_custody_events_item_id", "custody_events", ["item_id"])
    op.create_table(
        "ledger_checkpoints",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=False),
        sa.Column("chain_hash", HASH, nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("import_run_id", sa.String(40)),
    )
    op.create_table(
        "recoveries",
        sa.Column("recovery_id", ID, primary_key=True),
        sa.Column("recovered_on", WHEN, nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("region", sa.String(6)),
        sa.Column("municipality", sa.Text),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("agency", sa.Text),
        sa.Column("case_ref", sa.Text),
        sa.Column("circumstance", sa.String(20)),
        sa.Column("manufacturer", sa.Text),
        sa.Column("model", sa.Text),
        sa.Column("calibre", sa.Text),
        sa.Column("weapon_type", sa.Text),
        sa.Column("serial", sa.Text),
        sa.Column("serial_obliterated", sa.String(8)),
        sa.Column("notes", sa.Text),
        sa.Column("extra", sa.Text),
        sa.Column("import_run_id", sa.String(40)),
    )
    op.create_table(
        "import_runs",
        sa.Column("run_id", sa.String(40), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("summary", sa.Text),
    )
    op.create_table(
        "import_rejects",
        sa.Column("id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("column_name", sa.String(200)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("value", sa.Text),
    )
    op.create_index("ix_import_rejects_run_id", "import_rejects", ["run_id"])


def downgrade() -> None:
    for table in ("import_rejects", "import_runs", "recoveries", "ledger_checkpoints",
                  "custody_events", "items", "licences", "parties"):
        op.drop_table(table)
