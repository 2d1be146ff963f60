"""Webhook stores with group commit: a burst costs a few transactions, not one per webhook;
each webhook learns which of its messages were new; one bad row fails only its webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest

from api.inbox import MessageStore
from api.messaging import GroupCommit
from knowledge.registry import make_engine

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MessageStore]:
    url = (
        f"sqlite:///{tmp_path / 'inbox.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = make_engine(url)
    yield MessageStore(engine, clock=lambda: NOW)
    engine.dispose()


def row(wamid: str, user: str = "393330000001") -> dict[str, Any]:
    return {"message_id": wamid, "user": user, "kind": "text", "text": "ciao", "supported": True}


class Counting:
    """The store's batch write, counted."""

    def __init__(self, store: MessageStore) -> None:
        self.store, self.batches = store, []  # type: ignore[var-annotated]
        original = store.add_inbound_many

        def counted(rows: list[dict[str, Any]]) -> list[bool]:
            self.batches.append(len(rows))
            return original(rows)

        store.add_inbound_many = counted  # type: ignore[method-assign,assignment]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_a_burst_is_committed_together_and_each_webhook_gets_its_own_answer(store) -> None:  # type: ignore[no-untyped-def]
    counting = Counting(store)
    writer = GroupCommit(store, anyio.CapacityLimiter(1))
    store.add_inbound("wamid.old", "393330000001", "text", "già qui", True)

    async def burst() -> list[list[bool]]:
        webhooks = [[row(f"wamid.{n}", f"39333{n:07}")] for n in range(50)]
        webhooks.append([row("wamid.old")])  # a redelivery of a stored message
        webhooks.append([row("wamid.7", "393330000007")])  # delivered twice in the burst
        webhooks.append([row("wamid.a"), row("wamid.b")])  # two messages in one webhook
        return await asyncio.gather(*(writer.add(w) for w in webhooks))

    results = run(burst())
    assert counting.batches == [54]  # one transaction for the whole burst
    assert results[:50] == [[True]] * 50
    assert results[50] == [False] and results[51] == [False]  # duplicates, never stored twice
    assert results[52] == [True, True]
    pending = store.pending_for("393330000007")
    assert [m["message_id"] for m in pending] == ["wamid.7"]


def test_a_lone_webhook_is_written_at_once(store) -> None:  # type: ignore[no-untyped-def]
    counting = Counting(store)
    writer = GroupCommit(store, anyio.CapacityLimiter(1))

    async def one_after_another() -> list[list[bool]]:
        return [await writer.add([row("wamid.1")]), await writer.add([row("wamid.1")])]

    assert run(one_after_another()) == [[True], [False]]
    assert counting.batches == [1, 1]


def test_a_bad_row_fails_only_its_own_webhook(store) -> None:  # type: ignore[no-untyped-def]
    writer = GroupCommit(store, anyio.CapacityLimiter(1))

    async def burst() -> list[Any]:
        bad = {**row("wamid.bad"), "supported": object()}  # cannot be written
        webhooks = [[row("wamid.1")], [bad], [row("wamid.2", "393330000002")]]
        return await asyncio.gather(*(writer.add(w) for w in webhooks), return_exceptions=True)

    first, failed, last = run(burst())
    assert first == [True] and last == [True]  # stored one by one after the batch failed
    assert isinstance(failed, Exception)  # its webhook answers an error: Meta delivers it again
    assert {m["message_id"] for m in store.pending_for("393330000001")} == {"wamid.1"}
