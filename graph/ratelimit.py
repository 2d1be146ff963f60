"""Rate limits shared by every process: one-time-code sends and checks, API calls.

Rules are `limits` strings ("3/15 minutes;10/day"): a request passes only when every rule
of its name has room for each of its keys (a customer code, a thread, a client address, a
token). Counters live in Redis when REDIS_URL is set, so API and worker replicas share them,
and in this process's memory otherwise. If Redis stops answering, the limiter falls back to
memory and says so in the log: limits keep applying, per process, rather than failing open
or failing every request.

The windows themselves are kept by the `limits` library on its storage's time; the wait a
refusal announces is read from the injected clock and never exceeds the window's length,
so a clock standing still (tests, demos) cannot announce a nonsensical wait.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from knowledge.clock import SYSTEM_CLOCK

log = logging.getLogger("sportello.ratelimit")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # whole seconds until the tightest exhausted window has room again
    rule: str = ""  # the rule that refused, for the audit trail and logs


ALLOWED = Decision(True)


class _MemoryStorage(MemoryStorage):
    """limits' in-memory storage with its expiry timer on a daemon thread.

    The library starts a plain `threading.Timer` (10 ms) to drop expired entries, on every
    start and after each hit; a plain thread keeps a finished process alive until it fires,
    which a suspended or faked clock can postpone for ever (`sportello ask` then never
    exits). Expiry is housekeeping only: each decision compares the entries' own times."""

    def __init__(self) -> None:
        super().__init__()
        self.timer.cancel()  # the library's own, not a daemon: it ends at once
        self.timer.join()
        self._MemoryStorage__schedule_expiry()

    def _MemoryStorage__schedule_expiry(self) -> None:  # the library's private hook
        if not self.timer.is_alive():
            self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)  # type: ignore[attr-defined]
            self.timer.daemon = True
            self.timer.start()


class RateLimiter:
    """Named rules over keys. `hit` consumes one unit from every rule when all have room."""

    def __init__(
        self,
        rules: dict[str, str],
        storage_uri: str | None = None,
        *,
        clock: Callable[[], datetime] = SYSTEM_CLOCK,
    ) -> None:
        self._clock = clock
        self._rules: dict[str, list[RateLimitItem]] = {
            name: parse_many(spec) for name, spec in rules.items() if spec.strip()
        }
        self._uri = storage_uri
        self._lock = threading.Lock()
        self._storage: Storage = _MemoryStorage()
        self.backend = "memory"
        if storage_uri:
            try:
                storage = storage_from_string(storage_uri)
                if isinstance(storage, Storage) and storage.check():
                    self._storage, self.backend = storage, "redis"
                else:
                    log.warning("rate-limit storage unreachable: limits kept in memory")
            except Exception as exc:  # noqa: BLE001 - any storage failure falls back to memory
                log.warning(
                    "rate-limit storage unusable (%s): limits kept in memory", type(exc).__name__
                )
        self._strategy = MovingWindowRateLimiter(self._storage)

    def _fall_back(self, exc: Exception) -> None:
        with self._lock:
            if self.backend != "memory":
                log.warning(
                    "rate-limit storage failed (%s): limits kept in memory", type(exc).__name__
                )
                self._storage, self.backend = _MemoryStorage(), "memory"
                self._strategy = MovingWindowRateLimiter(self._storage)

    def hit(self, name: str, *keys: str) -> Decision:
        """Count one request under `name` for each key; refuse without counting when any
        rule is exhausted for any key."""
        items = self._rules.get(name)
        if not items or not keys:
            return ALLOWED
        try:
            return self._hit(name, items, keys)
        except Exception as exc:  # noqa: BLE001 - a storage outage must not fail the request
            self._fall_back(exc)
            return self._hit(name, items, keys)

    def _hit(self, name: str, items: list[RateLimitItem], keys: tuple[str, ...]) -> Decision:
        refused: list[tuple[int, str]] = []
        for item in items:
            for key in keys:
                if not self._strategy.test(item, name, key):
                    reset = self._strategy.get_window_stats(item, name, key).reset_time
                    left = reset - self._clock().timestamp()
                    wait = min(max(1, math.ceil(left)), item.get_expiry())
                    refused.append((wait, str(item)))
        if refused:
            wait, rule = max(refused)
            return Decision(False, retry_after=wait, rule=f"{name}: {rule}")
        for item in items:
            for key in keys:
                self._strategy.hit(item, name, key)
        return ALLOWED

    def reset(self) -> None:
        """Forget every counter (tests and `sportello` admin use)."""
        try:
            self._storage.reset()
        except Exception as exc:  # noqa: BLE001
            self._fall_back(exc)
