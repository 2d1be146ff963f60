"""The one clock: frozen, running from a start, or the system's; built from settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from knowledge.clock import ITALY, Clock
from knowledge.settings import Settings

START = datetime(2026, 11, 26, 23, 30, tzinfo=ITALY)


def test_a_frozen_clock_stands_still_until_moved() -> None:
    clock = Clock(START, frozen=True)
    assert clock() == clock.now() == START and clock.frozen
    assert clock.today() == date(2026, 11, 26)
    assert clock.utcnow() == datetime(2026, 11, 26, 22, 30, tzinfo=UTC)
    clock.advance(timedelta(hours=1))
    assert clock.today() == date(2026, 11, 27)  # Italian midnight, not UTC's
    clock.set(datetime(2027, 3, 1, 9, 0))  # a naive time is Italian local time
    assert clock() == datetime(2027, 3, 1, 9, 0, tzinfo=ITALY)


def test_a_running_clock_starts_where_told_and_moves_with_the_system() -> None:
    clock = Clock(START)
    first = clock()
    assert timedelta(0) <= first - START < timedelta(seconds=5)
    assert clock() >= first and not clock.frozen
    clock.advance(timedelta(days=3))
    assert timedelta(days=3) <= clock() - START < timedelta(days=3, seconds=5)


def test_the_system_clock_is_in_italian_time() -> None:
    now = Clock()()
    assert now.tzinfo is not None and now.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    with pytest.raises(ValueError, match="start"):
        Clock(frozen=True)


def test_settings_build_the_clock_and_refuse_a_moved_clock_in_prod() -> None:
    clock = Settings(_env_file=None, sportello_clock_start=START).make_clock()  # type: ignore[call-arg]
    assert timedelta(0) <= clock() - START < timedelta(seconds=5)
    assert not Settings(_env_file=None).make_clock().frozen  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="SPORTELLO_CLOCK_START"):
        Settings(_env_file=None, sportello_env="prod", sportello_clock_start=START)  # type: ignore[call-arg]
