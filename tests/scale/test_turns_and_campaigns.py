"""Through the real app: concurrent web-chat turns on one thread all land in the
conversation; a campaign run again (or resumed after a crash) sends nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.campaigns import TEMPLATES, campaign_key
from graph.backends.ports import Preferences
from knowledge.settings import Settings
from tests.conftest import DEMO_NOW
from tests.integration.test_whatsapp_webhook import FakeCloudApi
from tests.whatsapp_payloads import PHONE_NUMBER_ID

AUTH = {"Authorization": "Bearer op-token"}
SIMONA, LORENZO = "LM00010008", "LM00010009"


@pytest.fixture
def api(classifier: Any, runtime_dir: Path) -> Iterator[tuple[TestClient, FakeCloudApi]]:
    settings = Settings(
        _env_file=None,
        sportello_data_dir=runtime_dir,
        sportello_env="demo",  # type: ignore[call-arg]
        sportello_clock_start=DEMO_NOW,
        whatsapp_app_secret="test-app-secret",
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


def test_five_concurrent_turns_on_one_web_thread_are_all_kept(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    session = client.post("/v1/chat/sessions").json()
    headers = {"X-Session-Token": session["session_token"]}
    texts = [f"domanda numero {i}: come leggo il contatore?" for i in range(5)]

    def send(text: str) -> int:
        body = {"text": text, "thread_id": session["thread_id"]}
        return client.post("/v1/chat", json=body, headers=headers).status_code

    with ThreadPoolExecutor(5) as pool:
        assert list(pool.map(send, texts)) == [200] * 5
    messages = client.get(f"/v1/chat/{session['thread_id']}/messages", headers=headers).json()
    assert len(messages) == 10  # five questions, five answers: no turn overwrote another
    customer = [m["text"] for m in messages if m["role"] == "customer"]
    assert sorted(customer) == sorted(texts)
    assert [m["role"] for m in messages] == ["customer", "assistant"] * 5


def campaign(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/notifications/campaigns", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_campaign_run_twice_or_resumed_sends_each_message_once(api) -> None:  # type: ignore[no-untyped-def]
    client, cloud = api
    state = client.app.state  # type: ignore[attr-defined]
    backend, store = state.runtime.deps.backend, state.store
    for code in (SIMONA, LORENZO):
        backend.set_preferences(
            Preferences(customer_code=code, reminder_channel="whatsapp", whatsapp_active=True)
        )
    request = {
        "template": "payment_reminder",
        "category": "utility",
        "segment": {"due_in_days": 3},
        "dry_run": False,
    }
    # A first run crashed after queueing Simona's reminder (nothing was sent yet).
    from api.campaigns import Segment

    key = campaign_key(TEMPLATES["payment_reminder"], Segment(due_in_days=3), {}, DEMO_NOW.date())
    simona_wa = backend.get_customer(SIMONA).phone.removeprefix("+")
    store.queue_once(key, SIMONA, simona_wa, "template", {"name": "payment_reminder"})

    resumed = campaign(client, **request)
    assert resumed["idempotency_key"] == key
    assert resumed["queued"] == 1 and resumed["already_sent"] == 1
    flags = {r["customer_code"]: r["already_sent"] for r in resumed["recipients"]}
    assert flags == {SIMONA: True, LORENZO: False}

    again = campaign(client, **request)  # the operator clicks again
    assert again["queued"] == 0 and again["sent"] == 0 and again["already_sent"] == 2
    assert {r["status"] for r in again["recipients"]} == {"sent"}
    templates = [m["to"] for m in cloud.requests if m.get("type") == "template"]
    assert sorted(templates) == sorted(
        backend.get_customer(c).phone.removeprefix("+") for c in (SIMONA, LORENZO)
    )

    # A new key is a new campaign: it is sent again, on purpose.
    other = campaign(client, **request, idempotency_key="reminder-2nd-wave")
    assert other["queued"] == 2 and other["already_sent"] == 0
