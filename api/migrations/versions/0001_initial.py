"""The initial schema: message store, audit trail, document registry and demo backend.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

A frozen copy of the tables as the code defined them when migrations were introduced (the
modules' own definitions will change; this one never does). `schema()` is also what
`api.db` uses to adopt a database created before migrations by `metadata.create_all`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Column, ForeignKey, MetaData, Table

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Exact decimals: NUMERIC on PostgreSQL, text on SQLite (graph.backends.demo.ExactDecimal).
DECIMAL = sa.Numeric().with_variant(sa.String(40), "sqlite")
# Timezone-aware timestamps (graph.backends.demo.AwareDateTime and plain columns alike).
AT = sa.DateTime(timezone=True)


def schema() -> MetaData:
    """Every table of revision 0001, built fresh on each call."""
    md = MetaData()
    _message_store(md)
    _audit_and_registry(md)
    _demo_accounts(md)
    _demo_activity(md)
    return md


def _message_store(md: MetaData) -> None:
    Table(
        "wa_inbound",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("message_id", sa.String(128), nullable=False, unique=True),
        Column("user", sa.String(64), nullable=False, index=True),
        Column("kind", sa.String(24), nullable=False),
        Column("text", sa.Text, nullable=False),
        Column("supported", sa.Boolean, nullable=False),
        Column("received_at", AT, nullable=False),
        Column("status", sa.String(16), nullable=False, index=True),
        Column("processed_at", AT),
        Column("attempts", sa.Integer, nullable=False, server_default="0"),
        Column("error", sa.Text),
        Column("retry_at", AT),
        Column("claimed_by", sa.String(64)),
        Column("claimed_at", AT),
    )
    Table(
        "wa_outbound",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("wamid", sa.String(128), unique=True),
        Column("user", sa.String(64), nullable=False, index=True),
        Column("kind", sa.String(24), nullable=False),
        Column("body", sa.JSON, nullable=False),
        Column("status", sa.String(16), nullable=False, index=True),
        Column("error", sa.Text),
        Column("attempts", sa.Integer, nullable=False, server_default="0"),
        Column("retry_at", AT),
        Column("in_reply_to", sa.String(128), index=True),
        Column("created_at", AT, nullable=False),
        Column("updated_at", AT, nullable=False),
        Column("claimed_by", sa.String(64)),
        Column("claimed_at", AT),
    )
    Table(
        "campaign_sends",
        md,
        Column("campaign_key", sa.String(128), primary_key=True),
        Column("customer_code", sa.String(64), primary_key=True),
        Column("outbound_id", sa.Integer, nullable=False),
        Column("created_at", AT, nullable=False),
    )
    Table(
        "wa_status_events",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("wamid", sa.String(128), nullable=False, index=True),
        Column("status", sa.String(16), nullable=False),
        Column("at", AT, nullable=False),
        Column("errors", sa.JSON),
    )
    Table(
        "handoffs",
        md,
        Column("thread_id", sa.String(128), primary_key=True),
        Column("user", sa.String(64), nullable=False),
        Column("channel", sa.String(16), nullable=False),
        Column("summary", sa.JSON, nullable=False),
        Column("status", sa.String(16), nullable=False, index=True),
        Column("created_at", AT, nullable=False),
        Column("closed_at", AT),
        Column("operator", sa.String(64)),
        Column("csat", sa.Integer),
        Column("csat_pending", sa.Boolean, nullable=False),
    )
    Table(
        "turns",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("thread_id", sa.String(128), nullable=False, index=True),
        Column("channel", sa.String(16), nullable=False),
        Column("route", sa.String(24)),
        Column("urgency", sa.String(16)),
        Column("language", sa.String(4)),
        Column("handoff", sa.Boolean, nullable=False),
        Column("actions", sa.JSON),
        Column("received_at", AT, nullable=False),
        Column("answered_at", AT, nullable=False),
    )


def _audit_and_registry(md: MetaData) -> None:
    Table(
        "audit_events",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("at", AT, nullable=False, index=True),
        Column("thread_id", sa.String(128), nullable=False, index=True),
        Column("customer_code", sa.String(32), nullable=True, index=True),
        Column("kind", sa.String(16), nullable=False),
        Column("name", sa.String(64), nullable=False),
        Column("reason", sa.Text, nullable=False),
        Column("ok", sa.Boolean, nullable=False),
        Column("data", sa.JSON, nullable=True),
    )
    Table(
        "kb_documents",
        md,
        Column("doc_id", sa.String(128), primary_key=True),
        Column("version", sa.String(40), primary_key=True),
        Column("title", sa.Text, nullable=False),
        Column("path", sa.Text, nullable=False),
        Column("source", sa.Text, nullable=False),
        Column("doc_type", sa.String(32), nullable=False),
        Column("language", sa.String(8), nullable=False),
        Column("content_hash", sa.String(64), nullable=False),
        Column("chunks", sa.Integer, nullable=False),
        Column("declared_from", sa.Date, nullable=False),
        Column("declared_to", sa.Date, nullable=True),
        Column("effective_to", sa.Date, nullable=True),
        Column("ingested_at", AT, nullable=False),
    )


def _demo_accounts(md: MetaData) -> None:
    Table(
        "demo_customers",
        md,
        Column("code", sa.String(10), primary_key=True),
        Column("name", sa.String(200), nullable=False),
        Column("phone", sa.String(20), nullable=False, index=True),
        Column("email", sa.String(200)),
        Column("fiscal_code", sa.String(16)),
        Column("language", sa.String(2), nullable=False),
        Column("domestic", sa.Boolean, nullable=False),
        Column("vulnerable", sa.Boolean, nullable=False),
        Column("life_support", sa.Boolean, nullable=False),
        Column("good_payer", sa.Boolean, nullable=False),
    )
    Table(
        "demo_supplies",
        md,
        Column("supply_id", sa.String(20), primary_key=True),
        Column(
            "customer_code",
            sa.String(10),
            ForeignKey("demo_customers.code"),
            nullable=False,
            index=True,
        ),
        Column("commodity", sa.String(12), nullable=False),
        Column("pod", sa.String(20)),
        Column("pdr", sa.String(20)),
        Column("water_meter", sa.String(30)),
        Column("address", sa.Text, nullable=False),
        Column("commune", sa.String(80), nullable=False),
        Column("status", sa.String(12), nullable=False),
        Column("offer_code", sa.String(40)),
        Column("market", sa.String(24), nullable=False),
        Column("power_kw", DECIMAL),
        Column("resident", sa.Boolean, nullable=False),
        Column("bonus_kind", sa.String(10)),
        Column("bonus_from", sa.Date),
        Column("bonus_to", sa.Date),
        Column("direct_debit", sa.Boolean, nullable=False),
        Column("distributor", sa.String(120), nullable=False),
        Column("distributor_emergency_phone", sa.String(30), nullable=False),
    )
    Table(
        "demo_bills",
        md,
        Column("bill_id", sa.String(20), primary_key=True),
        Column("number", sa.String(30), nullable=False, unique=True),
        Column(
            "customer_code",
            sa.String(10),
            ForeignKey("demo_customers.code"),
            nullable=False,
            index=True,
        ),
        Column(
            "supply_id",
            sa.String(20),
            ForeignKey("demo_supplies.supply_id"),
            nullable=False,
            index=True,
        ),
        Column("commodity", sa.String(12), nullable=False),
        Column("period_start", sa.Date, nullable=False),
        Column("period_end", sa.Date, nullable=False),
        Column("issue_date", sa.Date, nullable=False),
        Column("due_date", sa.Date, nullable=False),
        Column("amount", DECIMAL, nullable=False),
        Column("status", sa.String(16), nullable=False),
        Column("estimated", sa.Boolean, nullable=False),
        Column("conguaglio", sa.Boolean, nullable=False),
        Column("consumption", DECIMAL),
        Column("consumption_unit", sa.String(10)),
    )
    Table(
        "demo_bill_lines",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column(
            "bill_id", sa.String(20), ForeignKey("demo_bills.bill_id"), nullable=False, index=True
        ),
        Column("position", sa.Integer, nullable=False),
        Column("category", sa.String(16), nullable=False),
        Column("description", sa.Text, nullable=False),
        Column("quantity", DECIMAL),
        Column("unit", sa.String(12)),
        Column("unit_price", DECIMAL),
        Column("amount", DECIMAL, nullable=False),
    )
    Table(
        "demo_payments",
        md,
        Column("payment_id", sa.String(20), primary_key=True),
        Column(
            "customer_code",
            sa.String(10),
            ForeignKey("demo_customers.code"),
            nullable=False,
            index=True,
        ),
        Column("bill_id", sa.String(20), ForeignKey("demo_bills.bill_id")),
        Column("amount", DECIMAL, nullable=False),
        Column("paid_on", sa.Date, nullable=False),
        Column("method", sa.String(16), nullable=False),
    )
    Table(
        "demo_plans",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("plan_id", sa.String(20), unique=True),
        Column(
            "customer_code",
            sa.String(10),
            ForeignKey("demo_customers.code"),
            nullable=False,
            index=True,
        ),
        Column("bill_id", sa.String(20), ForeignKey("demo_bills.bill_id"), nullable=False),
        Column("annual_interest_rate", DECIMAL, nullable=False),
        Column("total", DECIMAL, nullable=False),
        Column("created_at", AT, nullable=False),
        Column("status", sa.String(12), nullable=False),
    )
    Table(
        "demo_plan_instalments",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("plan_pk", sa.Integer, ForeignKey("demo_plans.id"), nullable=False, index=True),
        Column("position", sa.Integer, nullable=False),
        Column("due_date", sa.Date, nullable=False),
        Column("amount", DECIMAL, nullable=False),
    )
    Table(
        "demo_preferences",
        md,
        Column("customer_code", sa.String(10), ForeignKey("demo_customers.code"), primary_key=True),
        Column("bill_delivery", sa.String(8), nullable=False),
        Column("reminder_channel", sa.String(10), nullable=False),
        Column("whatsapp_active", sa.Boolean, nullable=False),
        Column("updated_at", AT, nullable=False),
    )
    Table(
        "demo_consents",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column(
            "customer_code",
            sa.String(10),
            ForeignKey("demo_customers.code"),
            nullable=False,
            index=True,
        ),
        Column("category", sa.String(24), nullable=False),
        Column("granted", sa.Boolean, nullable=False),
        Column("wording", sa.Text, nullable=False),
        Column("channel", sa.String(20), nullable=False),
        Column("at", AT, nullable=False),
    )


def _demo_activity(md: MetaData) -> None:
    Table(
        "demo_readings",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column(
            "supply_id",
            sa.String(20),
            ForeignKey("demo_supplies.supply_id"),
            nullable=False,
            index=True,
        ),
        Column("read_on", sa.Date, nullable=False),
        Column("source", sa.String(10), nullable=False),
        Column("reading_values", sa.JSON, nullable=False),
    )
    Table(
        "demo_tickets",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("ticket_id", sa.String(20), unique=True),
        Column("customer_code", sa.String(10), ForeignKey("demo_customers.code"), index=True),
        Column("supply_id", sa.String(20), ForeignKey("demo_supplies.supply_id")),
        Column("category", sa.String(40), nullable=False),
        Column("priority", sa.String(10), nullable=False),
        Column("status", sa.String(20), nullable=False),
        Column("summary", sa.Text, nullable=False),
        Column("address", sa.Text),
        Column("created_at", AT, nullable=False),
    )
    Table(
        "demo_ticket_updates",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("ticket_pk", sa.Integer, ForeignKey("demo_tickets.id"), nullable=False, index=True),
        Column("at", AT, nullable=False),
        Column("status", sa.String(20), nullable=False),
        Column("note", sa.Text, nullable=False),
    )
    Table(
        "demo_outages",
        md,
        Column("outage_id", sa.String(20), primary_key=True),
        Column("commodity", sa.String(12), nullable=False),
        Column("commune", sa.String(80), nullable=False),
        Column("area", sa.Text, nullable=False),
        Column("starts_at", AT, nullable=False),
        Column("ends_at", AT, nullable=False),
        Column("reason", sa.Text, nullable=False),
    )
    Table(
        "demo_otp_outbox",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("phone", sa.String(20), nullable=False, index=True),
        Column("code", sa.String(12), nullable=False),
        Column("sent_at", AT, nullable=False),
    )
    Table(
        "demo_cases",
        md,
        Column("id", sa.Integer, primary_key=True, autoincrement=True),
        Column("case_id", sa.String(20), unique=True),
        Column(
            "customer_code",
            sa.String(10),
            ForeignKey("demo_customers.code"),
            nullable=False,
            index=True,
        ),
        Column("supply_id", sa.String(20), ForeignKey("demo_supplies.supply_id")),
        Column("kind", sa.String(24), nullable=False),
        Column("status", sa.String(20), nullable=False),
        Column("case_data", sa.JSON, nullable=False),
        Column("documents_needed", sa.JSON, nullable=False),
        Column("created_at", AT, nullable=False),
    )
    Table(
        "demo_meta",
        md,
        Column("key", sa.String(40), primary_key=True),
        Column("value", sa.String(200), nullable=False),
    )


def upgrade() -> None:
    schema().create_all(op.get_bind())


def downgrade() -> None:
    schema().drop_all(op.get_bind())
