"""The one clock: every "now" and "today" in Sportello is read from a `Clock` passed in."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

ITALY = ZoneInfo("Europe/Rome")


class Clock:
    """Aware datetimes in Italian time.

    `Clock()` follows the system. `Clock(start)` starts at `start` and runs at the system's
    pace (demos, evaluations, tests of a running service). `Clock(start, frozen=True)` stands
    still until `advance` or `set` moves it (unit tests). Entry points build one from settings
    (`SPORTELLO_CLOCK_START`) and pass it to everything that needs the time.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        if start is not None and start.tzinfo is None:
            start = start.replace(tzinfo=ITALY)  # a naive start is Italian local time
        if frozen and start is None:
            raise ValueError("a frozen clock needs a start")
        self._lock = threading.Lock()
        self._frozen = start if frozen else None
        self._offset = timedelta(0) if start is None or frozen else start - _system_now()

    def now(self) -> datetime:
        with self._lock:
            current = self._frozen or _system_now() + self._offset
        return current.astimezone(ITALY)

    __call__ = now

    def today(self) -> date:
        return self.now().date()

    def utcnow(self) -> datetime:
        return self.now().astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def set(self, at: datetime) -> None:
        """Move the clock to `at` (it keeps running if it was running)."""
        if at.tzinfo is None:
            at = at.replace(tzinfo=ITALY)
        with self._lock:
            if self._frozen is not None:
                self._frozen = at
            else:
                self._offset = at - _system_now()

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def __repr__(self) -> str:
        kind = "frozen" if self._frozen is not None else "running"
        return f"Clock({self.now().isoformat(timespec='seconds')}, {kind})"


def _system_now() -> datetime:
    """The only read of the wall clock in Sportello's packages."""
    return datetime.now(UTC)


SYSTEM_CLOCK = Clock()
"""The default for code built without an explicit clock (libraries, ad-hoc scripts)."""
