"""Sending through a failing Cloud API (httpx.MockTransport): only what cannot have been sent
is retried, Retry-After is capped in both its forms, and a message that keeps failing ends
in the dead letters instead of being retried forever."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.inbox import MessageStore
from api.messaging import Messenger
from api.whatsapp.client import (
    TransientError,
    UnknownOutcomeError,
    WhatsAppClient,
    WhatsAppError,
    retry_after_seconds,
)
from knowledge.registry import make_engine
from tests.whatsapp_payloads import PHONE_NUMBER_ID

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
USER = "393331234567"
Handler = Callable[[httpx.Request], httpx.Response]


class CloudApi:
    """Answers each POST with the next scripted answer (a response, or an exception raised
    as the transport would) and counts the POSTs."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.posts: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.posts.append(json.loads(request.content) if request.content[:1] == b"{" else {})
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(wamid: str = "wamid.ok") -> httpx.Response:
    return httpx.Response(200, json={"messages": [{"id": wamid}]})


def meta_error(status: int, code: int) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": f"error {code}", "code": code}})


def make_client(
    cloud: Handler, *, cap: float = 60.0, retries: int = 3
) -> tuple[WhatsAppClient, list[float]]:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:  # injected: the tests never really wait
        sleeps.append(seconds)

    client = WhatsAppClient(
        "https://graph.example",
        PHONE_NUMBER_ID,
        "tok",
        transport=httpx.MockTransport(cloud),
        sleep=sleep,
        now=lambda: NOW,
        backoff=0.5,
        retries=retries,
        pair_interval=0,
        retry_after_cap=cap,
    )
    return client, sleeps


def send(client: WhatsAppClient) -> str:
    return asyncio.run(client.send_text(USER, "ciao"))


# --------------------------------------------------------------------------- never repeated


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_is_posted_once_and_its_outcome_is_unknown(status: int) -> None:
    cloud = CloudApi(httpx.Response(status, json={"error": {"message": "boom"}}), ok())
    client, sleeps = make_client(cloud)
    with pytest.raises(UnknownOutcomeError, match="may have been sent") as caught:
        send(client)
    assert len(cloud.posts) == 1 and sleeps == []
    assert caught.value.status == status


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.WriteTimeout("write timed out"),
        httpx.ReadError("connection reset"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
)
def test_no_answer_after_the_request_went_out_is_posted_once(error: Exception) -> None:
    cloud = CloudApi(error, ok())
    client, sleeps = make_client(cloud)
    with pytest.raises(UnknownOutcomeError):
        send(client)
    assert len(cloud.posts) == 1 and sleeps == []


def test_a_refusal_is_not_retried() -> None:
    cloud = CloudApi(meta_error(400, 100), ok())
    client, sleeps = make_client(cloud)
    with pytest.raises(WhatsAppError) as caught:
        send(client)
    assert type(caught.value) is WhatsAppError and caught.value.code == 100
    assert len(cloud.posts) == 1 and sleeps == []


# --------------------------------------------------------------------------- retried


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("timed out"), httpx.PoolTimeout("pool")],
)
def test_a_connection_that_never_opened_is_retried(error: Exception) -> None:
    cloud = CloudApi(error, error, ok("wamid.third"))
    client, sleeps = make_client(cloud)
    assert send(client) == "wamid.third"
    assert len(cloud.posts) == 3 and sleeps == [0.5, 1.0]


def test_unreachable_after_every_retry_is_transient() -> None:
    cloud = CloudApi(httpx.ConnectError("refused"))
    client, sleeps = make_client(cloud, retries=2)
    with pytest.raises(TransientError, match="unreachable"):
        send(client)
    assert len(cloud.posts) == 3 and sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    ("retry_after", "waited"),
    [
        ("2", 2.0),
        ("600", 45.0),  # capped
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        (format_datetime(NOW + timedelta(hours=1), usegmt=True), 45.0),  # capped
        (format_datetime(NOW - timedelta(minutes=5), usegmt=True), 0.0),  # already past
        ("soon", 0.5),  # unreadable: the client's own backoff
    ],
)
def test_429_waits_for_retry_after_capped(retry_after: str, waited: float) -> None:
    cloud = CloudApi(
        httpx.Response(429, headers={"Retry-After": retry_after}, json={}), ok("wamid.later")
    )
    client, sleeps = make_client(cloud, cap=45.0)
    assert send(client) == "wamid.later"
    assert len(cloud.posts) == 2 and sleeps == [waited]


@pytest.mark.parametrize("code", [130429, 131048, 131056, 80007])
def test_meta_throughput_errors_are_retried(code: int) -> None:
    cloud = CloudApi(meta_error(400, code), ok("wamid.later"))
    client, sleeps = make_client(cloud)
    assert send(client) == "wamid.later"
    assert len(cloud.posts) == 2 and sleeps == [0.5]


def test_throttled_after_every_retry_is_transient() -> None:
    cloud = CloudApi(meta_error(400, 131056))
    client, _ = make_client(cloud, retries=1)
    with pytest.raises(TransientError) as caught:
        send(client)
    assert caught.value.code == 131056 and len(cloud.posts) == 2


def test_read_receipts_are_idempotent_so_a_5xx_is_retried() -> None:
    cloud = CloudApi(httpx.Response(503, json={}), httpx.ReadTimeout("slow"), ok())
    client, sleeps = make_client(cloud)
    asyncio.run(client.mark_read("wamid.in.1"))
    assert len(cloud.posts) == 3 and sleeps == [0.5, 1.0]


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("7", NOW, 60) == 7.0
    assert retry_after_seconds(" 1.5 ", NOW, 60) == 1.5
    assert retry_after_seconds("-3", NOW, 60) == 0.0
    assert retry_after_seconds("nan", NOW, 60) is None
    assert retry_after_seconds("", NOW, 60) is None and retry_after_seconds(None, NOW, 60) is None
    assert retry_after_seconds("Wed, 01 Jan 2030 12:00:10 GMT", NOW, 60) == 10.0
    assert retry_after_seconds("Wed, 01 Jan 2030 12:00:10", NOW, 60) == 10.0  # no zone: GMT
    assert retry_after_seconds("Wed, 01 Jan 2031 12:00:10 GMT", NOW, 60) == 60.0


# --------------------------------------------------------------------------- the outbox


class FakeRuntime:
    """Only what the sender needs; `ask` fails for the users in `broken`."""

    def __init__(self) -> None:
        self.broken: set[str] = set()
        self.graph = self
        self.deps = self

    def get_state(self, config: dict[str, Any]) -> Any:
        thread = config["configurable"]["thread_id"]
        if thread.removeprefix("whatsapp:") in self.broken:
            raise RuntimeError(f"cannot load {thread}")  # the message must not reach a log
        return type("State", (), {"values": {}})()

    def ask(self, text: str, *, user: str, channel: str) -> Any:
        from graph.turn import TurnResult

        return TurnResult(
            thread_id=f"whatsapp:{user}",
            reply="Risposta",
            route="info",
            urgency="normal",
            language="it",
            handoff=False,
            citations=[],
            actions=[],
        )


def outbox(tmp_path: Path, cloud: Handler, *, max_attempts: int = 3) -> Messenger:
    store = MessageStore(make_engine(f"sqlite:///{tmp_path / 'outbox.db'}"), clock=lambda: NOW)
    store.add_inbound("wamid.in.0", USER, "text", "ciao", True)  # the 24-hour window is open
    store.complete(["wamid.in.0"], [], USER)
    client, _ = make_client(cloud, retries=0)
    return Messenger(
        FakeRuntime(),  # type: ignore[arg-type]
        store,
        client,
        debounce=0,
        max_attempts=max_attempts,
        retry_delay=0,
    )


def flush(messenger: Messenger, times: int = 1) -> None:
    for _ in range(times):
        asyncio.run(messenger.flush())


def only_row(messenger: Messenger) -> dict[str, Any]:
    (row,) = messenger.store.outbound_for(USER)
    return row


def test_a_row_that_keeps_failing_goes_to_the_dead_letters(tmp_path: Path) -> None:
    cloud = CloudApi(httpx.ConnectError("refused"))
    messenger = outbox(tmp_path, cloud, max_attempts=3)
    messenger.store.queue(USER, "text", {"text": "Ti rispondiamo"})
    flush(messenger, 2)
    assert only_row(messenger)["status"] == "queued" and only_row(messenger)["attempts"] == 2
    flush(messenger, 5)  # the third attempt fails for good; then nothing more is tried
    row = only_row(messenger)
    assert row["status"] == "dead_letter" and row["attempts"] == 3
    assert "unreachable" in row["error"] and len(cloud.posts) == 3
    (dead,) = messenger.store.dead_letters()["outbound"]
    assert dead["id"] == row["id"]


def test_a_failed_row_waits_before_its_next_attempt(tmp_path: Path) -> None:
    cloud = CloudApi(httpx.ConnectError("refused"), ok())
    messenger = outbox(tmp_path, cloud)
    messenger.retry_delay = 30
    messenger.store.queue(USER, "text", {"text": "Ti rispondiamo"})
    flush(messenger, 3)
    assert len(cloud.posts) == 1 and only_row(messenger)["status"] == "queued"
    assert messenger.store.queued(now=NOW + timedelta(seconds=31))  # due again after 30 s


def test_a_5xx_is_sent_once_and_recorded_as_unknown(tmp_path: Path) -> None:
    cloud = CloudApi(httpx.Response(502, json={}), ok())
    messenger = outbox(tmp_path, cloud)
    messenger.store.queue(USER, "text", {"text": "Ti rispondiamo"})
    flush(messenger, 3)
    row = only_row(messenger)
    assert len(cloud.posts) == 1 and row["status"] == "unknown" and "502" in row["error"]
    assert [r["id"] for r in messenger.store.dead_letters()["outbound"]] == [row["id"]]
    assert messenger.store.requeue(row["id"])  # an operator decides to send it again
    flush(messenger)
    assert len(cloud.posts) == 2 and only_row(messenger)["status"] == "sent"


def test_a_read_timeout_is_sent_once_and_recorded_as_unknown(tmp_path: Path) -> None:
    cloud = CloudApi(httpx.ReadTimeout("slow"), ok())
    messenger = outbox(tmp_path, cloud)
    messenger.store.queue(USER, "text", {"text": "Ti rispondiamo"})
    flush(messenger, 3)
    assert len(cloud.posts) == 1 and only_row(messenger)["status"] == "unknown"


def test_a_sent_message_whose_bookkeeping_fails_is_not_sent_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud = CloudApi(ok("wamid.sent"))
    messenger = outbox(tmp_path, cloud)
    messenger.store.queue(USER, "text", {"text": "Ti rispondiamo"})

    def broken(outbound_id: int, wamid: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(messenger.store, "mark_sent", broken)
    flush(messenger, 3)
    row = only_row(messenger)
    assert len(cloud.posts) == 1 and row["status"] == "unknown"
    assert "wamid.sent" in row["error"]


def test_a_row_whose_sending_crashes_the_worker_is_dead_lettered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each attempt is counted before the request goes out: a crash loop ends too."""
    cloud = CloudApi(ok())
    messenger = outbox(tmp_path, cloud, max_attempts=2)
    row_id = messenger.store.queue(USER, "text", {"text": "Ti rispondiamo"})
    for _ in range(2):  # the process dies during the request, twice
        messenger.store.start_attempt(row_id)
    flush(messenger)
    assert cloud.posts == [] and only_row(messenger)["status"] == "dead_letter"


def test_a_bug_while_sending_is_retried_a_bounded_number_of_times(tmp_path: Path) -> None:
    cloud = CloudApi(ok())
    messenger = outbox(tmp_path, cloud, max_attempts=2)
    messenger.store.queue(USER, "buttons", {"text": "Scegli"})  # no "buttons": a KeyError
    flush(messenger, 4)
    row = only_row(messenger)
    assert row["status"] == "dead_letter" and row["error"] == "KeyError" and cloud.posts == []


def test_an_inbound_message_that_keeps_failing_goes_to_the_dead_letters(tmp_path: Path) -> None:
    cloud = CloudApi(ok())
    messenger = outbox(tmp_path, cloud, max_attempts=3)
    runtime: FakeRuntime = messenger.runtime  # type: ignore[assignment]
    runtime.broken.add(USER)
    messenger.store.add_inbound("wamid.in.poison", USER, "text", "ciao", True)
    messenger.store.add_inbound("wamid.in.other", "393330000009", "text", "ciao", True)
    for _ in range(5):
        asyncio.run(messenger.run_once())
    (dead,) = messenger.store.dead_letters()["inbound"]
    assert dead["message_id"] == "wamid.in.poison" and dead["attempts"] == 3
    assert dead["error"] == "RuntimeError"
    assert messenger.store.pending_for(USER) == []
    # the other customer was answered although the first one's turn kept failing
    assert [p["to"] for p in cloud.posts if p.get("type") == "text"] == ["393330000009"]
    runtime.broken.clear()
    assert messenger.store.requeue_inbound("wamid.in.poison")
    asyncio.run(messenger.run_once())
    assert [p["to"] for p in cloud.posts if p.get("type") == "text"][-1] == USER


def test_older_databases_gain_the_new_columns(tmp_path: Path) -> None:
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:  # the tables as the previous release created them
        conn.execute(
            text(
                "CREATE TABLE wa_outbound (id INTEGER PRIMARY KEY, wamid VARCHAR(128) UNIQUE, "
                "user VARCHAR(64) NOT NULL, kind VARCHAR(24) NOT NULL, body JSON NOT NULL, "
                "status VARCHAR(16) NOT NULL, error TEXT, in_reply_to VARCHAR(128), "
                "created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO wa_outbound (user, kind, body, status, created_at, updated_at) "
                "VALUES ('39333', 'text', '{\"text\": \"x\"}', 'queued', '2030-01-01 10:00:00', "
                "'2030-01-01 10:00:00')"
            )
        )
        conn.execute(
            text(
                "CREATE TABLE wa_inbound (id INTEGER PRIMARY KEY, message_id VARCHAR(128) "
                "NOT NULL UNIQUE, user VARCHAR(64) NOT NULL, kind VARCHAR(24) NOT NULL, "
                "text TEXT NOT NULL, supported BOOLEAN NOT NULL, received_at DATETIME NOT NULL, "
                "status VARCHAR(16) NOT NULL, processed_at DATETIME)"
            )
        )
    store = MessageStore(engine, clock=lambda: NOW)
    (row,) = store.queued()
    assert row["attempts"] == 0 and row["retry_at"] is None
    assert store.start_attempt(row["id"]) == 1
    MessageStore(engine, clock=lambda: NOW)  # a second start changes nothing
