"""Inbox claims: each user's pending messages go to one worker, all together; a dead
worker's claim is taken over after the timeout; an outbox row is claimed for sending once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.inbox import MessageStore
from knowledge.registry import make_engine

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[Clock], MessageStore]]:
    url = (
        f"sqlite:///{tmp_path / 'claims.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engines = []

    def make(clock: Clock) -> MessageStore:
        engine = make_engine(url)
        engines.append(engine)
        return MessageStore(engine, clock=clock, claim_timeout=30)

    yield make
    for engine in engines:
        engine.dispose()


def test_concurrent_workers_claim_disjoint_users_whole(make_store) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    store = make_store(clock)
    for user in range(40):
        for n in range(3):
            store.add_inbound(f"w.{user}.{n}", f"39{user:04}", "text", "ciao", True, NOW)
    clock.now = NOW + timedelta(seconds=5)
    workers = [make_store(clock) for _ in range(4)]

    def claim_all(i: int) -> list[str]:
        got: list[str] = []
        while users := workers[i].claim_users(f"worker-{i}", timedelta(seconds=2), 3):
            got += users
        return got

    with ThreadPoolExecutor(4) as pool:
        claimed = list(pool.map(claim_all, range(4)))
    every = [user for users in claimed for user in users]
    assert sorted(every) == sorted(f"39{u:04}" for u in range(40))  # each once, none lost
    for i, users in enumerate(claimed):
        for user in users:  # all three of a user's messages, with the worker that claimed it
            assert len(store.claimed_for(user, f"worker-{i}")) == 3


def test_debounce_retry_and_stale_claims(make_store) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    store = make_store(clock)
    store.add_inbound("w.1", "39001", "text", "uno", True, NOW)
    assert store.claim_users("a", timedelta(seconds=2), 4) == []  # still writing
    clock.now = NOW + timedelta(seconds=3)
    assert store.claim_users("a", timedelta(seconds=2), 4) == ["39001"]
    store.add_inbound("w.2", "39001", "text", "due", True, clock.now)  # arrives mid-turn
    clock.now += timedelta(seconds=5)
    assert store.claim_users("b", timedelta(seconds=2), 4) == []  # "a" is alive: wait
    clock.now += timedelta(seconds=30)  # "a" was killed: its claim expires
    assert store.claim_users("b", timedelta(seconds=2), 4) == ["39001"]
    assert [r["message_id"] for r in store.claimed_for("39001", "b")] == ["w.1", "w.2"]
    assert store.claimed_for("39001", "a") == []  # the slow one finds nothing to answer
    store.complete(["w.1", "w.2"], [{"kind": "text", "body": {"text": "ok"}}], "39001")
    assert store.claim_users("c", timedelta(seconds=0), 4) == []
    # a failed turn gives its claim back and waits for the retry time
    store.add_inbound("w.3", "39002", "text", "tre", True, clock.now)
    assert store.claim_users("c", timedelta(seconds=0), 4) == ["39002"]
    store.inbound_failed(["w.3"], "Boom", 5, clock.now + timedelta(seconds=10))
    assert store.claim_users("c", timedelta(seconds=0), 4) == []
    clock.now += timedelta(seconds=11)
    assert store.claim_users("d", timedelta(seconds=0), 4) == ["39002"]
    store.release_claims("39002", "d")
    assert store.claim_users("e", timedelta(seconds=0), 4) == ["39002"]


def test_an_outbox_row_is_claimed_for_sending_once(make_store) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    store = make_store(clock)
    row = store.queue("39001", "text", {"text": "ciao"})
    others = [make_store(clock) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        attempts = list(pool.map(lambda i: others[i].claim_outbound(row, f"s{i}"), range(4)))
    assert sorted(a for a in attempts if a is not None) == [1]
    assert store.queued() == []  # being sent by a live sender
    assert store.claim_outbound(row, "s9") is None
    # The sender died mid-send: the message may have gone out, so it is never sent again by
    # itself; it becomes `unknown`, which operators see with the dead letters.
    clock.now += timedelta(seconds=31)
    assert store.queued() == []
    assert store.outbound_row(row)["status"] == "unknown"  # type: ignore[index]
    assert store.claim_outbound(row, "s10") is None
    # A send that failed before anything went out is queued again and claimed afresh.
    other = store.queue("39001", "text", {"text": "ancora"})
    assert store.claim_outbound(other, "s11") == 1
    store.retry_later(other, "connect timeout", clock.now)
    assert [r["id"] for r in store.queued()] == [other]
    assert store.claim_outbound(other, "s12") == 2
    store.mark_sent(other, "wamid.2")
    assert store.claim_outbound(other, "s13") is None
