"""The store's tables: one SQLAlchemy Core definition for SQLite and PostgreSQL.

Dates are ISO text in canonical form (see ``domain.contract``): they sort as text,
hash identically on both backends and never shift with a session time zone.
There are no database-level foreign keys: references are checked by the importer,
which can then reject a single bad row with a reason instead of failing a batch.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

ID = String(200)
WHEN = String(32)
HASH = LargeBinary(32)  # raw SHA-256 digests: half the bytes to read back when verifying
# An INTEGER PRIMARY KEY is SQLite's rowid: the fastest key there, BIGINT elsewhere.
SEQ = BigInteger().with_variant(Integer(), "sqlite")

parties = Table(
    "parties", metadata,
    Column("party_id", ID, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("country", String(2)),
    Column("region", String(6)),
    Column("parent_id", ID),
    Column("extra", Text),
    Column("import_run_id", String(40)),
)

licences = Table(
    "licences", metadata,
    Column("licence_id", ID, primary_key=True),
    Column("regime", String(8)),
    Column("exporter_id", ID, nullable=False),
    Column("consignee_id", ID),
    Column("end_user_id", ID),
    Column("destination_country", String(2), nullable=False),
    Column("category", String(40)),
    Column("description", Text),
    Column("quantity", BigInteger),
    Column("value_usd", Numeric(18, 2)),
    Column("purchase_order", String(200)),
    Column("applied_on", WHEN),
    Column("decided_on", WHEN),
    Column("status", String(40)),
    Column("extra", Text),
    Column("import_run_id", String(40)),
)

items = Table(
    "items", metadata,
    Column("item_id", ID, primary_key=True),
    Column("manufacturer", Text, nullable=False),
    Column("serial", String(200), nullable=False),
    Column("model", Text),
    Column("calibre", Text),
    Column("weapon_type", Text),
    Column("country_of_manufacture", String(2)),
    Column("year_of_manufacture", Integer),
    Column("import_marks", Text),
    Column("licence_id", ID),
    Column("extra", Text),
    Column("import_run_id", String(40)),
    Index("ix_items_licence_id", "licence_id"),
    Index("ix_items_serial", "serial"),
)

# Append-only. ``seq`` is the position in the hash chain; the columns from
# ``recorded_at`` to ``extra`` are exactly what the canonical encoding covers.
custody_events = Table(
    "custody_events", metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=False),
    Column("recorded_at", WHEN, nullable=False),
    Column("event_id", ID, nullable=False),
    Column("event_type", String(20), nullable=False),
    Column("occurred_at", WHEN, nullable=False),
    Column("item_id", ID, nullable=False),
    Column("from_party_id", ID),
    Column("to_party_id", ID),
    Column("region", String(6)),
    Column("document_ref", Text),
    Column("corrects_event_id", ID),
    Column("extra", Text),
    Column("content_hash", HASH, nullable=False),
    Column("chain_hash", HASH, nullable=False),
    Column("import_run_id", String(40)),
    # Named indexes, not column constraints, so a bulk load can rebuild them.
    Index("ux_custody_events_event_id", "event_id", unique=True),
    Index("ix_custody_events_item_id", "item_id"),
)

# Secondary indexes of the ledger: (name, column, unique). A bulk append drops and
# rebuilds them inside its transaction; building an index once is far cheaper than
# a million random inserts into it.
EVENT_INDEXES = (("ux_custody_events_event_id", "event_id", True),
                 ("ix_custody_events_item_id", "item_id", False))

# Chain heads written after each committed batch: they let verify notice a
# truncated chain (rows deleted from the end), which the chain alone cannot.
ledger_checkpoints = Table(
    "ledger_checkpoints", metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=False),
    Column("chain_hash", HASH, nullable=False),
    Column("recorded_at", WHEN, nullable=False),
    Column("import_run_id", String(40)),
)

recoveries = Table(
    "recoveries", metadata,
    Column("recovery_id", ID, primary_key=True),
    Column("recovered_on", WHEN, nullable=False),
    Column("country", String(2)),
    Column("region", String(6)),
    Column("municipality", Text),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("agency", Text),
    Column("case_ref", Text),
    Column("circumstance", String(20)),
    Column("manufacturer", Text),
    Column("model", Text),
    Column("calibre", Text),
    Column("weapon_type", Text),
    Column("serial", Text),
    Column("serial_obliterated", String(8)),
    Column("notes", Text),
    Column("extra", Text),
    Column("import_run_id", String(40)),
)

import_runs = Table(
    "import_runs", metadata,
    Column("run_id", String(40), primary_key=True),
    Column("source", Text, nullable=False),
    Column("started_at", WHEN, nullable=False),
    Column("finished_at", WHEN),
    Column("status", String(20), nullable=False),
    Column("summary", Text),
)

# Every rejected row, kept in the store as well as in the rejects file.
import_rejects = Table(
    "import_rejects", metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("run_id", String(40), nullable=False),
    Column("file", Text, nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("column_name", String(200)),
    Column("reason", Text, nullable=False),
    Column("value", Text),
    Index("ix_import_rejects_run_id", "run_id"),
)

# One row per tracing run: which scorer, over how much registry and how many recoveries.
trace_runs = Table(
    "trace_runs", metadata,
    Column("run_id", String(40), primary_key=True),
    Column("started_at", WHEN, nullable=False),
    Column("finished_at", WHEN),
    Column("scorer_version", String(40), nullable=False),
    Column("registry_items", BigInteger),
    Column("recoveries", BigInteger),
    Column("status", String(20), nullable=False),
)

# Append-only: a re-trace writes new rows under a new run; the latest run that
# traced a recovery holds its current answer, older ones stay explainable.
traces = Table(
    "traces", metadata,
    Column("run_id", String(40), nullable=False),
    Column("recovery_id", ID, nullable=False),
    Column("status", String(20), nullable=False),
    Column("item_id", ID),
    Column("confidence", Float, nullable=False),
    Column("candidates", Text),
    Column("licence_id", ID),
    Column("last_custodian_id", ID),
    Column("last_custody_at", WHEN),
    Column("time_to_crime_days", Integer),
    Column("shared_custodian", Integer),  # 1 when every ambiguous candidate shares that custodian
    Column("reason", Text, nullable=False),
    Column("evidence", Text),  # JSON: per-candidate field agreements and score parts
    Column("scorer_version", String(40), nullable=False),
    Index("ix_traces_recovery_id", "recovery_id"),
    Index("ix_traces_run_id", "run_id"),
)

# End-use checks (Blue Lantern style), append-only: a check is opened on a licence or a
# custodian; every finding is a new row referencing it, the latest one is the outcome.
checks = Table(
    "checks", metadata,
    Column("check_id", String(40), primary_key=True),
    Column("opened_at", WHEN, nullable=False),
    Column("check_type", String(20), nullable=False),  # pre_licence, pre_shipment, post_shipment
    Column("subject_kind", String(20), nullable=False),  # licence or custodian
    Column("subject_id", ID, nullable=False),
    Column("reason", Text),  # why it was opened: the queue's reasons, or the officer's
    Column("risk_version", String(40)),  # the risk model that ranked it, when it came from the queue
    Column("opened_by", Text),
    Index("ix_checks_subject", "subject_kind", "subject_id"),
)

check_findings = Table(
    "check_findings", metadata,
    Column("finding_id", SEQ, primary_key=True, autoincrement=True),
    Column("check_id", String(40), nullable=False),
    Column("recorded_at", WHEN, nullable=False),
    Column("finding", String(20), nullable=False),  # favourable, unfavourable, pending
    Column("causes", Text),  # ';'-separated unfavourable causes from the vocabulary
    Column("notes", Text),
    Column("recorded_by", Text),
    Index("ix_check_findings_check_id", "check_id"),
)

# Merkle proofs (domain.merkle): the hash of every complete aligned subtree of 2**level
# events at or above the cache level, derived from the ledger and rebuilt if deleted,
# so that a proof reads O(log n) rows; and every signed tree head issued.
merkle_nodes = Table(
    "merkle_nodes", metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", HASH, nullable=False),
)

tree_heads = Table(
    "tree_heads", metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("tree_size", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),  # milliseconds since the Unix epoch, UTC
    Column("root_hash", HASH, nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
    Column("key_id", String(64), nullable=False),
    Index("ix_tree_heads_tree_size", "tree_size"),
)

# The server's organisations: an agency, its role, the state it is scoped to (state
# authorities) and the registry parties it may act for (';'-separated ids).
organisations = Table(
    "organisations", metadata,
    Column("org_id", String(40), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(40), nullable=False),
    Column("state", String(6)),
    Column("parties", Text),
    Column("created_at", WHEN, nullable=False),
)

# API tokens: only the SHA-256 of each token is kept (the token itself is shown once).
api_tokens = Table(
    "api_tokens", metadata,
    Column("token_id", String(40), primary_key=True),
    Column("org_id", String(40), nullable=False),
    Column("token_hash", HASH, nullable=False, unique=True),
    Column("created_at", WHEN, nullable=False),
    Column("revoked_at", WHEN),
    Column("note", Text),
)

# Append-only, hash-chained like the ledger (domain.audit): every request the server answered.
audit_log = Table(
    "audit_log", metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=False),
    Column("at", WHEN, nullable=False),
    Column("org_id", String(40)),
    Column("token_id", String(40)),
    Column("role", String(40)),
    Column("action", String(16), nullable=False),
    Column("target", Text, nullable=False),
    Column("outcome", Integer, nullable=False),
    Column("detail", Text),
    Column("content_hash", HASH, nullable=False),
    Column("chain_hash", HASH, nullable=False),
)
