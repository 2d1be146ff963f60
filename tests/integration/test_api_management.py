"""Management API through the real app: KPIs, Prometheus metrics, knowledge uploads and
notification campaigns; the Cloud API is an httpx.MockTransport recording what is sent."""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY, generate_latest

from api.app import create_app
from api.campaigns import TEMPLATES
from api.routes.kpis import Period, Turn, compute_kpis
from graph.backends.ports import Consent, Preferences
from knowledge.settings import Settings
from tests.conftest import DEMO_NOW
from tests.helpers import meta
from tests.integration.test_whatsapp_webhook import FakeCloudApi
from tests.whatsapp_payloads import PHONE_NUMBER_ID, signed, text_message

AUTH = {"Authorization": "Bearer op-token"}
SIMONA, LORENZO, GIULIA = "LM00010008", "LM00010009", "LM00010001"


@pytest.fixture(scope="session")
def warm_classifier(classifier: Any) -> None:
    """Compute the intent examples' embeddings once: runtime_dir then copies them to each app."""
    assert classifier.matrix.size


@pytest.fixture
def api(warm_classifier: None, runtime_dir: Path) -> Iterator[tuple[TestClient, FakeCloudApi]]:
    settings = Settings(
        _env_file=None,
        sportello_data_dir=runtime_dir,
        sportello_env="demo",  # type: ignore[call-arg]
        sportello_clock_start=DEMO_NOW,
        otp_fixed_code="123456",
        whatsapp_verify_token="verify-me",
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


def state(client: TestClient) -> Any:
    return client.app.state  # type: ignore[attr-defined]


# Each test client's web-chat sessions by user: {"thread_id", "session_token"}.
_web_sessions: weakref.WeakKeyDictionary[TestClient, dict[str, dict[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def chat(client: TestClient, user: str, text: str) -> dict[str, Any]:
    """A web-chat turn as `user`'s browser sends it: one web thread (and token) per user."""
    sessions = _web_sessions.setdefault(client, {})
    session = sessions.get(user)
    if session is None:
        created = client.post("/v1/chat/sessions")
        assert created.status_code == 201, created.text
        session = sessions[user] = created.json()
    response = client.post(
        "/v1/chat",
        json={"text": text, "thread_id": session["thread_id"]},
        headers={"X-Session-Token": session["session_token"]},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def web_thread(client: TestClient, user: str) -> str:
    """The web thread `chat` opened for `user`."""
    return _web_sessions[client][user]["thread_id"]


def whatsapp(client: TestClient, wa_id: str, text: str) -> None:
    body, headers = signed(text_message(wa_id, text, f"wamid.in.{time.time_ns()}"))
    assert client.post("/webhooks/whatsapp", content=body, headers=headers).status_code == 200
    client.portal.call(state(client).messenger.run_once)  # type: ignore[attr-defined]


def today() -> date:
    return DEMO_NOW.date()


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/v1/kpis", {}),
        ("get", "/v1/knowledge/documents", {}),
        ("post", "/v1/knowledge/documents", {"files": {"files": ("a.md", b"x")}}),
        ("delete", "/v1/knowledge/documents/lumea-su-whatsapp", {}),
        (
            "post",
            "/v1/notifications/campaigns",
            {"json": {"template": "payment_reminder", "category": "utility", "dry_run": True}},
        ),
    ],
)
def test_management_endpoints_need_an_operator_token(api, method, path, kwargs) -> None:  # type: ignore[no-untyped-def]
    client, cloud = api
    missing = getattr(client, method)(path, **kwargs)
    assert_error(missing, 401, "unauthorized")
    wrong = getattr(client, method)(path, headers={"Authorization": "Bearer nope"}, **kwargs)
    assert_error(wrong, 401, "unauthorized")
    assert cloud.requests == []
    assert [
        d.doc_id for d in state(client).runtime.knowledge.registry.versions("lumea-su-whatsapp")
    ]


# --------------------------------------------------------------------------- KPIs and metrics


def test_kpis_after_chats_a_handoff_a_release_and_a_csat(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    chat(client, "web-a", "come si legge la bolletta della luce?")
    chat(client, "web-a", "e come comunico l'autolettura del gas?")
    chat(client, "web-b", "voglio parlare con un operatore")
    handed = chat(client, "web-b", "ci sei?")
    assert handed["handoff"] is True
    release = client.post(
        f"/v1/operators/conversations/{web_thread(client, 'web-b')}/release", headers=AUTH
    )
    assert release.status_code == 200
    assert chat(client, "web-b", "5")["reply"] == "Grazie del voto!"  # not a turn: a CSAT

    day = today().isoformat()
    response = client.get("/v1/kpis", params={"from": day, "to": day}, headers=AUTH)
    assert response.status_code == 200, response.text
    kpis = response.json()
    assert kpis["period"] == {"from": day, "to": day}
    assert (kpis["threads"], kpis["turns"], kpis["handoffs"]) == (2, 4, 1)
    assert kpis["deflection_rate"] == 0.5
    assert kpis["first_contact_resolution"] == 0.5  # web-a yes, web-b was handed over
    assert kpis["csat_average"] == 5.0 and kpis["csat_responses"] == 1
    assert kpis["channel_adoption"] == {"web": 1.0}
    assert sum(kpis["volumes_by_vertical"].values()) == 4
    assert kpis["volumes_by_vertical"].get("handoff", 0) >= 1
    assert 0 < kpis["avg_first_response_seconds"] < 120
    assert 0 < kpis["avg_resolution_seconds"] < 600
    assert kpis["outbound_by_status"] == {}  # web chat only: nothing through WhatsApp

    yesterday = (today() - timedelta(days=1)).isoformat()
    empty = client.get("/v1/kpis", params={"from": yesterday, "to": yesterday}, headers=AUTH)
    assert empty.json()["threads"] == 0 and empty.json()["deflection_rate"] is None
    assert client.get("/v1/kpis", headers=AUTH).json()["threads"] == 2  # last 30 days

    backwards = client.get("/v1/kpis", params={"from": day, "to": yesterday}, headers=AUTH)
    assert "is after" in assert_error(backwards, 422, "invalid_period")["message"]
    not_a_date = client.get("/v1/kpis", params={"from": "26/11/2026"}, headers=AUTH)
    assert "from" in assert_error(not_a_date, 422, "invalid_request")["message"]
    too_long = client.get("/v1/kpis", params={"from": "2024-01-01", "to": day}, headers=AUTH)
    assert_error(too_long, 422, "period_too_long")


def _turn(thread: str, route: str, minutes: float, handoff: bool = False) -> Turn:
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    channel = thread.split(":")[0]
    return Turn(thread, channel, route, handoff, at, at + timedelta(seconds=3))


def test_first_contact_resolution_counts_repeat_contacts_on_the_same_route() -> None:
    since = datetime(2026, 11, 1, tzinfo=UTC)
    until = datetime(2026, 11, 3, tzinfo=UTC)
    turns = [
        # resolved: a second question in the same contact, then a new topic days later
        _turn("whatsapp:1", "billing", 0),
        _turn("whatsapp:1", "billing", 10),
        _turn("whatsapp:1", "outage", 60 * 24 * 3),
        # not resolved: back on billing two days later (after the period: still a repeat)
        _turn("whatsapp:2", "billing", 0),
        _turn("whatsapp:2", "billing", 60 * 24 * 2),
        # resolved: back on billing, but only after 7 days
        _turn("whatsapp:3", "billing", 0),
        _turn("whatsapp:3", "billing", 60 * 24 * 8),
        # not resolved: handed over in the first contact, released 20 minutes after it began
        _turn("whatsapp:4", "payments", 0),
        _turn("whatsapp:4", "handoff", 1, handoff=True),
        # resolved: three turns in one contact
        _turn("web:5", "payments", 0),
        _turn("web:5", "payments", 5),
        _turn("web:5", "payments", 10),
    ]
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    released = {
        "thread_id": "whatsapp:4",
        "created_at": start + timedelta(minutes=1),
        "closed_at": start + timedelta(minutes=20),
        "csat": 4,
    }
    period = Period(from_=date(2026, 11, 1), to=date(2026, 11, 2))
    kpis = compute_kpis(turns, [released], {"read": 3}, since, until, period)
    assert (kpis.threads, kpis.turns, kpis.handoffs) == (5, 9, 1)
    assert kpis.first_contact_resolution == 0.6  # threads 1, 3 and 5
    assert kpis.deflection_rate == 0.8
    assert kpis.avg_first_response_seconds == 3.0
    # first contacts: 603 s, 3 s, 3 s, until the release 1200 s, 603 s
    assert kpis.avg_resolution_seconds == 482.4
    assert (kpis.csat_average, kpis.csat_responses) == (4.0, 1)
    assert kpis.channel_adoption == {"web": 0.2, "whatsapp": 0.8}
    assert kpis.volumes_by_vertical == {"billing": 4, "handoff": 1, "payments": 4}
    assert kpis.outbound_by_status == {"read": 3}


def test_prometheus_metrics_come_from_the_store_in_a_registry_of_the_app(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    whatsapp(client, "393331234567", "come si legge il contatore del gas?")
    chat(client, "web-m", "voglio parlare con un operatore")
    store = state(client).store
    store.add_inbound("wamid.waiting.1", "393330000009", "text", "ciao", True)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'sportello_turns_total{channel="whatsapp",route="' in text
    assert 'sportello_turns_total{channel="web",route="handoff"} 1.0' in text
    assert "sportello_handoffs_open 1.0" in text
    assert 'sportello_outbound_messages{status="sent"} 1.0' in text
    assert 'sportello_outbound_messages{status="failed"} 0.0' in text
    assert "sportello_inbound_pending 1.0" in text
    assert "sportello_turns" not in generate_latest(REGISTRY).decode()
    chat(client, "web-n", "come si legge la bolletta?")
    assert 'sportello_turns_total{channel="web"' in client.get("/metrics").text


# --------------------------------------------------------------------------- knowledge


def markdown(doc_id: str, body: str, **overrides: object) -> bytes:
    front = yaml.safe_dump(meta(doc_id, **overrides), allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n{body}".encode()


BODY = (
    "# Lettura del contatore del gas a Pian di Scò\n\n"
    "Per la lettura del contatore del gas nella frazione di Pian di Scò il tecnico di Lumea "
    "passa il secondo martedì di ogni mese. Se il contatore è in casa, lascia un avviso con la "
    "data del passaggio successivo e il numero verde 800 123 456 per comunicare l'autolettura."
)


def upload(client: TestClient, *files: tuple[str, bytes], **data: str) -> httpx.Response:
    return client.post(
        "/v1/knowledge/documents",
        files=[("files", (name, content)) for name, content in files],
        data=data,
        headers=AUTH,
    )


def test_knowledge_upload_list_and_delete(api, runtime_dir: Path) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    runtime = state(client).runtime
    doc = ("contatore-pian-di-sco.md", markdown("contatore-pian-di-sco", BODY))

    added = upload(client, doc)
    assert added.status_code == 200, added.text
    report = added.json()
    (result,) = report["documents"]
    assert (result["status"], result["doc_id"], result["version"]) == (
        "added",
        "contatore-pian-di-sco",
        "1",
    )
    assert result["chunks"] >= 1 and report["totals"]["added"] == 1
    saved = Path(result["path"])
    assert saved.parent.parent == runtime_dir / "uploads" and saved.read_bytes() == doc[1]
    hits = runtime.knowledge.retriever.search("quando passa il tecnico a Pian di Scò?", k=3)
    assert "contatore-pian-di-sco" in [h.doc_id for h in hits]

    again = upload(client, doc)
    assert again.status_code == 200
    assert again.json()["documents"][0]["status"] == "unchanged"

    # A new version (sidecar metadata) and a broken file in one batch: 422, the good one goes in.
    sidecar = yaml.safe_dump(
        meta("contatore-pian-di-sco", version="2", effective_from="2026-01-01"), sort_keys=False
    ).encode()
    broken = upload(
        client,
        ("contatore.txt", BODY.encode()),
        ("contatore.txt.meta.yaml", sidecar),
        ("nota.md", b"# Nota senza metadati\n\nTesto della nota interna, senza front matter."),
    )
    assert broken.status_code == 422
    failed = broken.json()
    assert failed["error"]["code"] == "ingest_failed"
    assert failed["totals"] == {
        "added": 0,
        "updated": 1,
        "unchanged": 0,
        "failed": 1,
        "documents": 2,
        "chunks": failed["totals"]["chunks"],
    }
    bad = next(d for d in failed["documents"] if d["status"] == "failed")
    assert bad["path"].endswith("nota.md") and bad["error_code"] == "bad_metadata"
    assert bad["error"] == (
        "no metadata: add a YAML front matter block or a sidecar file nota.md.meta.yaml"
    )

    listing = client.get("/v1/knowledge/documents", headers=AUTH)
    assert listing.status_code == 200
    documents = {d["doc_id"]: d for d in listing.json()}
    assert "lumea-su-whatsapp" in documents  # the bundled corpus is there too
    ours = documents["contatore-pian-di-sco"]
    assert [v["version"] for v in ours["versions"]] == ["1", "2"]
    v1, v2 = ours["versions"]
    assert v1["effective_to"] == "2025-12-31" and v1["declared_to"] is None
    assert not v1["in_force"] and v2["in_force"] and ours["current_version"] == "2"
    as_of_2025 = client.get("/v1/knowledge/documents", params={"as_of": "2025-06-01"}, headers=AUTH)
    old = next(d for d in as_of_2025.json() if d["doc_id"] == "contatore-pian-di-sco")
    assert old["current_version"] == "1"

    removed = client.delete(
        "/v1/knowledge/documents/contatore-pian-di-sco", params={"version": "2"}, headers=AUTH
    )
    assert removed.status_code == 200
    assert [v["version"] for v in removed.json()["deleted"]] == ["2"]
    (only,) = next(
        d
        for d in client.get("/v1/knowledge/documents", headers=AUTH).json()
        if d["doc_id"] == "contatore-pian-di-sco"
    )["versions"]
    assert only["version"] == "1" and only["effective_to"] is None and only["in_force"]

    unknown = client.delete(
        "/v1/knowledge/documents/contatore-pian-di-sco", params={"version": "9"}, headers=AUTH
    )
    assert "'9'" in assert_error(unknown, 404, "document_not_found")["message"]
    gone = client.delete("/v1/knowledge/documents/contatore-pian-di-sco", headers=AUTH)
    assert gone.status_code == 200
    assert runtime.knowledge.registry.versions("contatore-pian-di-sco") == []
    hits = runtime.knowledge.retriever.search("quando passa il tecnico a Pian di Scò?", k=3)
    assert "contatore-pian-di-sco" not in [h.doc_id for h in hits]
    assert_error(
        client.delete("/v1/knowledge/documents/contatore-pian-di-sco", headers=AUTH),
        404,
        "document_not_found",
    )


def test_knowledge_uploads_that_cannot_be_ingested_are_refused(api, runtime_dir: Path) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    orphan = upload(client, ("guida.pdf.meta.yaml", b"doc_id: guida\n"))
    assert "guida.pdf" in assert_error(orphan, 422, "orphan_sidecar")["message"]
    hidden = upload(client, (".env", b"SECRET=1"))
    assert_error(hidden, 422, "bad_filename")
    twice = upload(client, ("a.md", b"x"), ("a.md", b"y"))
    assert_error(twice, 422, "duplicate_filename")
    assert_error(client.post("/v1/knowledge/documents", headers=AUTH), 422, "invalid_request")
    assert not (runtime_dir / "uploads").exists()  # nothing was saved

    dry = upload(client, ("x.md", markdown("prova-dry-run", BODY)), dry_run="true")
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert dry.json()["documents"][0]["status"] == "added"
    assert state(client).runtime.knowledge.registry.versions("prova-dry-run") == []


# --------------------------------------------------------------------------- campaigns


def campaign(client: TestClient, **body: Any) -> httpx.Response:
    return client.post("/v1/notifications/campaigns", json=body, headers=AUTH)


def activate_whatsapp(backend: Any, *codes: str) -> None:
    for code in codes:
        backend.set_preferences(
            Preferences(customer_code=code, reminder_channel="whatsapp", whatsapp_active=True)
        )


def due_in_3_days(backend: Any) -> set[str]:
    """The oracle: customers with an unpaid bill due exactly three days from today."""
    day = today() + timedelta(days=3)
    return {
        c.code
        for c in backend.list_customers()
        if any(
            b.due_date == day and b.status in ("unpaid", "partially_paid")
            for b in backend.list_bills(c.code)
        )
    }


def test_payment_reminder_dry_run_respects_opt_out_and_preferences(api) -> None:  # type: ignore[no-untyped-def]
    client, cloud = api
    backend = state(client).runtime.deps.backend
    segment = due_in_3_days(backend)
    assert {SIMONA, LORENZO} <= segment
    reminder = {"template": "payment_reminder", "category": "utility", "dry_run": True}

    before = campaign(client, **reminder, segment={"due_in_days": 3})
    assert before.status_code == 200, before.text
    assert before.json()["segment_size"] == len(segment)
    assert before.json()["recipients"] == []  # nobody activated WhatsApp messages yet
    assert before.json()["excluded"] == {"whatsapp_inactive": len(segment)}

    activate_whatsapp(backend, SIMONA, LORENZO)
    lorenzo_wa = backend.get_customer(LORENZO).phone.removeprefix("+")
    whatsapp(client, lorenzo_wa, "STOP")
    assert (
        state(client)
        .runtime.graph.get_state({"configurable": {"thread_id": f"whatsapp:{lorenzo_wa}"}})
        .values["opted_out"]
    )
    cloud.requests.clear()

    report = campaign(client, **reminder, segment={"due_in_days": 3}).json()
    assert report["dry_run"] is True and report["segment_size"] == len(segment)
    (simona,) = report["recipients"]
    phone = backend.get_customer(SIMONA).phone
    assert simona["customer_code"] == SIMONA
    assert simona["phone"] == phone[:3] + "******" + phone[-4:]
    assert simona["due_date"] == (today() + timedelta(days=3)).isoformat()
    assert report["excluded"] == {"opted_out": 1, "whatsapp_inactive": len(segment) - 2}
    assert report["queued"] == 0 and cloud.requests == []

    in_figline = campaign(
        client, **reminder, segment={"due_in_days": 3, "commune": "figline valdarno"}
    ).json()
    assert [r["customer_code"] for r in in_figline["recipients"]] == [SIMONA]
    arrears = campaign(
        client, **reminder, segment={"in_arrears": True, "commune": "Figline Valdarno"}
    )
    simona_arrears = next(r for r in arrears.json()["recipients"] if r["customer_code"] == SIMONA)
    assert date.fromisoformat(simona_arrears["due_date"]) < today()  # the overdue bill
    sms = backend.get_preferences("LM00010005")
    assert sms.whatsapp_active and sms.reminder_channel == "sms"
    terranuova = campaign(
        client,
        **reminder,
        segment={"commune": "Terranuova Bracciolini", "commodity": "gas"},
    ).json()
    assert terranuova["excluded"].get("reminder_channel_not_whatsapp") == 1


def test_marketing_needs_the_latest_marketing_consent_and_template_rules(api) -> None:  # type: ignore[no-untyped-def]
    client, cloud = api
    backend = state(client).runtime.deps.backend
    activate_whatsapp(backend, SIMONA)
    offer = {
        "template": "lumea_offers",
        "category": "marketing",
        "segment": {"commune": "Figline Valdarno"},
        "parameters": {"offer": "Lumea Luce Fissa 2026"},
        "dry_run": True,
    }
    report = campaign(client, **offer).json()
    assert [r["customer_code"] for r in report["recipients"]] == [GIULIA]  # consent granted
    assert report["excluded"]["no_marketing_consent"] == 1  # Simona: WhatsApp yes, consent no
    assert report["excluded"]["whatsapp_inactive"] == report["segment_size"] - 2

    backend.record_consent(
        Consent(
            customer_code=GIULIA,
            category="marketing_lumea",
            granted=False,
            wording="Revoco il consenso alle offerte Lumea su WhatsApp.",
        )
    )
    revoked = campaign(client, **offer).json()
    assert revoked["recipients"] == [] and revoked["excluded"]["no_marketing_consent"] == 2

    as_utility = campaign(client, **{**offer, "category": "utility"})
    assert (
        "approved as 'marketing'" in assert_error(as_utility, 422, "category_mismatch")["message"]
    )
    unknown = campaign(client, **{**offer, "template": "black_friday"})
    assert "payment_reminder" in assert_error(unknown, 422, "unknown_template")["message"]
    missing = campaign(client, **{**offer, "parameters": {}})
    assert "missing offer" in assert_error(missing, 422, "bad_parameters")["message"]
    multiline = campaign(client, **{**offer, "parameters": {"offer": "riga 1\nriga 2"}})
    assert_error(multiline, 422, "bad_parameters")
    typo = campaign(client, **{**offer, "segment": {"comune": "Figline Valdarno"}})
    assert_error(typo, 422, "invalid_request")
    assert cloud.requests == []


def test_payment_reminder_due_in_3_days_queues_templates_with_a_payment_button(api) -> None:  # type: ignore[no-untyped-def]
    client, cloud = api
    runtime, store = state(client).runtime, state(client).store
    backend = runtime.deps.backend
    activate_whatsapp(backend, SIMONA, LORENZO)
    response = campaign(
        client,
        template="payment_reminder",
        category="utility",
        segment={"due_in_days": 3},
        dry_run=False,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["dry_run"] is False and report["queued"] == 2 and report["sent"] == 2
    assert {r["customer_code"]: r["status"] for r in report["recipients"]} == {
        SIMONA: "sent",
        LORENZO: "sent",
    }
    due = today() + timedelta(days=3)
    prefix = TEMPLATES["payment_reminder"].payment_button
    assert prefix is not None
    for code in (SIMONA, LORENZO):
        customer = backend.get_customer(code)
        wa_id = customer.phone.removeprefix("+")
        bill = next(b for b in backend.list_bills(code) if b.due_date == due)
        (row,) = store.outbound_for(wa_id)
        assert row["kind"] == "template" and row["status"] == "sent"
        assert row["body"]["name"] == "payment_reminder" and row["body"]["language"] == "it"
        (sent,) = cloud.sent_to(wa_id)  # outside any 24-hour window: a template is allowed
        assert sent["type"] == "template"
        template = sent["template"]
        assert template["name"] == "payment_reminder" and template["language"] == {"code": "it"}
        body, button = template["components"]
        assert [p["text"] for p in body["parameters"]] == [
            customer.name,
            bill.number,
            f"{bill.amount:.2f}".replace(".", ",") + " €",
            due.strftime("%d/%m/%Y"),
        ]
        assert (button["type"], button["sub_type"], button["index"]) == ("button", "url", "0")
        suffix = button["parameters"][0]["text"]
        assert prefix + suffix == backend.payment_link(code, bill.bill_id)
    events = runtime.deps.audit.events(thread_id="campaign:payment_reminder")
    assert events and set(events[-1].data["customers"]) == {SIMONA, LORENZO}

    metrics = client.get("/metrics").text
    assert 'sportello_outbound_messages{status="sent"} 2.0' in metrics
    day = today().isoformat()
    kpis = client.get("/v1/kpis", params={"from": day, "to": day}, headers=AUTH).json()
    assert kpis["outbound_by_status"] == {"sent": 2}
