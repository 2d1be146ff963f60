"""Alembic's environment, configured in code by `api.db` (no alembic.ini at run time).

`api.db` hands over an open connection in `config.attributes["connection"]`; the `alembic`
command line (for writing a new revision) gets one from `sqlalchemy.url` instead. Only
Sportello's own tables are compared: LangGraph's checkpoint tables live in the same
PostgreSQL database and are created by its saver, not here.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from api.db import own_tables, target_metadata


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return type_ != "table" or name in own_tables()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        include_name=_include_name,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as new_connection:
            _run(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Sportello's migrations run against a database; offline (--sql) mode is off")
run_migrations_online()
