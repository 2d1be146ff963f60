"""Schema migrations: the initial revision is exactly the code's schema, on SQLite and on
PostgreSQL; databases made before migrations are adopted; start-up migrates or refuses by the
documented rule; `sportello db upgrade` and `db current`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Column, Engine, MetaData, Table, create_engine, inspect, select, text
from sqlalchemy.exc import OperationalError

from api.db import (
    INITIAL,
    SchemaOutOfDateError,
    current_revision,
    ensure_schema,
    head_revision,
    own_tables,
    target_metadata,
    upgrade,
)
from knowledge.registry import make_engine
from knowledge.settings import Settings
from tests.conftest import run_cli


def schema_of(engine: Engine) -> dict[str, dict[str, Any]]:
    """Everything the database says about each of Sportello's tables, comparable with ==."""
    inspector = inspect(engine)
    described = {}
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        described[table] = {
            "columns": [
                (c["name"], repr(c["type"]), c["nullable"], c["default"])
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                for ix in inspector.get_indexes(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
        }
    return described


def create_all(engine: Engine) -> None:
    for metadata in target_metadata():
        metadata.create_all(engine)


def no_differences(engine: Engine) -> list[Any]:
    """Alembic's autogenerate view: what a new revision would have to change."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, _: type_ != "table" or name in own_tables(),
            },
        )
        return compare_metadata(context, target_metadata())  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """Makes empty databases of one kind (SQLite files, or throwaway PostgreSQL databases
    dropped after the test) and returns their URLs."""
    if request.param == "sqlite":
        return lambda name: f"sqlite:///{tmp_path / name}.db"
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    request.addfinalizer(admin.dispose)

    def make(name: str) -> str:
        unique = f"sportello_test_{name}_{uuid.uuid4().hex[:8]}"
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{unique}"'))
        except OperationalError as exc:  # pragma: no cover - depends on the machine
            pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432: {exc}")

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{unique}" WITH (FORCE)'))

        request.addfinalizer(drop)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{unique}"

    return make


def test_the_initial_revision_is_exactly_the_codes_schema(database: Callable[[str], str]) -> None:
    migrated, created = make_engine(database("migrated")), make_engine(database("created"))
    try:
        assert upgrade(migrated) == head_revision() == INITIAL
        create_all(created)
        assert set(schema_of(migrated)) == own_tables()
        assert schema_of(migrated) == schema_of(created)
        assert no_differences(migrated) == []
        assert upgrade(migrated) == INITIAL  # idempotent
    finally:
        migrated.dispose()
        created.dispose()


def test_a_database_from_before_migrations_is_completed_checked_and_stamped(
    database: Callable[[str], str],
) -> None:
    """As an older release left it: the registry alone (after an ingest) and a message
    store from before the retry and claim columns (and without its indexes), with a row."""
    engine = make_engine(database("legacy"))
    try:
        full = MetaData()
        for metadata in target_metadata():
            for table in metadata.tables.values():
                table.to_metadata(full)
        old = MetaData()
        full.tables["kb_documents"].to_metadata(old)
        inbound = full.tables["wa_inbound"]
        newer = {"attempts", "error", "retry_at", "claimed_by", "claimed_at"}
        Table(
            "wa_inbound",
            old,
            *[
                Column(
                    c.name, c.type, primary_key=c.primary_key, nullable=c.nullable, unique=c.unique
                )
                for c in inbound.columns
                if c.name not in newer
            ],
        )
        old.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO wa_inbound (message_id, "user", kind, text, supported, '
                    "received_at, status) VALUES ('wamid.1', 'u', 'text', 'ciao', true, "
                    "'2026-11-26 10:00:00', 'pending')"
                )
            )
            assert current_revision(conn) is None

        assert upgrade(engine) == INITIAL
        with engine.connect() as conn:
            assert current_revision(conn) == INITIAL
            row = conn.execute(select(full.tables["wa_inbound"])).mappings().one()
        assert row["message_id"] == "wamid.1" and row["attempts"] == 0
        assert set(schema_of(engine)) == own_tables()
        assert no_differences(engine) == []
    finally:
        engine.dispose()


def test_a_database_the_code_made_with_create_all_is_adopted(
    database: Callable[[str], str],
) -> None:
    """What every existing install has: all tables, made by the modules themselves."""
    engine = make_engine(database("made"))
    try:
        create_all(engine)
        before = schema_of(engine)
        assert upgrade(engine) == INITIAL
        assert schema_of(engine) == before
    finally:
        engine.dispose()


def settings(url: str, env: str, tmp_path: Path) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "sportello_env": env,
        "sportello_data_dir": tmp_path / "data",
        "database_url": url,
    }
    if env == "prod":
        values["sportello_secret"] = "s" * 40
    return Settings(**values)


@pytest.mark.postgres
def test_prod_on_postgresql_refuses_an_old_schema_and_says_what_to_run(
    postgres_url: str, tmp_path: Path
) -> None:
    prod = settings(postgres_url.replace("+psycopg", ""), "prod", tmp_path)
    message = (
        f"database schema is at none, this version needs {INITIAL}: run `sportello db upgrade`"
    )
    with pytest.raises(SchemaOutOfDateError) as refused:
        ensure_schema(prod)
    assert str(refused.value) == message

    from api.app import create_app

    with pytest.raises(SchemaOutOfDateError, match="run `sportello db upgrade`"):
        with TestClient(create_app(prod)):
            pass
    engine = make_engine(postgres_url)
    try:
        assert inspect(engine).get_table_names() == []  # refused before touching anything
        upgrade(engine)
    finally:
        engine.dispose()
    assert ensure_schema(prod) == INITIAL


@pytest.mark.postgres
def test_outside_prod_postgresql_is_migrated_at_start(postgres_url: str, tmp_path: Path) -> None:
    assert ensure_schema(settings(postgres_url, "dev", tmp_path)) == INITIAL
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == INITIAL
    finally:
        engine.dispose()


def test_the_embedded_sqlite_default_needs_no_step_even_in_prod(tmp_path: Path) -> None:
    prod = Settings(
        _env_file=None,  # type: ignore[call-arg]
        sportello_env="prod",
        sportello_data_dir=tmp_path / "fresh" / "data",
        sportello_secret="s" * 40,
    )
    assert ensure_schema(prod) == INITIAL
    assert (tmp_path / "fresh" / "data" / "sportello.db").exists()


def test_a_schema_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(SchemaOutOfDateError, match="9999, which this version does not know"):
            upgrade(engine)
    finally:
        engine.dispose()


def test_db_commands_upgrade_and_print_the_revision(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    before = run_cli("db", "current", data_dir=data_dir)
    assert before.returncode == 0, before.stderr[-2000:]
    assert before.stdout.strip() == f"none (this version needs {INITIAL})"
    upgraded = run_cli("db", "upgrade", data_dir=data_dir)
    assert upgraded.returncode == 0, upgraded.stderr[-2000:]
    assert upgraded.stdout.strip() == f"database schema at {INITIAL} (head)"
    after = run_cli("db", "current", data_dir=data_dir)
    assert after.stdout.strip() == f"{INITIAL} (head)"
