"""The document registry: which versions of which documents are indexed, in SQL.

SQLite by default, PostgreSQL with DATABASE_URL: same SQLAlchemy Core code. The vector store
holds the passages; the registry is written after them, so a crash mid-ingest leaves a
document unregistered and the next ingest simply does it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

metadata = MetaData()

kb_documents = Table(
    "kb_documents",
    metadata,
    Column("doc_id", String(128), primary_key=True),
    Column("version", String(40), primary_key=True),
    Column("title", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("doc_type", String(32), nullable=False),
    Column("language", String(8), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("chunks", Integer, nullable=False),
    Column("declared_from", Date, nullable=False),
    Column("declared_to", Date, nullable=True),
    # What search uses: the declared end, or the day before the next version takes effect.
    Column("effective_to", Date, nullable=True),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    version: str
    title: str
    path: str
    source: str
    doc_type: str
    language: str
    content_hash: str
    chunks: int
    declared_from: date
    declared_to: date | None
    effective_to: date | None
    ingested_at: datetime

    def __post_init__(self) -> None:
        # Written in UTC; SQLite keeps no offset, so it comes back naive: say it is UTC.
        if self.ingested_at.tzinfo is None:
            object.__setattr__(self, "ingested_at", self.ingested_at.replace(tzinfo=UTC))


def make_engine(url: str) -> Engine:
    """An engine for the registry, the inbox, the audit trail and the demo backend.

    SQLite gets a busy timeout so concurrent writers wait, and a file database is put in WAL
    mode with synchronous=FULL: a commit is one append to the log, fsynced, so it is as
    durable as before (a crash or a power cut loses no acknowledged message), and readers no
    longer block the writer (the webhook's acknowledgement does not wait for a turn's reads).
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        if engine.url.database not in (None, "", ":memory:"):
            event.listen(engine, "connect", _wal)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _wal(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


class DocumentRegistry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine, tables=[kb_documents])

    def get(self, doc_id: str, version: str) -> DocumentRecord | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(kb_documents).where(
                        kb_documents.c.doc_id == doc_id, kb_documents.c.version == version
                    )
                )
                .mappings()
                .first()
            )
        return DocumentRecord(**row) if row else None

    def versions(self, doc_id: str) -> list[DocumentRecord]:
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(kb_documents)
                    .where(kb_documents.c.doc_id == doc_id)
                    .order_by(kb_documents.c.declared_from, kb_documents.c.version)
                )
                .mappings()
                .all()
            )
        return [DocumentRecord(**row) for row in rows]

    def all(self) -> list[DocumentRecord]:
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(kb_documents).order_by(
                        kb_documents.c.doc_id, kb_documents.c.declared_from
                    )
                )
                .mappings()
                .all()
            )
        return [DocumentRecord(**row) for row in rows]

    def upsert(self, record: DocumentRecord) -> None:
        values = record.__dict__
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(kb_documents).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["doc_id", "version"],
            set_={k: v for k, v in values.items() if k not in ("doc_id", "version")},
        )
        with self.engine.begin() as conn:
            conn.execute(statement)

    def set_effective_to(self, doc_id: str, version: str, effective_to: date | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                kb_documents.update()
                .where(kb_documents.c.doc_id == doc_id, kb_documents.c.version == version)
                .values(effective_to=effective_to)
            )

    def remove(self, doc_id: str, version: str | None = None) -> int:
        statement = delete(kb_documents).where(kb_documents.c.doc_id == doc_id)
        if version is not None:
            statement = statement.where(kb_documents.c.version == version)
        with self.engine.begin() as conn:
            return conn.execute(statement).rowcount
