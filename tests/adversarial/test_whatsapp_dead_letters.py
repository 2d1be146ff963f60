"""The WhatsApp webhook fails closed, and messages that keep failing reach the operators
(dead letters in the inbox API and in /metrics) instead of being retried forever; through
the real app, the Cloud API being an httpx.MockTransport."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.runtime import Runtime, build_runtime
from knowledge.settings import Settings
from tests.conftest import DEMO_NOW
from tests.helpers import copy_data_dir
from tests.whatsapp_payloads import APP_SECRET, PHONE_NUMBER_ID, signed, text_message

AUTH = {"Authorization": "Bearer op-token"}
GIULIA_WA = "393331234567"


def copy_runtime_dir(corpus_ingest: tuple[Path, dict, dict], classifier: Any, dest: Path) -> Path:
    """What `runtime_dir` makes (the ingested corpus and the classifier's cached examples),
    for module-scoped fixtures."""
    data_dir = dest / "data"
    copy_data_dir(corpus_ingest[0], data_dir)
    _ = classifier.matrix
    (data_dir / "cache").mkdir(exist_ok=True)
    for cached in classifier.cache_dir.glob("*.npy"):
        shutil.copy(cached, data_dir / "cache" / cached.name)
    return data_dir


@pytest.fixture(scope="module")
def shared_dir(
    corpus_ingest: tuple[Path, dict, dict],
    classifier: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    return copy_runtime_dir(corpus_ingest, classifier, tmp_path_factory.mktemp("dead-letters"))


def settings_for(data_dir: Path, database: Path | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "sportello_data_dir": data_dir,
        "database_url": f"sqlite:///{database}" if database else None,
        "sportello_env": "test",
        "whatsapp_verify_token": "verify-me",
        "whatsapp_debounce_seconds": 0,
        "whatsapp_pair_interval_seconds": 0,
        "operator_tokens": "anna:op-token",
        **overrides,
    }
    if values["sportello_env"] != "prod":
        values.setdefault("sportello_clock_start", DEMO_NOW)
    return Settings(**values)


@pytest.fixture(scope="module")
def runtime(shared_dir: Path) -> Iterator[Runtime]:
    """One runtime for the module; each app gets its own message store (a database per test)."""
    built = build_runtime(settings_for(shared_dir))
    yield built
    built.close()


def webhook(client: TestClient, wamid: str, *, secret: str | None = APP_SECRET) -> httpx.Response:
    payload = text_message(GIULIA_WA, "ciao, ho una domanda", wamid)
    if secret is None:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
    else:
        body, headers = signed(payload, secret)
    return client.post("/webhooks/whatsapp", content=body, headers=headers)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_without_an_app_secret_dev_and_prod_refuse_every_webhook(
    env: str, runtime: Runtime, shared_dir: Path, tmp_path: Path
) -> None:
    extra = {"sportello_secret": "s" * 40} if env == "prod" else {}
    settings = settings_for(shared_dir, tmp_path / "wa.db", sportello_env=env, **extra)
    with TestClient(create_app(settings, runtime=runtime, run_worker=False)) as client:
        for response in (webhook(client, "wamid.u.1", secret=None), webhook(client, "wamid.u.2")):
            assert response.status_code == 403
            error = response.json()["error"]
            assert error["code"] == "app_secret_missing"
            assert "WHATSAPP_APP_SECRET is not set" in error["message"]
        assert client.app.state.store.pending_for(GIULIA_WA) == []  # type: ignore[attr-defined]


def test_dev_is_the_default_environment_and_fails_closed() -> None:
    assert Settings(_env_file=None).sportello_env == "dev"


@pytest.mark.parametrize("env", ["dev", "prod", "demo", "test"])
def test_with_an_app_secret_unsigned_and_forged_webhooks_are_refused(
    env: str, runtime: Runtime, shared_dir: Path, tmp_path: Path
) -> None:
    extra = {"sportello_secret": "s" * 40} if env == "prod" else {}
    settings = settings_for(
        shared_dir, tmp_path / "wa.db", sportello_env=env, whatsapp_app_secret=APP_SECRET, **extra
    )
    with TestClient(create_app(settings, runtime=runtime, run_worker=False)) as client:
        for response in (
            webhook(client, "wamid.f.1", secret=None),
            webhook(client, "wamid.f.2", secret="forged"),
        ):
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "bad_signature"
        assert webhook(client, "wamid.f.3").status_code == 200


@pytest.mark.parametrize("env", ["demo", "test"])
def test_only_demo_and_test_accept_unsigned_webhooks(
    env: str, runtime: Runtime, shared_dir: Path, tmp_path: Path
) -> None:
    settings = settings_for(shared_dir, tmp_path / "wa.db", sportello_env=env)
    with TestClient(create_app(settings, runtime=runtime, run_worker=False)) as client:
        assert webhook(client, f"wamid.ok.{env}", secret=None).status_code == 200


class FlakyCloudApi:
    """Throttles every message (429, Retry-After 0) until `healthy`; read receipts succeed."""

    def __init__(self) -> None:
        self.healthy = False
        self.messages: list[dict[str, Any]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body.get("status") == "read":
            return httpx.Response(200, json={"success": True})
        self.messages.append(body)
        if not self.healthy:
            return httpx.Response(429, headers={"Retry-After": "0"}, json={})
        return httpx.Response(200, json={"messages": [{"id": f"wamid.out.{len(self.messages)}"}]})


@pytest.fixture
def wa(
    runtime: Runtime, shared_dir: Path, tmp_path: Path
) -> Iterator[tuple[TestClient, FlakyCloudApi]]:
    settings = settings_for(
        shared_dir,
        tmp_path / "wa.db",
        whatsapp_app_secret=APP_SECRET,
        whatsapp_access_token="test-token",
        whatsapp_phone_number_id=PHONE_NUMBER_ID,
        whatsapp_send_max_attempts=2,
    )
    cloud = FlakyCloudApi()
    app = create_app(
        settings,
        runtime=runtime,
        whatsapp_transport=httpx.MockTransport(cloud.handle),
        run_worker=False,
    )
    with TestClient(app) as client:
        client.app.state.messenger.retry_delay = 0  # type: ignore[attr-defined]
        yield client, cloud


def process(client: TestClient, times: int = 1) -> None:
    for _ in range(times):
        client.portal.call(client.app.state.messenger.run_once)  # type: ignore[union-attr,attr-defined]


def metric(client: TestClient, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not exported")


def test_a_reply_that_cannot_be_sent_becomes_a_dead_letter_operators_see(wa) -> None:  # type: ignore[no-untyped-def]
    client, cloud = wa
    assert webhook(client, f"wamid.dl.{time.time_ns()}").status_code == 200
    process(client, 4)
    assert len(cloud.messages) == 2 * 4  # 2 attempts, each: the first try and 3 retries
    assert client.get("/v1/whatsapp/dead-letters").status_code == 401
    listing = client.get("/v1/whatsapp/dead-letters", headers=AUTH).json()
    (dead,) = listing["outbound"]
    assert dead["status"] == "dead_letter" and dead["attempts"] == 2
    assert dead["thread_id"] == f"whatsapp:{GIULIA_WA}" and dead["body"]["text"]
    assert listing["inbound"] == []
    assert metric(client, "sportello_outbox_dead_letters") == 1.0
    assert metric(client, "sportello_inbound_pending") == 0.0

    cloud.healthy = True  # an operator sends it again once Meta accepts messages
    retried = client.post(f"/v1/whatsapp/dead-letters/outbound/{dead['id']}/retry", headers=AUTH)
    assert retried.status_code == 200, retried.text
    assert cloud.messages[-1]["to"] == GIULIA_WA
    assert client.get("/v1/whatsapp/dead-letters", headers=AUTH).json()["outbound"] == []
    assert metric(client, "sportello_outbox_dead_letters") == 0.0
    again = client.post(f"/v1/whatsapp/dead-letters/outbound/{dead['id']}/retry", headers=AUTH)
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"


def test_a_message_whose_processing_keeps_failing_becomes_a_dead_letter(
    wa, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    client, cloud = wa
    cloud.healthy = True
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    broken: Callable[..., Any] = lambda *args, **kwargs: 1 / 0  # noqa: E731
    monkeypatch.setattr(runtime, "ask", broken)
    wamid = f"wamid.poison.{time.time_ns()}"
    assert webhook(client, wamid).status_code == 200
    process(client, 5)
    (dead,) = client.get("/v1/whatsapp/dead-letters", headers=AUTH).json()["inbound"]
    assert dead["message_id"] == wamid and dead["attempts"] == 2
    assert dead["error"] == "ZeroDivisionError" and dead["text"] == "ciao, ho una domanda"
    assert metric(client, "sportello_inbox_dead_letters") == 1.0
    assert metric(client, "sportello_inbound_pending") == 0.0
    assert cloud.messages == []

    monkeypatch.undo()  # fixed: an operator has it processed again
    retried = client.post(f"/v1/whatsapp/dead-letters/inbound/{wamid}/retry", headers=AUTH)
    assert retried.status_code == 200
    process(client)
    assert [m["to"] for m in cloud.messages] == [GIULIA_WA]
    assert metric(client, "sportello_inbox_dead_letters") == 0.0
