"""Identification cannot be pumped, brute-forced or kept forever: one-time codes are limited
per customer code across threads, stored as keyed hashes, and identification lapses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from graph.ratelimit import RateLimiter
from graph.turn import run_turn, thread_for
from tests.conftest import demo_clock

GIULIA = "LM00010001"
MARCO = "LM00010002"


class CountingSender:
    """Wraps the demo backend's send_code to count SMS per phone."""

    def __init__(self, backend: Any) -> None:
        self.sent: list[str] = []
        original = backend.send_code

        def send_code(phone: str, code: str) -> None:
            self.sent.append(phone)
            original(phone, code)

        backend.send_code = send_code


def limiter(**rules: str) -> RateLimiter:
    return RateLimiter({"otp_send": "3/15 minutes;10/day", "otp_verify": "10/hour", **rules})


def test_fourth_code_request_within_15_minutes_sends_nothing_whichever_thread_asks(
    make_graph,
) -> None:
    graph, deps = make_graph(limiter=limiter())
    sms = CountingSender(deps.backend)
    replies = [
        run_turn(
            graph, f"il mio codice cliente è {GIULIA}", user=f"wa-attacker-{n}", channel="test"
        )
        for n in range(4)
    ]
    assert len(sms.sent) == 3
    assert "troppi codici" in (replies[3].reply or "")
    assert ("policy", "otp_send_limited") in {
        (e.kind, e.name) for e in deps.audit.events(thread_id=replies[3].thread_id)
    }
    # Another customer's code is not affected by Giulia's limit.
    run_turn(graph, f"codice cliente {MARCO}", user="wa-attacker-9", channel="test")
    assert len(sms.sent) == 4


def test_unknown_customer_codes_are_limited_like_known_ones(make_graph) -> None:
    graph, deps = make_graph(limiter=limiter())
    replies = [
        run_turn(graph, "codice cliente LM99999999", user="wa-probe", channel="test").reply
        for _ in range(4)
    ]
    # The same answer as for a real customer (the first one also carries the AI disclosure).
    assert replies[1] == replies[2] and (replies[0] or "").endswith(replies[1] or "-")
    assert "troppi codici" in (replies[3] or "")


def test_per_thread_limit_stops_one_thread_cycling_codes(make_graph) -> None:
    graph, deps = make_graph(limiter=limiter(otp_send="2/15 minutes"))
    sms = CountingSender(deps.backend)
    for code in (GIULIA, MARCO, "LM00010003"):
        run_turn(graph, f"codice cliente {code}", user="wa-cycler", channel="test")
    assert len(sms.sent) == 2


def test_guesses_are_counted_per_customer_code_across_threads(make_graph) -> None:
    graph, deps = make_graph(
        limiter=limiter(otp_send="100/15 minutes", otp_verify="4/hour"), otp_fixed_code=None
    )
    outcomes = []
    for n in range(3):
        thread = f"wa-brute-{n}"
        run_turn(graph, f"codice cliente {GIULIA}", user=thread, channel="test")
        for guess in ("000001", "000002"):
            outcomes.append(run_turn(graph, guess, user=thread, channel="test").reply or "")
    # 4 guesses allowed in all threads together, then every further guess is refused as
    # locked, whatever the thread.
    assert sum("non è corretto" in o for o in outcomes) == 4  # 2 in thread 0, 2 in thread 1
    assert "bloccata" in outcomes[4]  # the fifth guess, in a fresh thread, is refused
    assert not any("riconosciuto" in o for o in outcomes)
    events = [e.name for e in deps.audit.events(thread_id=thread_for("test", "wa-brute-2"))]
    assert "otp_verify_limited" in events and "identified" not in events


def test_one_time_codes_are_stored_as_keyed_hashes(make_graph) -> None:
    import hashlib

    graph, deps = make_graph(secret=b"k" * 32)
    run_turn(graph, f"codice cliente {GIULIA}", user="wa-hash", channel="test")
    thread = thread_for("test", "wa-hash")
    stored = graph.get_state({"configurable": {"thread_id": thread}}).values["otp"]
    plain = hashlib.sha256(f"{thread}\x1f123456".encode()).hexdigest()
    assert stored["code_hash"] != plain
    assert "123456" not in str(stored)
    # The same code under another server secret does not verify.
    from graph.policy import code_hash, code_matches

    assert code_matches(b"k" * 32, thread, "123456", stored["code_hash"])
    assert not code_matches(b"x" * 32, thread, "123456", stored["code_hash"])
    assert stored["code_hash"] == code_hash(b"k" * 32, thread, "123456")


def _identify(graph: Any, user: str) -> None:
    run_turn(graph, "quanto devo pagare?", user=user, channel="test")
    run_turn(graph, GIULIA, user=user, channel="test")
    result = run_turn(graph, "123456", user=user, channel="test")
    state = graph.get_state({"configurable": {"thread_id": result.thread_id}}).values
    assert state["identified"] is True, result.reply


def test_identification_lapses_after_the_idle_time(make_graph) -> None:
    clock = demo_clock()
    graph, deps = make_graph(clock=clock, identification_idle_minutes=30)
    _identify(graph, "wa-idle")
    clock.advance(timedelta(minutes=20))
    still = run_turn(graph, "quanto devo pagare?", user="wa-idle", channel="test")
    assert still.awaiting is None, still.reply
    clock.advance(timedelta(minutes=31))
    lapsed = run_turn(graph, "quanto devo pagare?", user="wa-idle", channel="test")
    assert lapsed.awaiting == "identification"
    assert "scaduta" in (lapsed.reply or "")
    state = graph.get_state({"configurable": {"thread_id": lapsed.thread_id}}).values
    assert state["identified"] is False and state["customer_code"] is None
    kinds = [e.name for e in deps.audit.events(thread_id=lapsed.thread_id)]
    assert "identification_lapsed" in kinds


def test_identification_lapses_after_the_maximum_time_even_when_active(make_graph) -> None:
    clock = demo_clock()
    graph, _ = make_graph(
        clock=clock, identification_idle_minutes=30, identification_max_minutes=60
    )
    _identify(graph, "wa-max")
    for _ in range(3):  # active every 20 minutes: never idle
        clock.advance(timedelta(minutes=20))
        run_turn(graph, "grazie", user="wa-max", channel="test")
    clock.advance(timedelta(minutes=5))
    result = run_turn(graph, "quanto devo pagare?", user="wa-max", channel="test")
    assert result.awaiting == "identification"
