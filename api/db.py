"""The relational schema's version: Alembic migrations, configured in code, and the start-up rule.

One database holds the message store, the audit trail, the document registry and the demo
backend (and, on PostgreSQL, LangGraph's checkpoints, which its saver manages itself).

The start-up rule (`ensure_schema`, run by the API's lifespan):

- SQLite (the embedded default, or a sqlite:// DATABASE_URL): migrate automatically. One
  process owns the file, so there is nobody to coordinate with and nothing to do by hand.
- PostgreSQL with SPORTELLO_ENV=prod: refuse to start unless the schema is this version's;
  `sportello db upgrade` is a deliberate release step (one-off job, before the new processes).
- PostgreSQL in dev, demo or test: migrate automatically (under an advisory lock, so an API
  and a worker starting together do not race).

Databases created before migrations existed (tables made by `metadata.create_all`, no
`alembic_version`) are adopted: the tables and columns they lack are added, they are checked
against the initial revision and stamped with it, then migrated as usual.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Engine, MetaData, inspect, make_url, text

from knowledge.registry import make_engine
from knowledge.settings import Settings

log = logging.getLogger("sportello.db")

MIGRATIONS = Path(__file__).parent / "migrations"
INITIAL = "0001"
# pg_advisory_xact_lock key: one migration at a time per database ("sportello" in ASCII).
_LOCK_KEY = 0x73706F7274656C6C


class SchemaOutOfDateError(RuntimeError):
    """The database's schema is not the one this version of Sportello needs."""


def target_metadata() -> list[MetaData]:
    """Every module's tables, as the code defines them today (what autogenerate compares)."""
    from api import inbox
    from graph import audit
    from graph.backends import demo
    from knowledge import registry

    return [inbox.metadata, audit.metadata, registry.metadata, demo.metadata]


@cache
def own_tables() -> frozenset[str]:
    """Sportello's table names; anything else in the database (checkpoints) is not ours."""
    return frozenset(name for md in target_metadata() for name in md.tables)


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration without an ini file: scripts inside the installed package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None, "no migrations in the package"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database was migrated to; None if it never was."""
    return MigrationContext.configure(connection).get_current_revision()


def out_of_date_message(current: str | None, head: str) -> str:
    known = {script.revision for script in _scripts().walk_revisions()}
    if current is not None and current not in known:
        return (
            f"database schema is at {current}, which this version does not know (migrated by "
            f"a newer release?); this version needs {head}"
        )
    return (
        f"database schema is at {current or 'none'}, this version needs {head}: "
        "run `sportello db upgrade`"
    )


def check_schema(engine: Engine) -> str:
    """The database's revision if it is this version's; SchemaOutOfDateError otherwise."""
    head = head_revision()
    with engine.connect() as conn:
        current = current_revision(conn)
    if current != head:
        raise SchemaOutOfDateError(out_of_date_message(current, head))
    return head


def upgrade(engine: Engine) -> str:
    """Migrate to this version's schema (adopting a pre-migration database first); returns
    the revision. Idempotent, and safe to run from several processes on PostgreSQL."""
    head = head_revision()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        current = current_revision(conn)
        if current == head:
            return head
        if current is not None and current not in {s.revision for s in _scripts().walk_revisions()}:
            raise SchemaOutOfDateError(out_of_date_message(current, head))
        if current is None and own_tables() & set(inspect(conn).get_table_names()):
            _adopt(conn)
        command.upgrade(alembic_config(conn), "head")
        current = current_revision(conn)
    log.info("database schema at %s", current)
    return current or head


def _initial_module() -> ModuleType:
    script = _scripts().get_revision(INITIAL)
    assert script is not None
    return script.module


def _adopt(conn: Connection) -> None:
    """A database made by `metadata.create_all` before migrations existed: check it against
    the initial revision, add what it lacks (tables never created, nullable or defaulted
    columns and indexes added since), and stamp it."""
    initial: MetaData = _initial_module().schema()
    inspector = inspect(conn)
    existing = set(inspector.get_table_names())
    additions: list[tuple[str, Column[Any]]] = []
    impossible = []
    for table in initial.sorted_tables:
        if table.name not in existing:
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if column.nullable or column.server_default is not None:
                additions.append((table.name, column))
            else:
                impossible.append(f"{table.name}.{column.name}")
    if impossible:
        raise SchemaOutOfDateError(
            "the database has Sportello's tables but no schema revision, and they lack "
            f"required columns ({', '.join(impossible)}): restore a backup or migrate by hand"
        )
    initial.create_all(conn, checkfirst=True)
    ops = Operations(MigrationContext.configure(conn))
    for table_name, column in additions:
        default = column.server_default.arg if column.server_default is not None else None  # type: ignore[attr-defined]
        ops.add_column(
            table_name,
            Column(column.name, column.type, nullable=column.nullable, server_default=default),
        )
    inspector = inspect(conn)
    for table in initial.sorted_tables:
        indexes = {ix["name"] for ix in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(conn)
    command.stamp(alembic_config(conn), INITIAL)
    log.info("adopted a database created before migrations: stamped %s", INITIAL)


def auto_upgrades(settings: Settings) -> bool:
    """Whether start-up migrates by itself: always on SQLite, on PostgreSQL outside prod."""
    return settings.sqlalchemy_url.startswith("sqlite") or settings.sportello_env != "prod"


def open_engine(settings: Settings) -> Engine:
    """The database's engine (a SQLite file's folder is created if needed)."""
    url = make_url(settings.sqlalchemy_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.sqlalchemy_url)


def ensure_schema(settings: Settings) -> str:
    """The start-up rule (module docstring): migrate, or refuse an out-of-date schema."""
    engine = open_engine(settings)
    try:
        return upgrade(engine) if auto_upgrades(settings) else check_schema(engine)
    finally:
        engine.dispose()
