"""SQLite files are opened in WAL mode with synchronous=FULL: every commit is fsynced (as
durable as the rollback journal) and readers do not block the one writer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from knowledge.registry import make_engine


def test_a_sqlite_file_is_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()


def test_memory_databases_are_left_alone() -> None:
    engine = make_engine("sqlite://")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "memory"
    engine.dispose()


def test_a_reader_does_not_block_the_writer(tmp_path: Path) -> None:
    """An open read transaction (a turn reading the inbox) and a commit (the webhook storing a
    message) at once: with the rollback journal the commit fails with "database is locked"."""
    path = tmp_path / "inbox.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE inbox (id INTEGER PRIMARY KEY, body TEXT)"))
        conn.execute(text("INSERT INTO inbox (body) VALUES ('first')"))
    engine.dispose()
    reader = sqlite3.connect(path, isolation_level=None)
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)  # no waiting
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM inbox").fetchone() == (1,)
        writer.execute("INSERT INTO inbox (body) VALUES ('second')")  # autocommit
        assert reader.execute("SELECT count(*) FROM inbox").fetchone() == (1,)  # its snapshot
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM inbox").fetchone() == (2,)
    finally:
        reader.close()
        writer.close()
