"""One turn at a time per conversation thread, on every channel and across processes.

`thread_locks(url)` gives PostgreSQL advisory locks (one dedicated connection per held lock,
released by PostgreSQL itself if the process dies) when the database is PostgreSQL, and
in-process locks otherwise: the embedded SQLite default serves from one process only.
Holding is reentrant within one task or thread (and the worker threads it starts), so a
tool that notifies the customer of the very thread whose turn is running does not deadlock.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from contextvars import ContextVar
from typing import Protocol

import anyio
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

# Threads held by the current task or thread (copied into the worker threads it starts).
_held: ContextVar[frozenset[tuple[int, str]]] = ContextVar(
    "sportello_threads_held", default=frozenset()
)
# First key of pg_advisory_lock(int, int): Sportello's thread locks, apart from other uses.
ADVISORY_SPACE = 0x5350  # "SP"


class ThreadBusyError(Exception):
    """A thread's lock could not be had within the lock timeout (a turn is stuck)."""


class ThreadLocks(Protocol):
    def hold(self, thread_id: str) -> AbstractAsyncContextManager[None]: ...

    def hold_sync(self, thread_id: str) -> AbstractContextManager[None]: ...

    def close(self) -> None: ...


class _BaseLocks:
    """Reentrancy and the async face; subclasses acquire (blocking) and release."""

    def __init__(self, capacity: int) -> None:
        # Acquiring blocks a thread while it waits: its own pool, never the one turns run
        # on, and releases another, so waiting for a lock can never starve its holder.
        self._acquiring = anyio.CapacityLimiter(capacity)
        self._releasing = anyio.CapacityLimiter(4)

    def _acquire(self, thread_id: str) -> Callable[[], None]:
        raise NotImplementedError

    @contextmanager
    def hold_sync(self, thread_id: str) -> Iterator[None]:
        """Hold the thread's lock in this (worker) thread."""
        key = (id(self), thread_id)
        if key in _held.get():
            yield
            return
        release = self._acquire(thread_id)
        token = _held.set(_held.get() | {key})
        try:
            yield
        finally:
            _held.reset(token)
            release()

    @asynccontextmanager
    async def hold(self, thread_id: str) -> AsyncIterator[None]:
        """Hold the thread's lock in this task; waiting never blocks the event loop."""
        key = (id(self), thread_id)
        if key in _held.get():
            yield
            return
        with anyio.CancelScope(shield=True):  # a cancelled wait must not leak a held lock
            release = await anyio.to_thread.run_sync(
                self._acquire, thread_id, limiter=self._acquiring
            )
        token = _held.set(_held.get() | {key})
        try:
            yield
        finally:
            _held.reset(token)
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(release, limiter=self._releasing)

    def close(self) -> None:
        """Nothing to free (see PostgresThreadLocks)."""


class _TicketLock:
    """A FIFO lock: waiters get it in the order they asked."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.next_ticket = 0
        self.serving = 0

    def acquire(self) -> None:
        with self.condition:
            ticket = self.next_ticket
            self.next_ticket += 1
            self.condition.wait_for(lambda: self.serving == ticket)

    def release(self) -> None:
        with self.condition:
            self.serving += 1
            self.condition.notify_all()

    @property
    def idle(self) -> bool:
        return self.serving == self.next_ticket


class LocalThreadLocks(_BaseLocks):
    """Per-process locks keyed by thread id (SQLite: one serving process)."""

    def __init__(self, capacity: int = 64) -> None:
        super().__init__(capacity)
        self._guard = threading.Lock()
        self._locks: dict[str, _TicketLock] = {}

    def _acquire(self, thread_id: str) -> Callable[[], None]:
        with self._guard:
            lock = self._locks.setdefault(thread_id, _TicketLock())
        lock.acquire()

        def release() -> None:
            with self._guard:
                lock.release()
                if lock.idle:
                    self._locks.pop(thread_id, None)

        return release


class PostgresThreadLocks(_BaseLocks):
    """pg_advisory_lock(SPACE, hashtext(thread)) on a connection kept while the lock is held.

    PostgreSQL queues the waiters and frees the lock when the holder's connection ends, so a
    killed process never leaves a thread locked. A wait longer than `timeout` seconds raises
    ThreadBusyError.
    """

    def __init__(self, url: str, *, capacity: int = 32, timeout: float = 120.0) -> None:
        super().__init__(capacity)
        self.timeout_ms = int(timeout * 1000)
        self.engine = create_engine(
            url,
            isolation_level="AUTOCOMMIT",  # no transaction stays open while a lock is held
            pool_size=2,
            max_overflow=capacity,
            pool_pre_ping=True,
        )

    def _acquire(self, thread_id: str) -> Callable[[], None]:
        conn = self.engine.connect()
        params = {"space": ADVISORY_SPACE, "thread": thread_id}
        try:
            conn.execute(text(f"SET lock_timeout = {self.timeout_ms}"))
            conn.execute(text("SELECT pg_advisory_lock(:space, hashtext(:thread))"), params)
        except DBAPIError as exc:
            conn.invalidate()
            conn.close()
            if "lock timeout" in str(exc).lower():
                raise ThreadBusyError(f"{thread_id} stayed locked for too long") from None
            raise
        except BaseException:
            conn.invalidate()  # the lock may be held: only closing the session frees it
            conn.close()
            raise

        def release() -> None:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:space, hashtext(:thread))"), params)
            except Exception:
                conn.invalidate()  # closing the session releases its advisory locks
            finally:
                conn.close()

        return release

    def close(self) -> None:
        self.engine.dispose()


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql", "postgres://"))


def thread_locks(url: str) -> LocalThreadLocks | PostgresThreadLocks:
    """Advisory locks for a PostgreSQL URL (SQLAlchemy form), in-process locks otherwise."""
    if is_postgres(url):
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return PostgresThreadLocks(url)
    return LocalThreadLocks()
