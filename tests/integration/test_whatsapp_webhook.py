"""The WhatsApp webhook with Meta's real payload shapes, through the real app and graph;
the Cloud API is an httpx.MockTransport that records what Sportello sends."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from knowledge.settings import Settings
from tests.conftest import DEMO_NOW
from tests.whatsapp_payloads import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    button_reply,
    signed,
    status,
    sticker,
    text_message,
)

GIULIA_WA = "393331234567"


class FakeCloudApi:
    """Answers like graph.facebook.com and records every request; can refuse a recipient."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.outside_window: set[str] = set()
        self.count = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer test-token"
        if request.url.path.endswith("/media"):
            self.requests.append({"type": "media_upload"})
            return httpx.Response(200, json={"id": "media-1"})
        body = json.loads(request.content)
        self.requests.append(body)
        if body.get("status") == "read":
            return httpx.Response(200, json={"success": True})
        if body.get("to") in self.outside_window and body.get("type") != "template":
            return httpx.Response(
                400, json={"error": {"message": "Re-engagement message", "code": 131047}}
            )
        self.count += 1
        return httpx.Response(200, json={"messages": [{"id": f"wamid.out.{self.count}"}]})

    def sent_to(self, wa_id: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r.get("to") == wa_id]


@pytest.fixture
def wa(runtime_dir: Path) -> Iterator[tuple[TestClient, FakeCloudApi]]:
    settings = Settings(
        _env_file=None,
        sportello_data_dir=runtime_dir,
        sportello_env="demo",  # type: ignore[call-arg]
        sportello_clock_start=DEMO_NOW,
        otp_fixed_code="123456",
        whatsapp_verify_token="verify-me",
        whatsapp_app_secret=APP_SECRET,
        whatsapp_access_token="test-token",
        whatsapp_phone_number_id=PHONE_NUMBER_ID,
        whatsapp_debounce_seconds=0,
        whatsapp_pair_interval_seconds=0,
        operator_tokens="anna:op-token",
    )
    cloud = FakeCloudApi()
    app = create_app(
        settings, whatsapp_transport=httpx.MockTransport(cloud.handle), run_worker=False
    )
    with TestClient(app) as client:
        yield client, cloud


def post(client: TestClient, payload: dict[str, Any]) -> httpx.Response:
    body, headers = signed(payload)
    return client.post("/webhooks/whatsapp", content=body, headers=headers)


def process(client: TestClient) -> None:
    client.portal.call(client.app.state.messenger.run_once)  # type: ignore[union-attr,attr-defined]


def say(client: TestClient, text: str, wa_id: str = GIULIA_WA) -> None:
    assert post(client, text_message(wa_id, text, f"wamid.in.{time.time_ns()}")).status_code == 200
    process(client)


def test_verification_handshake(wa) -> None:  # type: ignore[no-untyped-def]
    client, _ = wa
    ok = client.get(
        "/webhooks/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me",
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    bad = client.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
    )
    assert bad.status_code == 403 and bad.json()["error"]["code"] == "verification_failed"


def test_signatures_are_checked(wa) -> None:  # type: ignore[no-untyped-def]
    client, cloud = wa
    body, headers = signed(text_message(GIULIA_WA, "ciao", "wamid.sig.1"), secret="wrong")
    bad = client.post("/webhooks/whatsapp", content=body, headers=headers)
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "bad_signature"
    missing = client.post(
        "/webhooks/whatsapp", content=body, headers={"Content-Type": "application/json"}
    )
    assert missing.status_code == 401
    process(client)
    assert cloud.requests == []  # nothing stored, nothing answered
    malformed_body, malformed_headers = signed({"object": "page", "entry": []})
    malformed = client.post("/webhooks/whatsapp", content=malformed_body, headers=malformed_headers)
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_payload"


def test_the_same_message_delivered_twice_is_answered_once(wa) -> None:  # type: ignore[no-untyped-def]
    client, cloud = wa
    payload = text_message(GIULIA_WA, "ciao, come si legge la bolletta?", "wamid.dup.1")
    first, second = post(client, payload), post(client, payload)
    assert first.json()["stored"] == 1 and second.json()["duplicates"] == 1
    process(client)
    post(client, payload)  # a late redelivery after the answer
    process(client)
    answers = [r for r in cloud.sent_to(GIULIA_WA) if r.get("type") == "text"]
    assert len(answers) == 1
    assert "intelligenza artificiale" in answers[0]["text"]["body"]
    assert {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.dup.1",
    } in cloud.requests


def test_status_callbacks_in_any_order(wa) -> None:  # type: ignore[no-untyped-def]
    client, _ = wa
    store = client.app.state.store  # type: ignore[attr-defined]
    post(client, status("wamid.out.1", "delivered", GIULIA_WA))  # before we know the message
    say(client, "ciao")
    (row,) = store.outbound_for(GIULIA_WA)
    assert row["wamid"] == "wamid.out.1" and row["status"] == "delivered"
    post(client, status("wamid.out.1", "read", GIULIA_WA))
    post(client, status("wamid.out.1", "sent", GIULIA_WA))  # late and out of order
    assert store.outbound_for(GIULIA_WA)[0]["status"] == "read"


def test_button_replies_continue_an_instalment_plan(wa) -> None:  # type: ignore[no-untyped-def]
    client, cloud = wa
    for text in ("vorrei pagare a rate la bolletta del gas", "LM00010001", "123456"):
        say(client, text)
    offer = cloud.sent_to(GIULIA_WA)[-1]
    assert offer["type"] == "interactive" and offer["interactive"]["type"] == "button"
    button = offer["interactive"]["action"]["buttons"][0]["reply"]
    assert len(offer["interactive"]["action"]["buttons"]) <= 3
    post(client, button_reply(GIULIA_WA, button["id"], button["title"], "wamid.btn.1"))
    process(client)
    consent = cloud.sent_to(GIULIA_WA)[-1]
    assert "Confermi" in consent["interactive"]["body"]["text"]
    yes = consent["interactive"]["action"]["buttons"][0]["reply"]
    post(client, button_reply(GIULIA_WA, yes["id"], yes["title"], "wamid.btn.2"))
    process(client)
    assert "attivato" in cloud.sent_to(GIULIA_WA)[-1]["text"]["body"]


def test_outside_the_window_an_approved_template_is_used(wa) -> None:  # type: ignore[no-untyped-def]
    client, cloud = wa
    store = client.app.state.store  # type: ignore[attr-defined]
    store.add_inbound(
        "wamid.old.1",
        "393330000001",
        "text",
        "ciao",
        True,
        received_at=store.now() - timedelta(hours=30),
    )
    store.complete(["wamid.old.1"], [], "393330000001")
    store.queue("393330000001", "text", {"text": "Ti rispondiamo sulla tua pratica."})
    cloud.outside_window.add("393330000002")  # Meta says 131047 even though we think it's open
    say(client, "ciao", wa_id="393330000002")
    process(client)
    assert [r["type"] for r in cloud.sent_to("393330000001")] == ["template"]
    assert cloud.sent_to("393330000001")[0]["template"]["name"] == "sportello_follow_up"
    assert [r["type"] for r in cloud.sent_to("393330000002")] == ["text", "template"]


def test_unsupported_messages_get_a_polite_reply(wa) -> None:  # type: ignore[no-untyped-def]
    client, cloud = wa
    post(client, sticker(GIULIA_WA, "wamid.st.1"))
    process(client)
    (reply,) = cloud.sent_to(GIULIA_WA)
    assert "solo messaggi di testo" in reply["text"]["body"]


def test_a_burst_of_short_messages_becomes_one_turn(wa) -> None:  # type: ignore[no-untyped-def]
    client, cloud = wa
    messenger = client.app.state.messenger  # type: ignore[attr-defined]
    messenger.debounce = timedelta(seconds=0.6)
    for i, text in enumerate(("ciao", "ho una domanda", "come si legge il contatore del gas?")):
        post(client, text_message(GIULIA_WA, text, f"wamid.burst.{i}"))
    process(client)
    assert cloud.sent_to(GIULIA_WA) == []  # still typing
    time.sleep(0.7)
    process(client)
    assert len([r for r in cloud.sent_to(GIULIA_WA) if r.get("type") != "read"]) == 1


def test_a_bill_copy_is_uploaded_and_sent_as_a_document(wa) -> None:  # type: ignore[no-untyped-def]
    client, cloud = wa
    for text in ("mandami una copia della bolletta della luce", "LM00010001", "123456"):
        say(client, text)
    kinds = [r.get("type") for r in cloud.requests if r.get("type") != "read"]
    assert "media_upload" in kinds
    document = cloud.sent_to(GIULIA_WA)[-1]
    assert document["type"] == "document" and document["document"]["id"] == "media-1"
    assert document["document"]["filename"].endswith(".pdf")
