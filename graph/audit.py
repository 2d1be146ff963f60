"""The audit trail: every routing, policy and tool decision with its reason, in its own table.

A deliberate record, separate from the debug log: it names the customer code and the action,
never the message text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from knowledge.clock import SYSTEM_CLOCK

Kind = Literal["routing", "policy", "tool", "handoff"]

metadata = MetaData()
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("thread_id", String(128), nullable=False, index=True),
    Column("customer_code", String(32), nullable=True, index=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("ok", Boolean, nullable=False, default=True),
    Column("data", JSON, nullable=True),
)


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    thread_id: str
    customer_code: str | None
    kind: str
    name: str
    reason: str
    ok: bool
    data: dict[str, Any] | None


class AuditTrail:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = SYSTEM_CLOCK) -> None:
        self.engine = engine
        self.clock = clock
        metadata.create_all(engine, tables=[audit_events])

    def record(
        self,
        thread_id: str,
        kind: Kind,
        name: str,
        reason: str,
        *,
        ok: bool = True,
        customer_code: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                audit_events.insert().values(
                    at=self.clock().astimezone(UTC),
                    thread_id=thread_id,
                    customer_code=customer_code,
                    kind=kind,
                    name=name,
                    reason=reason,
                    ok=ok,
                    data=json.loads(json.dumps(data, default=str)) if data else None,
                )
            )

    def events(self, thread_id: str | None = None, kind: str | None = None) -> list[AuditEvent]:
        query = select(audit_events).order_by(audit_events.c.id)
        if thread_id is not None:
            query = query.where(audit_events.c.thread_id == thread_id)
        if kind is not None:
            query = query.where(audit_events.c.kind == kind)
        with self.engine.connect() as conn:
            return [AuditEvent(**row) for row in conn.execute(query).mappings()]
