"""Remove old conversation checkpoints, keeping the latest one of every conversation.

LangGraph writes a checkpoint at every step of every turn and never deletes one, so the
checkpoint tables grow without end. `prune_checkpoints` deletes the checkpoints older than
`keep_days` days (with their pending writes and, on PostgreSQL, the channel values no
checkpoint refers to any more) except the latest checkpoint of each conversation, so every
conversation still resumes where it stopped. It works on the tables of both savers that
`api.runtime.build_checkpointer` uses: SQLite in the data dir and PostgreSQL.

A checkpoint's age is read from its id: LangGraph's ids are UUID version 6, whose leading
bits are the creation time (system clock), so ids sort by time and `id < floor(cutoff)`
selects the old ones in SQL.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from langgraph.checkpoint.base.id import UUID as UUID6

from knowledge.settings import Settings

log = logging.getLogger("sportello.api")
_UUID_EPOCH = 0x01B21DD213814000  # 100-ns intervals from 1582-10-15 to 1970-01-01


def checkpoint_id_floor(when: datetime) -> str:
    """The smallest checkpoint id (UUID v6) LangGraph could create at `when`."""
    stamp = int(when.timestamp() * 10**7) + _UUID_EPOCH
    value = ((stamp >> 12) & 0xFFFFFFFFFFFF) << 80 | (stamp & 0x0FFF) << 64
    return str(UUID6(int=value, version=6))


def prune_checkpoints(
    settings: Settings, keep_days: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """Delete checkpoints older than `keep_days` days except each conversation's latest.

    `now` defaults to the settings' clock (the system's time outside demos, which is what
    checkpoint ids carry).
    Returns what was done: database kind, cutoff, and rows deleted per table."""
    if keep_days < 0:
        raise ValueError("keep_days must be 0 or more")
    cutoff = (now or settings.make_clock().utcnow()) - timedelta(days=keep_days)
    floor = checkpoint_id_floor(cutoff)
    url = settings.database_url or ""
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        deleted = _prune_postgres("postgresql://" + url.split("://", 1)[1], floor)
        database = "postgresql"
    else:
        deleted = _prune_sqlite(str(settings.sportello_data_dir / "checkpoints.db"), floor)
        database = "sqlite"
    report = {
        "database": database,
        "keep_days": keep_days,
        "cutoff": cutoff.isoformat(),
        **deleted,
    }
    log.info("checkpoints pruned", extra=report)
    return report


# Old checkpoints that are not the latest of their conversation. A vertical's subgraph writes
# under a namespace of its own ("billing:<task id>"), a new one at every turn, and no turn
# resumes there: its old checkpoints go even when they are their namespace's latest.
_OLD = """
    checkpoint_id < {p} AND (checkpoint_ns <> '' OR checkpoint_id < (
        SELECT MAX(latest.checkpoint_id) FROM {table} AS latest
        WHERE latest.thread_id = {table}.thread_id
          AND latest.checkpoint_ns = {table}.checkpoint_ns
    ))
"""
# Pending writes whose checkpoint is gone.
_ORPHAN_WRITES = """
    NOT EXISTS (
        SELECT 1 FROM {checkpoints} AS c
        WHERE c.thread_id = {writes}.thread_id AND c.checkpoint_ns = {writes}.checkpoint_ns
          AND c.checkpoint_id = {writes}.checkpoint_id
    )
"""


def _prune_sqlite(path: str, floor: str) -> dict[str, int]:
    """SqliteSaver: `checkpoints` (channel values inline) and `writes`."""
    from pathlib import Path

    if not Path(path).exists():
        return {"checkpoints_deleted": 0, "writes_deleted": 0, "blobs_deleted": 0}
    connection = sqlite3.connect(path)
    try:
        with connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            if "checkpoints" not in tables:
                return {"checkpoints_deleted": 0, "writes_deleted": 0, "blobs_deleted": 0}
            checkpoints = connection.execute(
                "DELETE FROM checkpoints WHERE " + _OLD.format(p="?", table="checkpoints"),
                (floor,),
            ).rowcount
            writes = connection.execute(
                "DELETE FROM writes WHERE "
                + _ORPHAN_WRITES.format(checkpoints="checkpoints", writes="writes")
            ).rowcount
        connection.execute("PRAGMA optimize")
    finally:
        connection.close()
    return {"checkpoints_deleted": checkpoints, "writes_deleted": writes, "blobs_deleted": 0}


def _prune_postgres(conninfo: str, floor: str) -> dict[str, int]:
    """PostgresSaver: `checkpoints`, `checkpoint_writes`, and `checkpoint_blobs` (channel
    values by version, shared between checkpoints: kept while any checkpoint refers to them)."""
    import psycopg

    with psycopg.connect(conninfo) as connection, connection.transaction():
        exists = connection.execute("SELECT to_regclass('checkpoints') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return {"checkpoints_deleted": 0, "writes_deleted": 0, "blobs_deleted": 0}
        threads = [
            row[0]
            for row in connection.execute(
                "DELETE FROM checkpoints WHERE "
                + _OLD.format(p="%s", table="checkpoints")
                + " RETURNING thread_id",
                (floor,),
            )
        ]
        writes = connection.execute(
            "DELETE FROM checkpoint_writes WHERE "
            + _ORPHAN_WRITES.format(checkpoints="checkpoints", writes="checkpoint_writes")
        ).rowcount
        blobs = connection.execute(
            """
            DELETE FROM checkpoint_blobs AS b
            WHERE b.thread_id = ANY(%s) AND NOT EXISTS (
                SELECT 1 FROM checkpoints AS c
                WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
                  AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version
            )
            """,
            (sorted(set(threads)),),
        ).rowcount
    return {"checkpoints_deleted": len(threads), "writes_deleted": writes, "blobs_deleted": blobs}
