"""Attacks on the web chat and the HTTP APIs through the real app: taking over another
customer's conversation, forged and borrowed session tokens, floods, broken bodies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes.chat import session_token
from knowledge.settings import Settings
from tests.conftest import DEMO_NOW

VICTIM_PHONE = "393331234567"
VICTIM_THREAD = f"whatsapp:{VICTIM_PHONE}"
VICTIM_CODE = "LM00010001"
AUTH = {"Authorization": "Bearer op-token"}

MakeClient = Callable[..., TestClient]


@pytest.fixture(scope="session")
def warm_classifier(classifier: Any) -> None:
    """Embed the intent examples once: runtime_dir then copies them to each app."""
    assert classifier.matrix.size


@pytest.fixture
def make_client(warm_classifier: None, runtime_dir: Path) -> Iterator[MakeClient]:
    """The real app on the ingested corpus, with settings overridden per test (the rate
    limits); each client runs the app's lifespan."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> TestClient:
            settings = Settings(
                _env_file=None,
                sportello_data_dir=runtime_dir,
                sportello_env="demo",  # type: ignore[call-arg]
                sportello_clock_start=DEMO_NOW,
                otp_fixed_code="123456",
                operator_tokens="anna:op-token,bruno:op-token-2",
                **overrides,
            )
            return stack.enter_context(TestClient(create_app(settings, run_worker=False)))

        yield make


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()


def runtime(client: TestClient) -> Any:
    return client.app.state.runtime  # type: ignore[attr-defined]


def messages_of(client: TestClient, thread_id: str) -> list[Any]:
    """The thread's messages as the checkpointer holds them."""
    config = {"configurable": {"thread_id": thread_id}}
    return list(runtime(client).graph.get_state(config).values.get("messages", []))


def new_session(client: TestClient) -> dict[str, str]:
    response = client.post("/v1/chat/sessions")
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def say(
    client: TestClient, session: dict[str, str], text: str, token: str | None = None
) -> httpx.Response:
    return client.post(
        "/v1/chat",
        json={"text": text, "thread_id": session["thread_id"]},
        headers={"X-Session-Token": token or session["session_token"]},
    )


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- takeover


def identified_victim(client: TestClient) -> list[str]:
    """A WhatsApp customer identified in their own thread; returns the personal data an
    attacker must not see (name, supply codes, addresses, customer code)."""
    rt = runtime(client)
    asked = rt.ask("quanto devo pagare?", user=VICTIM_PHONE, channel="whatsapp")
    assert asked.thread_id == VICTIM_THREAD and asked.awaiting == "identification"
    rt.ask(VICTIM_CODE, user=VICTIM_PHONE, channel="whatsapp")
    paid = rt.ask("123456", user=VICTIM_PHONE, channel="whatsapp")
    assert paid.route == "payments" and "ti ho riconosciuto" in (paid.reply or "")
    victim = rt.deps.backend.get_customer(VICTIM_CODE)
    secrets = [victim.name, victim.code, *victim.name.split()]
    for supply in victim.supplies:
        secrets += [supply.address, *(c for c in (supply.pod, supply.pdr, supply.water_meter) if c)]
    return [s for s in secrets if len(s) > 3]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda client, thread: None, id="no-token"),
        pytest.param(lambda client, thread: "x" * 43, id="garbage-token"),
        pytest.param(
            lambda client, thread: session_token(b"a guess at the server secret", thread),
            id="token-under-another-secret",
        ),
        pytest.param(
            lambda client, thread: new_session(client)["session_token"],
            id="a-real-web-sessions-token",
        ),
    ],
)
def test_a_whatsapp_conversation_cannot_be_taken_over_from_the_web_chat(
    client: TestClient, forge: Callable[[TestClient, str], str | None]
) -> None:
    victim_data = identified_victim(client)
    before = messages_of(client, VICTIM_THREAD)
    audited = len(runtime(client).deps.audit.events(thread_id=VICTIM_THREAD))
    token = forge(client, VICTIM_THREAD)
    headers = {"X-Session-Token": token} if token else {}

    turn = client.post(
        "/v1/chat",
        json={"user": "evil", "thread_id": VICTIM_THREAD, "text": "quanto devo pagare?"},
        headers=headers,
    )
    assert_error(turn, 403, "invalid_session")
    poll = client.get(f"/v1/chat/{VICTIM_THREAD}/messages", headers=headers)
    assert_error(poll, 403, "invalid_session")
    for response in (turn, poll):
        leaked = [s for s in victim_data if s.lower() in response.text.lower()]
        assert leaked == [], f"the victim's data in the answer: {leaked}"
    assert len(messages_of(client, VICTIM_THREAD)) == len(before)  # no turn ran
    assert len(runtime(client).deps.audit.events(thread_id=VICTIM_THREAD)) == audited


def test_the_user_field_never_selects_a_conversation(client: TestClient) -> None:
    identified_victim(client)
    before = len(messages_of(client, VICTIM_THREAD))
    for user in (VICTIM_PHONE, VICTIM_THREAD, f"wa-{VICTIM_PHONE}"):
        response = client.post("/v1/chat", json={"user": user, "text": "quanto devo pagare?"})
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["thread_id"].startswith("web:") and VICTIM_PHONE not in result["thread_id"]
        assert result["awaiting"] == "identification"  # a stranger, asked who they are
    assert len(messages_of(client, VICTIM_THREAD)) == before


def test_guessable_legacy_web_threads_are_refused(client: TestClient) -> None:
    legacy = "web:web-42"
    response = client.post("/v1/chat", json={"user": "web-42", "text": "ciao", "thread_id": legacy})
    assert_error(response, 403, "invalid_session")
    assert messages_of(client, legacy) == []


# --------------------------------------------------------------------------- web sessions


def test_a_session_token_opens_only_its_own_thread(client: TestClient) -> None:
    alice, bob = new_session(client), new_session(client)
    assert alice["thread_id"] != bob["thread_id"]
    assert alice["session_token"] != bob["session_token"]
    first = say(client, alice, "come si legge la bolletta della luce?")
    assert first.status_code == 200, first.text
    assert first.json()["thread_id"] == alice["thread_id"]
    assert first.json()["session_token"] == alice["session_token"]
    alice_messages = len(messages_of(client, alice["thread_id"]))
    assert alice_messages == 2

    borrowed = say(client, bob, "ciao", token=alice["session_token"])
    assert_error(borrowed, 403, "invalid_session")
    token = alice["session_token"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for forged in (tampered, token[:-1], token + "A", token.upper(), " " + token):
        assert_error(say(client, alice, "ciao", token=forged), 403, "invalid_session")
    assert messages_of(client, bob["thread_id"]) == []
    assert len(messages_of(client, alice["thread_id"])) == alice_messages

    path = f"/v1/chat/{alice['thread_id']}/messages"
    assert_error(client.get(path), 403, "invalid_session")
    assert_error(
        client.get(path, headers={"X-Session-Token": bob["session_token"]}), 403, "invalid_session"
    )
    assert_error(client.get(path, headers={"X-Session-Token": tampered}), 403, "invalid_session")
    polled = client.get(path, headers={"X-Session-Token": alice["session_token"]})
    assert polled.status_code == 200, polled.text
    assert [m["role"] for m in polled.json()] == ["customer", "assistant"]
    assert polled.json()[0]["text"] == "come si legge la bolletta della luce?"


def test_the_token_may_come_as_a_bearer_token(client: TestClient) -> None:
    alice, bob = new_session(client), new_session(client)
    as_bearer = {"Authorization": f"Bearer {alice['session_token']}"}
    turn = client.post(
        "/v1/chat", json={"text": "ciao", "thread_id": alice["thread_id"]}, headers=as_bearer
    )
    assert turn.status_code == 200, turn.text
    polled = client.get(f"/v1/chat/{alice['thread_id']}/messages", headers=as_bearer)
    assert [m["text"] for m in polled.json()][:1] == ["ciao"]
    other = client.get(f"/v1/chat/{bob['thread_id']}/messages", headers=as_bearer)
    assert_error(other, 403, "invalid_session")
    # X-Session-Token wins over a bearer token: a wrong one is not rescued by a right one.
    both = {**as_bearer, "X-Session-Token": bob["session_token"]}
    assert_error(
        client.get(f"/v1/chat/{alice['thread_id']}/messages", headers=both), 403, "invalid_session"
    )


def test_a_new_session_is_an_empty_web_thread(client: TestClient) -> None:
    session = new_session(client)
    assert session["thread_id"].startswith("web:") and len(session["thread_id"]) >= 4 + 32
    polled = client.get(
        f"/v1/chat/{session['thread_id']}/messages",
        headers={"X-Session-Token": session["session_token"]},
    )
    assert polled.status_code == 200 and polled.json() == []


def test_chat_without_a_thread_starts_a_fresh_empty_one(client: TestClient) -> None:
    threads = []
    for _ in range(2):
        response = client.post("/v1/chat", json={"user": "web-42", "text": "ciao"})
        assert response.status_code == 200, response.text
        result = response.json()
        threads.append(result["thread_id"])
        assert result["thread_id"].startswith("web:") and result["session_token"]
        polled = client.get(
            f"/v1/chat/{result['thread_id']}/messages",
            headers={"X-Session-Token": result["session_token"]},
        )
        assert [(m["role"], m["text"]) for m in polled.json()] == [
            ("customer", "ciao"),
            ("assistant", result["reply"]),
        ]
        later = say(client, result, "come si legge la bolletta della luce?")
        assert later.status_code == 200 and later.json()["thread_id"] == result["thread_id"]
    assert threads[0] != threads[1]


# --------------------------------------------------------------------------- rate limits


def assert_rate_limited(response: httpx.Response) -> None:
    assert_error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_chat_calls_are_limited_per_client_address(make_client: MakeClient) -> None:
    client = make_client(rate_chat_client="2/minute")
    session = new_session(client)
    assert say(client, session, "ciao").status_code == 200
    assert say(client, session, "come si legge la bolletta?").status_code == 200
    assert_rate_limited(say(client, session, "e il contatore del gas?"))
    assert_rate_limited(client.post("/v1/chat", json={"text": "ciao"}))
    assert len(messages_of(client, session["thread_id"])) == 4  # the refused turn never ran
    # Another address still gets through (same app, same limiter).
    other = TestClient(client.app, client=("203.0.113.9", 40000))
    assert say(other, session, "e il contatore del gas?").status_code == 200


def test_chat_calls_are_limited_per_thread(make_client: MakeClient) -> None:
    client = make_client(rate_chat_thread="2/minute")
    busy, quiet = new_session(client), new_session(client)
    for text in ("ciao", "come si legge la bolletta?"):
        assert say(client, busy, text).status_code == 200
    assert_rate_limited(say(client, busy, "e il contatore del gas?"))
    assert len(messages_of(client, busy["thread_id"])) == 4
    assert say(client, quiet, "ciao").status_code == 200


def test_new_web_threads_are_limited_per_client_address(make_client: MakeClient) -> None:
    client = make_client(rate_chat_session="2/minute")
    new_session(client)
    client.post("/v1/chat", json={"text": "ciao"}).raise_for_status()  # a new thread too
    assert_rate_limited(client.post("/v1/chat/sessions"))
    assert_rate_limited(client.post("/v1/chat", json={"text": "ciao"}))


def test_operator_and_knowledge_calls_are_limited_per_token(make_client: MakeClient) -> None:
    client = make_client(rate_api_token="2/minute")
    assert client.get("/v1/operators/queue", headers=AUTH).status_code == 200
    assert client.get("/v1/knowledge/documents", headers=AUTH).status_code == 200
    assert_rate_limited(client.get("/v1/operators/queue", headers=AUTH))
    assert_rate_limited(client.get("/v1/knowledge/documents", headers=AUTH))
    other = {"Authorization": "Bearer op-token-2"}
    assert client.get("/v1/knowledge/documents", headers=other).status_code == 200
    # Guessing tokens counts too, per address.
    wrong = {"Authorization": "Bearer guess"}
    for _ in range(2):
        assert_error(client.get("/v1/operators/queue", headers=wrong), 401, "unauthorized")
    assert_rate_limited(client.get("/v1/operators/queue", headers=wrong))


# --------------------------------------------------------------------------- operator auth


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/v1/operators/queue", {}),
        ("get", f"/v1/operators/conversations/{VICTIM_THREAD}", {}),
        ("post", f"/v1/operators/conversations/{VICTIM_THREAD}/reply", {"json": {"text": "hi"}}),
        ("post", f"/v1/operators/conversations/{VICTIM_THREAD}/release", {}),
        ("get", "/v1/knowledge/documents", {}),
    ],
)
def test_operator_endpoints_need_a_valid_token(
    client: TestClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    victim_data = identified_victim(client)
    before = len(messages_of(client, VICTIM_THREAD))
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer "}):
        response = getattr(client, method)(path, headers=headers, **kwargs)
        assert_error(response, 401, "unauthorized")
        assert not [s for s in victim_data if s.lower() in response.text.lower()]
    assert len(messages_of(client, VICTIM_THREAD)) == before


# --------------------------------------------------------------------------- broken bodies


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        pytest.param(b"{not json", "application/json", 422, "invalid_request", id="malformed"),
        pytest.param(b"", "application/json", 422, "invalid_request", id="empty"),
        pytest.param(b"[1, 2]", "application/json", 422, "invalid_request", id="array"),
        pytest.param(b'{"text": 42}', "application/json", 422, "invalid_request", id="number"),
        pytest.param(b'{"text": ""}', "application/json", 422, "invalid_request", id="blank"),
        pytest.param(
            b'{"text": "' + b"a" * 5000 + b'"}',
            "application/json",
            422,
            "invalid_request",
            id="long-text",
        ),
        pytest.param(
            b'{"text": "ciao", "thread_id": "web:' + b"a" * 200 + b'"}',
            "application/json",
            422,
            "invalid_request",
            id="long-thread",
        ),
        pytest.param(
            b'{"text": "' + b"a" * 200_000 + b'"}',
            "application/json",
            413,
            "payload_too_large",
            id="oversized",
        ),
        pytest.param(b"text=ciao", "text/plain", 422, "invalid_request", id="not-json"),
    ],
)
def test_broken_chat_bodies_are_refused_cleanly(
    client: TestClient, body: bytes, content_type: str, status: int, code: str
) -> None:
    response = client.post("/v1/chat", content=body, headers={"Content-Type": content_type})
    assert_error(response, status, code)


def test_an_oversized_body_without_a_length_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(100):
            yield b"a" * 1024
        yield b'"}'

    response = client.post(
        "/v1/chat", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")
