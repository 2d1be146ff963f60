"""Outbound client against httpx.MockTransport and a real local stub over HTTP; and a crash
between the 200 and the reply: after a restart the message is answered exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from api.whatsapp.client import OutsideWindowError, UnknownOutcomeError, WhatsAppClient
from tests.conftest import ROOT
from tests.fakes import ServerThread
from tests.whatsapp_payloads import APP_SECRET, PHONE_NUMBER_ID, signed, text_message


def _client(handler: Any, **kwargs: Any) -> tuple[WhatsAppClient, list[float]]:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client = WhatsAppClient(
        "https://graph.example",
        PHONE_NUMBER_ID,
        "tok",
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        backoff=0.5,
        pair_interval=0,
        **kwargs,
    )
    return client, sleeps


def test_message_shapes_and_limits() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"messages": [{"id": f"wamid.{len(seen)}"}]})

    client, _ = _client(handler)

    async def run() -> None:
        assert await client.send_text("39333", "ciao") == "wamid.1"
        await client.send_buttons("39333", "Scegli", [(f"b{i}", "x" * 30) for i in range(5)])
        await client.send_list(
            "39333", "Scegli", "Opzioni", [(f"r{i}", "y" * 30) for i in range(12)]
        )
        await client.send_template("39333", "payment_reminder", "it", ["84,20 €"], "B-1")
        await client.close()

    asyncio.run(run())
    text, buttons, listing, template = seen
    assert text["type"] == "text" and text["to"] == "39333"
    assert len(buttons["interactive"]["action"]["buttons"]) == 3
    assert all(len(b["reply"]["title"]) <= 20 for b in buttons["interactive"]["action"]["buttons"])
    rows = listing["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 10 and all(len(r["title"]) <= 24 for r in rows)
    assert template["template"]["components"][1]["sub_type"] == "url"


def test_retries_429_and_throttling_with_backoff_but_never_a_5xx() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"retry-after": "2"}, json={}),
            httpx.Response(400, json={"error": {"message": "pair rate", "code": 131056}}),
            httpx.Response(200, json={"messages": [{"id": "w"}]}),
        ]
    )
    client, sleeps = _client(lambda request: next(answers))
    assert asyncio.run(client.send_text("39333", "ciao")) == "w"
    assert sleeps == [2.0, 1.0]
    posts: list[httpx.Request] = []

    def boom(request: httpx.Request) -> httpx.Response:
        posts.append(request)
        return httpx.Response(500, json={"error": {"message": "boom"}})

    failing, failing_sleeps = _client(boom, retries=2)
    with pytest.raises(UnknownOutcomeError, match="boom"):  # Meta may have sent it
        asyncio.run(failing.send_text("39333", "ciao"))
    assert len(posts) == 1 and failing_sleeps == []


def test_re_engagement_error_is_its_own_exception() -> None:
    client, sleeps = _client(
        lambda request: httpx.Response(
            400, json={"error": {"message": "Re-engagement message", "code": 131047}}
        )
    )
    with pytest.raises(OutsideWindowError):
        asyncio.run(client.send_text("39333", "ciao"))
    assert sleeps == []  # a 400 is not retried


def test_pair_pacing_waits_between_messages_to_the_same_user() -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client = WhatsAppClient(
        "https://graph.example",
        PHONE_NUMBER_ID,
        "tok",
        sleep=sleep,
        pair_interval=6.0,
        transport=httpx.MockTransport(
            lambda r: httpx.Response(200, json={"messages": [{"id": "w"}]})
        ),
    )

    async def run() -> None:
        await client.send_text("39333", "uno")
        await client.send_text("39333", "due")
        await client.send_text("39444", "altro utente")

    asyncio.run(run())
    assert len(sleeps) == 1 and 5.0 < sleeps[0] <= 6.0


class StubCloudApi:
    """graph.facebook.com's messages endpoint, on a real local port."""

    def __init__(self) -> None:
        self.app = FastAPI()
        self.messages: list[dict[str, Any]] = []

        @self.app.post("/{version}/{phone_id}/messages")
        async def messages(version: str, phone_id: str, request: Request) -> dict[str, Any]:
            body = await request.json()
            if body.get("status") == "read":
                return {"success": True}
            self.messages.append(body)
            return {"messages": [{"id": f"wamid.stub.{len(self.messages)}"}]}


def test_client_over_real_http() -> None:
    stub = StubCloudApi()
    with ServerThread(stub.app) as url:
        client = WhatsAppClient(url, PHONE_NUMBER_ID, "tok", pair_interval=0)

        async def run() -> str:
            wamid = await client.send_text("39333", "ciao dal test")
            await client.close()
            return wamid

        assert asyncio.run(run()) == "wamid.stub.1"
    assert stub.messages[0]["text"]["body"] == "ciao dal test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(data_dir: Path, port: int, cloud_url: str, debounce: float) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SPORTELLO_DATA_DIR": str(data_dir),
        "SPORTELLO_ENV": "demo",
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_ACCESS_TOKEN": "tok",
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_API_BASE_URL": cloud_url,
        "WHATSAPP_DEBOUNCE_SECONDS": str(debounce),
        "WHATSAPP_PAIR_INTERVAL_SECONDS": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("the service did not start")


def test_a_crash_after_the_200_loses_nothing_and_answers_once(runtime_dir: Path) -> None:
    stub = StubCloudApi()
    payload = text_message(
        "393331112222", "ciao, come si legge il contatore del gas?", "wamid.crash.1"
    )
    body, headers = signed(payload)
    with ServerThread(stub.app) as cloud_url:
        port = _free_port()
        first = _serve(runtime_dir, port, cloud_url, debounce=30)  # will not answer in time
        try:
            response = httpx.post(
                f"http://127.0.0.1:{port}/webhooks/whatsapp",
                content=body,
                headers=headers,
                timeout=10,
            )
            assert response.status_code == 200 and response.json()["stored"] == 1
        finally:
            first.send_signal(signal.SIGKILL)  # a crash: no shutdown, no cleanup
            first.wait()
        assert stub.messages == []

        second = _serve(runtime_dir, port, cloud_url, debounce=0)
        try:
            deadline = time.monotonic() + 60
            while not stub.messages and time.monotonic() < deadline:
                time.sleep(0.3)
            again = httpx.post(
                f"http://127.0.0.1:{port}/webhooks/whatsapp",
                content=body,
                headers=headers,
                timeout=10,
            )
            assert again.json()["duplicates"] == 1  # Meta's retry after the crash
            time.sleep(2)
        finally:
            second.terminate()
            second.wait()
    replies = [m for m in stub.messages if m["to"] == "393331112222"]
    assert len(replies) == 1 and "contatore" in replies[0]["text"]["body"].lower()
