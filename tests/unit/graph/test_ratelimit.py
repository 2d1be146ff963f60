"""Rate limits: every rule of a name for every key, counted in Redis across processes, or in
memory when Redis is not configured or stops answering."""

from __future__ import annotations

import uuid

import pytest

from graph.ratelimit import RateLimiter

REDIS = "redis://127.0.0.1:6379/0"


def test_a_request_passes_only_when_every_rule_has_room_for_every_key() -> None:
    limiter = RateLimiter({"otp_send": "2/15 minutes;3/day"})
    assert limiter.hit("otp_send", "customer:A", "thread:1").allowed
    assert limiter.hit("otp_send", "customer:A", "thread:2").allowed
    refused = limiter.hit("otp_send", "customer:A", "thread:3")
    assert not refused.allowed and 0 < refused.retry_after <= 15 * 60
    assert "2 per 15 minute" in refused.rule
    # A refused request is not counted: thread 3 still has its whole allowance elsewhere.
    assert limiter.hit("otp_send", "customer:B", "thread:3").allowed


def test_names_without_rules_are_not_limited() -> None:
    limiter = RateLimiter({"otp_send": "1/minute", "chat_client": ""})
    assert all(limiter.hit("chat_client", "1.2.3.4").allowed for _ in range(50))
    assert all(limiter.hit("unknown", "x").allowed for _ in range(5))


def test_counters_in_redis_are_shared_by_every_process() -> None:
    name = f"otp_send_{uuid.uuid4().hex}"  # a fresh counter: the machine's Redis is shared
    first, second = (
        RateLimiter({name: "3/15 minutes"}, REDIS),
        RateLimiter({name: "3/15 minutes"}, REDIS),
    )
    if first.backend != "redis":
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    assert [first.hit(name, "customer:A").allowed for _ in range(2)] == [True, True]
    assert second.hit(name, "customer:A").allowed
    assert not second.hit(name, "customer:A").allowed  # the 4th, in another "process"
    assert not first.hit(name, "customer:A").allowed


def test_an_unreachable_redis_falls_back_to_memory_and_still_limits() -> None:
    limiter = RateLimiter({"otp_send": "1/minute"}, "redis://127.0.0.1:1/0")
    assert limiter.backend == "memory"
    assert limiter.hit("otp_send", "customer:A").allowed
    assert not limiter.hit("otp_send", "customer:A").allowed


def test_the_announced_wait_comes_from_the_injected_clock_and_never_exceeds_the_window() -> None:
    from tests.conftest import demo_clock

    limiter = RateLimiter({"otp_send": "1/15 minutes"}, clock=demo_clock())
    assert limiter.hit("otp_send", "customer:A").allowed
    refused = limiter.hit("otp_send", "customer:A")
    # The clock stands days away from the storage's time: the wait is still one window at most.
    assert not refused.allowed and 1 <= refused.retry_after <= 15 * 60


def test_memory_limits_never_keep_a_finished_process_alive() -> None:
    """The memory storage's expiry timers are daemon threads: a process that used the limits
    (`sportello ask`) exits even when a timer has not fired (the library's own are not
    daemons, and under a faked or suspended clock they never fire)."""
    import subprocess
    import sys
    import threading

    limiter = RateLimiter({"otp_send": "3/minute"})
    for _ in range(3):
        limiter.hit("otp_send", "LM00010001")
    timer = limiter._storage.timer  # type: ignore[attr-defined]
    assert isinstance(timer, threading.Timer) and timer.daemon
    # A process whose timers never time out (as under libfaketime, where a timed wait
    # outlives the test) still ends: only a set event wakes a wait.
    script = (
        "import threading\n"
        "wait = threading.Event.wait\n"
        "threading.Event.wait = lambda self, timeout=None: wait(self)\n"
        "from graph.ratelimit import RateLimiter\n"
        "RateLimiter({'a': '3/minute'}).hit('a', 'k')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True)
    assert done.returncode == 0, done.stderr[-2000:]
