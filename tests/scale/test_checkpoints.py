"""Checkpoints at scale: PostgreSQL on a connection pool, and old checkpoints pruned (keeping
each conversation's latest, and no old subgraph checkpoint) on both SQLite and PostgreSQL."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver, empty_checkpoint

from api.prune import checkpoint_id_floor, prune_checkpoints
from api.runtime import build_checkpointer
from knowledge.settings import Settings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _settings(data_dir: Path, database_url: str | None = None) -> Settings:
    return Settings(sportello_data_dir=data_dir, database_url=database_url, _env_file=None)  # type: ignore[call-arg]


def _put(
    saver: BaseCheckpointSaver[Any], thread: str, when: datetime, step: int, ns: str = ""
) -> str:
    """A checkpoint written at `when` (its id carries the time, as LangGraph's do), in the
    main graph's namespace or, with `ns`, a vertical subgraph's ("billing:<task id>")."""
    checkpoint = empty_checkpoint()
    checkpoint_id = checkpoint_id_floor(when)[:-12] + f"{step:012x}"
    checkpoint["id"] = checkpoint_id
    checkpoint["channel_values"] = {"messages": [f"message {step}"] * 3}
    checkpoint["channel_versions"] = {"messages": f"{step:032}.0"}
    config = {"configurable": {"thread_id": thread, "checkpoint_ns": ns}}
    saved = saver.put(config, checkpoint, {"step": step}, {"messages": f"{step:032}.0"})
    saver.put_writes(saved, [("messages", f"pending {step}")], task_id=f"task-{step}")
    return checkpoint_id


def _history(saver: BaseCheckpointSaver[Any], thread: str, ns: str = "") -> list[str]:
    config = {"configurable": {"thread_id": thread, "checkpoint_ns": ns}}
    return [c.config["configurable"]["checkpoint_id"] for c in saver.list(config)]


def _prune_keeps_the_latest(settings: Settings) -> dict[str, Any]:
    with ExitStack() as stack:
        saver = build_checkpointer(settings, stack)
        old = [_put(saver, "idle", NOW - timedelta(days=90 - i), i) for i in range(3)]
        active_old = _put(saver, "active", NOW - timedelta(days=60), 10)
        active_new = [
            _put(saver, "active", NOW - timedelta(days=1, hours=-i), 11 + i) for i in range(2)
        ]
        # A vertical's subgraph writes under a namespace of its own, new at every turn: its
        # old checkpoints go even when they are their namespace's latest (no turn resumes
        # there; the conversation lives in the main namespace).
        sub_old = _put(saver, "sub", NOW - timedelta(days=50), 20, ns="billing:task-a")
        sub_new = _put(saver, "sub", NOW - timedelta(days=1), 21, ns="billing:task-b")
        main = _put(saver, "sub", NOW - timedelta(days=50), 22)
        report = prune_checkpoints(settings, keep_days=30, now=NOW)
        assert _history(saver, "sub", "billing:task-a") == []
        assert _history(saver, "sub", "billing:task-b") == [sub_new]
        assert _history(saver, "sub") == [main] and sub_old
        assert _history(saver, "idle") == [old[-1]]  # the latest stays: the thread resumes
        assert _history(saver, "active") == active_new[::-1]  # recent history kept
        assert active_old not in _history(saver, "active")
        latest = saver.get_tuple({"configurable": {"thread_id": "idle"}})
        assert latest is not None
        assert latest.checkpoint["channel_values"]["messages"] == ["message 2"] * 3
        assert [w[2] for w in latest.pending_writes or []] == ["pending 2"]
        again = prune_checkpoints(settings, keep_days=30, now=NOW)
    assert report["checkpoints_deleted"] == 4 and report["writes_deleted"] == 4
    assert again["checkpoints_deleted"] == 0 and again["writes_deleted"] == 0
    return report


def test_checkpoint_ids_sort_by_time() -> None:
    from langgraph.checkpoint.base.id import uuid6

    now = datetime.now(UTC)
    current = str(uuid6(clock_seq=-1))
    assert checkpoint_id_floor(now - timedelta(seconds=1)) < current
    assert current < checkpoint_id_floor(now + timedelta(seconds=1))


def test_prune_on_sqlite(tmp_path: Path) -> None:
    report = _prune_keeps_the_latest(_settings(tmp_path))
    assert report["database"] == "sqlite" and report["keep_days"] == 30


def test_prune_without_checkpoints_yet(tmp_path: Path) -> None:
    assert prune_checkpoints(_settings(tmp_path), 30)["checkpoints_deleted"] == 0
    with pytest.raises(ValueError):
        prune_checkpoints(_settings(tmp_path), -1)


@pytest.mark.postgres
def test_prune_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    from sqlalchemy import create_engine, text

    settings = _settings(tmp_path, postgres_url)
    report = _prune_keeps_the_latest(settings)
    assert report["database"] == "postgresql"
    # Channel values no remaining checkpoint refers to are gone; the rest stay.
    assert report["blobs_deleted"] == 4
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        versions = conn.execute(text("select version from checkpoint_blobs order by 1")).scalars()
        assert [v.split(".")[0][-2:] for v in versions] == ["02", "11", "12", "21", "22"]
    engine.dispose()


@pytest.mark.postgres
def test_postgres_checkpointer_uses_a_pool(tmp_path: Path, postgres_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from psycopg_pool import ConnectionPool

    settings = _settings(tmp_path, postgres_url).model_copy(update={"database_pool_size": 4})
    with ExitStack() as stack:
        saver = build_checkpointer(settings, stack)
        assert isinstance(saver.conn, ConnectionPool) and saver.conn.max_size == 4
        with ThreadPoolExecutor(8) as pool:  # conversations do not wait for one connection
            list(pool.map(lambda i: _put(saver, f"t{i}", NOW, i), range(16)))
        assert all(_history(saver, f"t{i}") for i in range(16))
    assert saver.conn.closed  # closed with the runtime
