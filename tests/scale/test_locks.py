"""The per-thread lock: mutual exclusion, FIFO order and reentrancy in one process; advisory
locks across connections (processes) on PostgreSQL, freed when the holder's session dies."""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from api.locks import LocalThreadLocks, PostgresThreadLocks, thread_locks


def test_local_locks_serialise_one_thread_in_arrival_order_and_leave_others_free() -> None:
    locks = LocalThreadLocks()
    inside: list[str] = []
    order: list[int] = []
    others_done = anyio.Event()

    async def turn(i: int, thread: str) -> None:
        async with locks.hold(thread):
            inside.append(thread)
            assert inside.count(thread) == 1  # nobody else in this thread's turn
            order.append(i)
            if i == 0:  # the first turn holds "web:a" until every other thread has finished
                await others_done.wait()
            inside.remove(thread)

    async def arrived(tickets: int) -> None:
        # The ticket is taken in a worker thread: nothing to await but its state.
        while (lock := locks._locks.get("web:a")) is None or lock.next_ticket < tickets:  # noqa: ASYNC110
            await anyio.sleep(0.001)

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for i in range(5):
                group.start_soon(turn, i, "web:a")
                await arrived(i + 1)  # each asks for the lock after the one before
            async with anyio.create_task_group() as others:
                for i in range(5):
                    others.start_soon(turn, 100 + i, f"web:{i}")
            # The other threads ran while "web:a" was held by its first turn.
            assert sorted(order) == [0, 100, 101, 102, 103, 104]
            others_done.set()

    anyio.run(main)
    assert [i for i in order if i < 100] == [0, 1, 2, 3, 4]
    assert locks._locks == {}  # nothing kept for idle threads


def test_holding_is_reentrant_in_the_worker_threads_a_turn_starts() -> None:
    locks = LocalThreadLocks()

    async def main() -> str:
        async with locks.hold("whatsapp:39333"):

            def tool() -> str:  # a graph tool notifying the customer of the running turn
                with locks.hold_sync("whatsapp:39333"):
                    return "queued"

            with anyio.fail_after(2):
                return await anyio.to_thread.run_sync(tool)

    assert anyio.run(main) == "queued"


def test_sync_holders_exclude_each_other() -> None:
    locks = LocalThreadLocks()
    counter = {"n": 0, "max": 0}

    def work() -> None:
        for _ in range(20):
            with locks.hold_sync("t"):
                counter["n"] += 1
                counter["max"] = max(counter["max"], counter["n"])
                time.sleep(0.0005)
                counter["n"] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter["max"] == 1


def test_postgres_advisory_locks_exclude_across_processes(postgres_url: str) -> None:
    first, second = thread_locks(postgres_url), thread_locks(postgres_url)
    assert isinstance(first, PostgresThreadLocks)
    events: list[str] = []

    async def holder() -> None:
        async with first.hold("web:x"):
            events.append("first in")
            await anyio.sleep(0.3)
            events.append("first out")

    async def waiter() -> None:
        await anyio.sleep(0.1)
        async with second.hold("web:x"):
            events.append("second in")
        async with second.hold("web:other"):  # another thread is not blocked by "web:x"
            events.append("other in")

    async def main() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(holder)
            group.start_soon(waiter)

    try:
        anyio.run(main)
        assert events == ["first in", "first out", "second in", "other in"]
        # A holder whose session dies (a killed process) frees the lock at once.
        release = first._acquire("web:y")
        with first.engine.connect() as conn:
            # Only this test's database: another suite may share the server.
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        with second.hold_sync("web:y"):
            pass
        release()  # the dead session's unlock fails quietly; its connection is discarded
    finally:
        first.close()
        second.close()


def test_a_stuck_turn_makes_the_next_one_fail_clearly(postgres_url: str) -> None:
    from api.locks import ThreadBusyError

    first = thread_locks(postgres_url)
    second = PostgresThreadLocks(postgres_url, timeout=0.2)
    try:
        with first.hold_sync("web:z"), pytest.raises(ThreadBusyError):
            with second.hold_sync("web:z"):
                pass
    finally:
        first.close()
        second.close()
