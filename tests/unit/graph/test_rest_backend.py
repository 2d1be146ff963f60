"""RestBackend against httpx.MockTransport and against a real FastAPI server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI, Header, Request
from fastapi.responses import JSONResponse, Response

from graph.backends.ports import (
    BackendError,
    Case,
    Consent,
    Instalment,
    InstalmentPlan,
    MeterReading,
    NotFoundError,
    Preferences,
    Ticket,
    UtilityBackend,
)
from graph.backends.rest import RestBackend

ROME = ZoneInfo("Europe/Rome")
BASE = "https://crm.lumea.test/api/v1"
TOKEN = "s3cret-token"
CODE = "LM00012345"
NAME = "Giulia Rossi"
PHONE = "+393331234567"


# Payloads as the utility's systems send them (REST.md): Decimals as strings, ISO dates.


def supply_json(**overrides: Any) -> dict[str, Any]:
    return {
        "supply_id": "S-000123",
        "customer_code": CODE,
        "commodity": "electricity",
        "pod": "IT001E12345678",
        "address": "Via Roma 12",
        "commune": "Bologna",
        "power_kw": "3.0",
        "distributor": "Lumea Reti",
        "distributor_emergency_phone": "800 900 111",
        **overrides,
    }


def customer_json(**overrides: Any) -> dict[str, Any]:
    return {"code": CODE, "name": NAME, "phone": PHONE, "supplies": [supply_json()], **overrides}


def bill_json(**overrides: Any) -> dict[str, Any]:
    return {
        "bill_id": "B-2026-000123",
        "number": "2026/E/004512",
        "customer_code": CODE,
        "supply_id": "S-000123",
        "commodity": "electricity",
        "period_start": "2026-01-01",
        "period_end": "2026-02-28",
        "issue_date": "2026-03-05",
        "due_date": "2026-03-25",
        "amount": "87.40",
        "status": "unpaid",
        "estimated": False,
        "conguaglio": True,
        "consumption": "412",
        "consumption_unit": "kWh",
        "lines": [
            {
                "category": "materia",
                "description": "Spesa per la materia energia",
                "quantity": "412",
                "unit": "kWh",
                "unit_price": "0.1180",
                "amount": "48.62",
            }
        ],
        **overrides,
    }


def ticket_json(**overrides: Any) -> dict[str, Any]:
    return {
        "ticket_id": "T-2026-004417",
        "customer_code": CODE,
        "supply_id": "S-000123",
        "category": "bill_anomaly",
        "summary": "Consumi fatturati doppi rispetto al solito",
        "created_at": "2026-03-06T10:02:00+01:00",
        **overrides,
    }


def plan_json(**overrides: Any) -> dict[str, Any]:
    return {
        "plan_id": "R-0042",
        "customer_code": CODE,
        "bill_id": "B-2026-000123",
        "instalments": [
            {"due_date": "2026-04-25", "amount": "43.78"},
            {"due_date": "2026-06-25", "amount": "43.78"},
        ],
        "annual_interest_rate": "0.0215",
        "total": "87.56",
        "created_at": "2026-03-06T10:05:00+01:00",
        **overrides,
    }


def case_json(**overrides: Any) -> dict[str, Any]:
    return {
        "case_id": "PR-2026-000123",
        "customer_code": CODE,
        "supply_id": "S-000123",
        "kind": "power_change",
        "status": "waiting_documents",
        "data": {"from_kw": "3", "to_kw": "4.5"},
        "documents_needed": ["documento d'identità del titolare"],
        "created_at": "2026-03-06T10:02:00+01:00",
        **overrides,
    }


def preferences_json(**overrides: Any) -> dict[str, Any]:
    return {
        "customer_code": CODE,
        "bill_delivery": "email",
        "reminder_channel": "whatsapp",
        "whatsapp_active": True,
        "updated_at": "2026-03-06T10:02:00+01:00",
        **overrides,
    }


WORDING = "Acconsento a ricevere da Lumea Multiservizi S.p.A. offerte e novità commerciali."


def consent_json(**overrides: Any) -> dict[str, Any]:
    return {
        "customer_code": CODE,
        "category": "marketing_lumea",
        "granted": True,
        "wording": WORDING,
        "channel": "whatsapp",
        "at": "2026-03-06T10:02:00+01:00",
        **overrides,
    }


def reading_json(read_on: str, source: str = "actual", **values: str) -> dict[str, Any]:
    return {"supply_id": "S-000123", "read_on": read_on, "values": values, "source": source}


Answer = httpx.Response | Exception


class FakeUtility:
    """The MockTransport handler: canned answers per `METHOD /path?query`, every request kept."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, route: str, *answers: Answer) -> FakeUtility:
        self.answers[route] = list(answers)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.raw_path.decode().removeprefix("/api/v1")
        queue = self.answers.get(f"{request.method} {path}")
        if not queue:
            return httpx.Response(404, json={"code": "no_route", "message": f"no route {path}"})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]  # the last answer repeats
        if isinstance(answer, Exception):
            raise answer
        return answer

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def ok(payload: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=payload)


@pytest.fixture
def utility() -> FakeUtility:
    return FakeUtility()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def backend(utility: FakeUtility, sleeps: list[float]) -> Iterator[RestBackend]:
    with RestBackend(
        BASE, TOKEN, transport=httpx.MockTransport(utility), backoff=0.01, sleep=sleeps.append
    ) as backend:
        yield backend


# Each port method: path, method, body and parsing.


def test_rest_backend_is_a_utility_backend(backend: RestBackend) -> None:
    port: UtilityBackend = backend  # mypy checks the Protocol; this checks the methods exist
    assert callable(port.get_customer)


def test_get_customer_sends_bearer_token_and_parses_the_customer(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on(f"GET /customers/{CODE}", ok(customer_json()))
    customer = backend.get_customer(CODE)
    assert customer.name == NAME
    assert customer.supplies[0].power_kw == Decimal("3.0")
    request = utility.requests[0]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/json"
    assert str(request.url) == f"{BASE}/customers/{CODE}"


def test_no_token_means_no_authorization_header(utility: FakeUtility) -> None:
    utility.on(f"GET /customers/{CODE}", ok(customer_json()))
    with RestBackend(BASE, transport=httpx.MockTransport(utility)) as backend:
        backend.get_customer(CODE)
    assert "authorization" not in utility.requests[0].headers


def test_get_customer_answered_with_another_customer_is_refused(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on(f"GET /customers/{CODE}", ok(customer_json(code="LM99999999")))
    with pytest.raises(BackendError, match="another customer"):
        backend.get_customer(CODE)


def test_find_by_phone_encodes_the_plus(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on("GET /customers?phone=%2B393331234567", ok([customer_json()]))
    customer = backend.find_by_phone(PHONE)
    assert customer is not None and customer.code == CODE


def test_find_by_phone_unknown_ambiguous_or_empty_is_none(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on("GET /customers?phone=%2B390000000000", ok([]))
    assert backend.find_by_phone("+390000000000") is None
    twice = [customer_json(), customer_json(code="LM00054321")]
    utility.on("GET /customers?phone=%2B393331234567", ok(twice))
    assert backend.find_by_phone(PHONE) is None
    assert backend.find_by_phone("") is None
    assert len(utility.requests) == 2  # the empty phone never reached the server


def test_find_by_phone_refuses_a_customer_with_another_phone(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on("GET /customers?phone=%2B393331234567", ok([customer_json(phone="+393400000000")]))
    with pytest.raises(BackendError, match="another phone"):
        backend.find_by_phone(PHONE)


def test_list_customers(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on("GET /customers", ok([customer_json(), customer_json(code="LM00054321")]))
    assert [c.code for c in backend.list_customers()] == [CODE, "LM00054321"]


def test_list_bills_with_and_without_supply(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on(f"GET /customers/{CODE}/bills", ok([bill_json(), bill_json(bill_id="B-2")]))
    utility.on(f"GET /customers/{CODE}/bills?supply_id=S-000123", ok([bill_json()]))
    assert len(backend.list_bills(CODE)) == 2
    [bill] = backend.list_bills(CODE, "S-000123")
    assert bill.amount == Decimal("87.40") and str(bill.amount) == "87.40"
    assert bill.lines[0].unit_price == Decimal("0.1180")
    assert bill.due_date == date(2026, 3, 25)


def test_list_bills_refuses_another_customers_bill(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on(f"GET /customers/{CODE}/bills", ok([bill_json(customer_code="LM99999999")]))
    with pytest.raises(BackendError, match="another customer"):
        backend.list_bills(CODE)


def test_get_bill_and_a_bill_of_someone_else_is_not_found(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on(f"GET /customers/{CODE}/bills/B-2026-000123", ok(bill_json()))
    assert backend.get_bill(CODE, "B-2026-000123").number == "2026/E/004512"
    utility.on(f"GET /customers/{CODE}/bills/B-9", ok(bill_json(bill_id="B-9", customer_code="X")))
    with pytest.raises(NotFoundError):
        backend.get_bill(CODE, "B-9")


def test_ids_are_escaped_as_one_path_segment(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on(f"GET /customers/{CODE}/bills/B%2F1%3Fx", ok(bill_json(bill_id="B/1?x")))
    assert backend.get_bill(CODE, "B/1?x").bill_id == "B/1?x"
    with pytest.raises(NotFoundError):
        backend.get_bill(CODE, "..")
    assert len(utility.requests) == 1


def test_bill_pdf(backend: RestBackend, utility: FakeUtility) -> None:
    pdf = b"%PDF-1.4\n%fake but well-typed\n"
    route = f"GET /customers/{CODE}/bills/B-1/pdf"
    utility.on(route, httpx.Response(200, content=pdf, headers={"content-type": "application/pdf"}))
    assert backend.bill_pdf(CODE, "B-1") == pdf
    assert utility.requests[0].headers["accept"] == "application/pdf"
    utility.on(route, ok({"url": "https://x"}))
    with pytest.raises(BackendError, match="expected a PDF, got application/json"):
        backend.bill_pdf(CODE, "B-1")


def test_list_payments(backend: RestBackend, utility: FakeUtility) -> None:
    payment = {
        "payment_id": "P-000981",
        "customer_code": CODE,
        "bill_id": None,
        "amount": "64.10",
        "paid_on": "2026-01-20",
        "method": "sdd",
    }
    utility.on(f"GET /customers/{CODE}/payments", ok([payment]))
    [got] = backend.list_payments(CODE)
    assert got.amount == Decimal("64.10") and got.paid_on == date(2026, 1, 20)


def test_payment_link_posts_with_an_idempotency_key(
    backend: RestBackend, utility: FakeUtility
) -> None:
    route = f"POST /customers/{CODE}/bills/B-1/payment-links"
    utility.on(route, ok({"url": "https://pay.lumea.test/l/abc"}, 201))
    assert backend.payment_link(CODE, "B-1") == "https://pay.lumea.test/l/abc"
    assert utility.body() == {}
    assert len(utility.requests[0].headers["idempotency-key"]) == 32
    utility.on(route, ok({"url": "http://pay.lumea.test/l/abc"}, 201))
    with pytest.raises(BackendError, match="field 'url'"):
        backend.payment_link(CODE, "B-1")


def test_create_plan_sends_decimals_as_strings(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on("POST /instalment-plans", ok(plan_json(), 201))
    plan = InstalmentPlan(
        customer_code=CODE,
        bill_id="B-2026-000123",
        instalments=[
            Instalment(due_date=date(2026, 4, 25), amount=Decimal("43.78")),
            Instalment(due_date=date(2026, 6, 25), amount=Decimal("43.78")),
        ],
        annual_interest_rate=Decimal("0.0215"),
        total=Decimal("87.56"),
    )
    created = backend.create_plan(plan)
    assert created.plan_id == "R-0042"
    assert created.created_at == datetime(2026, 3, 6, 10, 5, tzinfo=ROME)
    sent = utility.body()
    assert sent["plan_id"] is None
    assert sent["annual_interest_rate"] == "0.0215" and sent["total"] == "87.56"
    assert sent["instalments"][0] == {"due_date": "2026-04-25", "amount": "43.78"}


def test_create_plan_without_plan_id_in_the_answer_fails(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on("POST /instalment-plans", ok(plan_json(plan_id=None), 201))
    plan = InstalmentPlan.model_validate(plan_json(plan_id=None, created_at=None))
    with pytest.raises(BackendError, match="field 'plan_id' is missing"):
        backend.create_plan(plan)


def test_list_plans(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on(f"GET /customers/{CODE}/instalment-plans", ok([plan_json()]))
    [plan] = backend.list_plans(CODE)
    assert plan.instalments[1].amount == Decimal("43.78")


def test_list_readings_are_oldest_first(backend: RestBackend, utility: FakeUtility) -> None:
    newer = reading_json("2026-02-28", F1="10234", F2="8120", F3="12011")
    older = reading_json("2025-12-31", F1="9900", F2="7900", F3="11700")
    utility.on("GET /supplies/S-000123/readings", ok([newer, older]))
    readings = backend.list_readings("S-000123")
    assert [r.read_on for r in readings] == [date(2025, 12, 31), date(2026, 2, 28)]
    assert readings[1].values["F3"] == Decimal("12011")


def test_record_reading(backend: RestBackend, utility: FakeUtility) -> None:
    answer = reading_json("2026-03-06", "self", total="1234.5")
    utility.on("POST /supplies/S-000123/readings", ok(answer, 201))
    reading = MeterReading(
        supply_id="S-000123",
        read_on=date(2026, 3, 6),
        values={"total": Decimal("1234.5")},
        source="self",
    )
    assert backend.record_reading(reading) == reading
    assert utility.body() == answer


def test_open_ticket(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on("POST /tickets", ok(ticket_json(), 201))
    ticket = Ticket(
        customer_code=CODE,
        supply_id="S-000123",
        category="bill_anomaly",
        summary="Consumi fatturati doppi rispetto al solito",
    )
    opened = backend.open_ticket(ticket)
    assert opened.ticket_id == "T-2026-004417" and opened.status == "open"
    sent = utility.body()
    assert sent["ticket_id"] is None and sent["category"] == "bill_anomaly"


def test_open_ticket_without_ticket_id_in_the_answer_fails(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on("POST /tickets", ok(ticket_json(ticket_id=None), 201))
    with pytest.raises(BackendError, match="field 'ticket_id' is missing"):
        backend.open_ticket(Ticket(customer_code=CODE, category="outage", summary="Manca luce"))


def test_get_and_list_tickets(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on("GET /tickets/T-2026-004417", ok(ticket_json()))
    utility.on(f"GET /customers/{CODE}/tickets", ok([ticket_json(), ticket_json(ticket_id="T-2")]))
    assert backend.get_ticket("T-2026-004417").category == "bill_anomaly"
    assert [t.ticket_id for t in backend.list_tickets(CODE)] == ["T-2026-004417", "T-2"]


def test_update_ticket(backend: RestBackend, utility: FakeUtility) -> None:
    update = {"at": "2026-03-06T11:00:00+01:00", "status": "accepted", "note": "Presa in carico"}
    answer = ticket_json(status="accepted", updates=[update])
    utility.on("POST /tickets/T-2026-004417/updates", ok(answer))
    ticket = backend.update_ticket("T-2026-004417", "accepted", "Presa in carico")
    assert ticket.status == "accepted" and ticket.updates[0].note == "Presa in carico"
    assert utility.body() == {"status": "accepted", "note": "Presa in carico"}


def test_planned_outages(backend: RestBackend, utility: FakeUtility) -> None:
    outage = {
        "outage_id": "O-0412",
        "commodity": "water",
        "commune": "San Lazzaro di Savena",
        "area": "Via Emilia, civici 1-40",
        "starts_at": "2026-03-10T08:30:00+01:00",
        "ends_at": "2026-03-10T13:00:00+01:00",
        "reason": "Sostituzione condotta",
    }
    utility.on("GET /planned-outages?commune=San+Lazzaro+di+Savena&commodity=water", ok([outage]))
    utility.on("GET /planned-outages?commune=Bologna", ok([]))
    [got] = backend.planned_outages("San Lazzaro di Savena", "water")
    assert got.starts_at == datetime(2026, 3, 10, 8, 30, tzinfo=ROME)
    assert backend.planned_outages("Bologna") == []


def test_send_code(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on("POST /otp", httpx.Response(202))
    backend.send_code(PHONE, "482913")
    assert utility.body() == {"phone": PHONE, "code": "482913"}


def test_open_case(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on("POST /cases", ok(case_json(), 201))
    case = Case(
        customer_code=CODE,
        supply_id="S-000123",
        kind="power_change",
        status="waiting_documents",
        data={"from_kw": "3", "to_kw": "4.5"},
        documents_needed=["documento d'identità del titolare"],
    )
    opened = backend.open_case(case)
    assert opened.case_id == "PR-2026-000123"
    assert opened.created_at == datetime(2026, 3, 6, 10, 2, tzinfo=ROME)
    sent = utility.body()
    assert sent["case_id"] is None and sent["created_at"] is None
    assert sent["data"] == {"from_kw": "3", "to_kw": "4.5"} and sent["kind"] == "power_change"
    assert len(utility.requests[0].headers["idempotency-key"]) == 32


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (case_json(case_id=None), "field 'case_id' is missing"),
        (case_json(customer_code="LM99999999"), "another customer"),
        (case_json(supply_id="S-999999"), "another customer, supply or kind"),
        (case_json(kind="termination"), "another customer, supply or kind"),
    ],
)
def test_open_case_refuses_a_wrong_answer(
    backend: RestBackend, utility: FakeUtility, answer: dict[str, Any], message: str
) -> None:
    utility.on("POST /cases", ok(answer, 201))
    case = Case(customer_code=CODE, supply_id="S-000123", kind="power_change")
    with pytest.raises(BackendError, match=message):
        backend.open_case(case)


def test_open_case_is_not_retried_on_500(
    backend: RestBackend, utility: FakeUtility, sleeps: list[float]
) -> None:
    utility.on("POST /cases", httpx.Response(500), ok(case_json(), 201))
    with pytest.raises(BackendError, match="500"):
        backend.open_case(Case(customer_code=CODE, supply_id="S-000123", kind="power_change"))
    assert len(utility.requests) == 1 and sleeps == []


def test_list_cases_newest_first_and_only_the_customers(
    backend: RestBackend, utility: FakeUtility
) -> None:
    older = case_json(case_id="PR-1", created_at="2026-01-10T09:00:00+01:00")
    newer = case_json(case_id="PR-2", created_at="2026-03-06T10:02:00+01:00")
    utility.on(f"GET /customers/{CODE}/cases", ok([older, newer]))
    assert [c.case_id for c in backend.list_cases(CODE)] == ["PR-2", "PR-1"]
    utility.on(f"GET /customers/{CODE}/cases", ok([case_json(customer_code="LM99999999")]))
    with pytest.raises(BackendError, match="another customer"):
        backend.list_cases(CODE)


def test_get_preferences(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on(f"GET /customers/{CODE}/preferences", ok(preferences_json()))
    prefs = backend.get_preferences(CODE)
    assert prefs.bill_delivery == "email" and prefs.whatsapp_active
    assert prefs.updated_at == datetime(2026, 3, 6, 10, 2, tzinfo=ROME)
    defaults = {"customer_code": CODE}  # never set: the model's defaults
    utility.on(f"GET /customers/{CODE}/preferences", ok(defaults))
    assert backend.get_preferences(CODE) == Preferences(customer_code=CODE)
    utility.on(f"GET /customers/{CODE}/preferences", ok(preferences_json(customer_code="LM9")))
    with pytest.raises(BackendError, match="another customer"):
        backend.get_preferences(CODE)
    body = {"code": "customer_not_found", "message": "Cliente inesistente"}
    utility.on(f"GET /customers/{CODE}/preferences", httpx.Response(404, json=body))
    with pytest.raises(NotFoundError, match="Cliente inesistente"):
        backend.get_preferences(CODE)


def test_set_preferences_puts_the_whole_record(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on(f"PUT /customers/{CODE}/preferences", ok(preferences_json()))
    chosen = Preferences(
        customer_code=CODE, bill_delivery="email", reminder_channel="whatsapp", whatsapp_active=True
    )
    stored = backend.set_preferences(chosen)
    assert stored == chosen.model_copy(
        update={"updated_at": datetime(2026, 3, 6, 10, 2, tzinfo=ROME)}
    )
    request = utility.requests[0]
    assert request.method == "PUT" and "idempotency-key" not in request.headers
    assert utility.body() == {
        "customer_code": CODE,
        "bill_delivery": "email",
        "reminder_channel": "whatsapp",
        "whatsapp_active": True,
        "updated_at": None,
    }
    utility.on(f"PUT /customers/{CODE}/preferences", ok(preferences_json(customer_code="LM9")))
    with pytest.raises(BackendError, match="another customer"):
        backend.set_preferences(chosen)


def test_set_preferences_is_retried_like_a_get(
    backend: RestBackend, utility: FakeUtility, sleeps: list[float]
) -> None:
    route = f"PUT /customers/{CODE}/preferences"
    utility.on(route, httpx.Response(502), httpx.ReadTimeout("slow"), ok(preferences_json()))
    assert backend.set_preferences(Preferences(customer_code=CODE)).bill_delivery == "email"
    assert len(utility.requests) == 3 and sleeps == [0.01, 0.02]
    body = {"code": "invalid_preferences", "message": "Nessun indirizzo e-mail"}
    utility.on(route, httpx.Response(422, json=body))
    with pytest.raises(BackendError, match="422: Nessun indirizzo e-mail"):
        backend.set_preferences(Preferences(customer_code=CODE, bill_delivery="email"))
    assert len(utility.requests) == 4


def test_record_consent(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on(f"POST /customers/{CODE}/consents", ok(consent_json(), 201))
    consent = Consent(customer_code=CODE, category="marketing_lumea", granted=True, wording=WORDING)
    recorded = backend.record_consent(consent)
    assert recorded.at == datetime(2026, 3, 6, 10, 2, tzinfo=ROME)
    assert utility.body() == {
        "customer_code": CODE,
        "category": "marketing_lumea",
        "granted": True,
        "wording": WORDING,
        "channel": "whatsapp",
        "at": None,
    }
    assert len(utility.requests[0].headers["idempotency-key"]) == 32


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (consent_json(at=None), "field 'at' is missing"),
        (consent_json(granted=False), "another consent"),
        (consent_json(category="profiling"), "another consent"),
        (consent_json(customer_code="LM99999999"), "another consent"),
    ],
)
def test_record_consent_refuses_a_wrong_answer(
    backend: RestBackend, utility: FakeUtility, answer: dict[str, Any], message: str
) -> None:
    utility.on(f"POST /customers/{CODE}/consents", ok(answer, 201))
    consent = Consent(customer_code=CODE, category="marketing_lumea", granted=True, wording=WORDING)
    with pytest.raises(BackendError, match=message):
        backend.record_consent(consent)


def test_record_consent_is_not_retried_on_a_timeout(
    backend: RestBackend, utility: FakeUtility
) -> None:
    route = f"POST /customers/{CODE}/consents"
    utility.on(route, httpx.ReadTimeout("slow"), ok(consent_json(), 201))
    consent = Consent(customer_code=CODE, category="surveys", granted=True, wording="Sì")
    with pytest.raises(BackendError, match="timed out"):
        backend.record_consent(consent)
    assert len(utility.requests) == 1


def test_list_consents_oldest_first(backend: RestBackend, utility: FakeUtility) -> None:
    revoked = consent_json(granted=False, wording="Revoco", at="2026-03-06T10:02:00+01:00")
    granted = consent_json(at="2025-11-02T18:15:00+01:00")
    utility.on(f"GET /customers/{CODE}/consents", ok([revoked, granted]))
    assert [c.granted for c in backend.list_consents(CODE)] == [True, False]
    utility.on(f"GET /customers/{CODE}/consents", ok([granted, consent_json(at=None)]))
    with pytest.raises(BackendError, match="without 'at'"):
        backend.list_consents(CODE)
    utility.on(f"GET /customers/{CODE}/consents", ok([consent_json(customer_code="LM9")]))
    with pytest.raises(BackendError, match="another customer"):
        backend.list_consents(CODE)


# Error paths.


def test_404_is_not_found_with_the_servers_message(
    backend: RestBackend, utility: FakeUtility
) -> None:
    body = {"code": "customer_not_found", "message": "Cliente inesistente"}
    utility.on(f"GET /customers/{CODE}", httpx.Response(404, json=body))
    with pytest.raises(NotFoundError, match="Cliente inesistente"):
        backend.get_customer(CODE)
    assert len(utility.requests) == 1


def test_400_is_a_backend_error_with_the_servers_message_and_no_retry(
    backend: RestBackend, utility: FakeUtility, sleeps: list[float]
) -> None:
    body = {"code": "invalid_phone", "message": "Numero non in formato E.164"}
    utility.on("GET /customers?phone=%2B39", httpx.Response(400, json=body))
    with pytest.raises(BackendError, match="400: Numero non in formato E.164") as caught:
        backend.find_by_phone("+39")
    assert not isinstance(caught.value, NotFoundError)
    assert len(utility.requests) == 1 and sleeps == []


def test_422_with_fastapi_detail(backend: RestBackend, utility: FakeUtility) -> None:
    body = {"detail": "Lettura inferiore all'ultima rilevata"}
    utility.on("POST /supplies/S-1/readings", httpx.Response(422, json=body))
    reading = MeterReading(
        supply_id="S-1", read_on=date(2026, 3, 6), values={"total": Decimal("1")}, source="self"
    )
    with pytest.raises(BackendError, match="422: Lettura inferiore"):
        backend.record_reading(reading)


def test_get_retries_a_500_then_succeeds(
    backend: RestBackend, utility: FakeUtility, sleeps: list[float]
) -> None:
    utility.on(f"GET /customers/{CODE}", httpx.Response(500, text="boom"), ok(customer_json()))
    assert backend.get_customer(CODE).code == CODE
    assert len(utility.requests) == 2 and sleeps == [0.01]


def test_get_gives_up_after_the_retries_with_exponential_backoff(
    backend: RestBackend, utility: FakeUtility, sleeps: list[float]
) -> None:
    body = {"code": "unavailable", "message": "CRM in manutenzione"}
    utility.on(f"GET /customers/{CODE}/bills", httpx.Response(502, json=body))
    with pytest.raises(BackendError, match="502: CRM in manutenzione"):
        backend.list_bills(CODE)
    assert len(utility.requests) == 3 and sleeps == [0.01, 0.02]


def test_post_is_not_retried_on_500(
    backend: RestBackend, utility: FakeUtility, sleeps: list[float]
) -> None:
    utility.on("POST /tickets", httpx.Response(500, json={"message": "errore interno"}))
    with pytest.raises(BackendError, match="500: errore interno"):
        backend.open_ticket(Ticket(customer_code=CODE, category="outage", summary="Manca luce"))
    assert len(utility.requests) == 1 and sleeps == []


def test_post_is_not_retried_on_503_without_retry_after_or_with_a_long_one(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on("POST /otp", httpx.Response(503), httpx.Response(503, headers={"Retry-After": "60"}))
    for _ in range(2):
        with pytest.raises(BackendError, match="503"):
            backend.send_code(PHONE, "482913")
    assert len(utility.requests) == 2


def test_post_is_retried_on_503_with_retry_after_with_the_same_idempotency_key(
    backend: RestBackend, utility: FakeUtility, sleeps: list[float]
) -> None:
    busy = httpx.Response(503, headers={"Retry-After": "2"})
    utility.on("POST /tickets", busy, ok(ticket_json(), 201))
    opened = backend.open_ticket(Ticket(customer_code=CODE, category="outage", summary="x"))
    assert opened.ticket_id == "T-2026-004417"
    assert sleeps == [2.0]
    keys = {r.headers["idempotency-key"] for r in utility.requests}
    assert len(utility.requests) == 2 and len(keys) == 1


def test_retry_after_as_a_past_http_date_falls_back_to_the_backoff(
    backend: RestBackend, utility: FakeUtility, sleeps: list[float]
) -> None:
    throttled = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    utility.on("POST /otp", throttled, httpx.Response(202))
    backend.send_code(PHONE, "482913")
    assert sleeps == [0.01]


def test_get_retries_a_timeout(
    backend: RestBackend, utility: FakeUtility, sleeps: list[float]
) -> None:
    utility.on("GET /tickets/T-1", httpx.ReadTimeout("slow"), ok(ticket_json(ticket_id="T-1")))
    assert backend.get_ticket("T-1").ticket_id == "T-1"
    assert sleeps == [0.01]


def test_get_timeouts_end_as_backend_error(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on("GET /tickets/T-1", httpx.ReadTimeout("slow"))
    with pytest.raises(BackendError, match="timed out"):
        backend.get_ticket("T-1")
    assert len(utility.requests) == 3


def test_post_is_not_retried_on_a_timeout(backend: RestBackend, utility: FakeUtility) -> None:
    utility.on("POST /tickets/T-1/updates", httpx.ReadTimeout("slow"), ok(ticket_json()))
    with pytest.raises(BackendError, match="timed out"):
        backend.update_ticket("T-1", "resolved", "Guasto riparato")
    assert len(utility.requests) == 1


def test_post_is_retried_when_the_connection_was_refused(
    backend: RestBackend, utility: FakeUtility
) -> None:
    answer = ok({"url": "https://pay.lumea.test/l/1"}, 201)
    utility.on(f"POST /customers/{CODE}/bills/B-1/payment-links", httpx.ConnectError("no"), answer)
    assert backend.payment_link(CODE, "B-1") == "https://pay.lumea.test/l/1"
    assert len(utility.requests) == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([bill_json(amount="ottantasette")], "[0].amount"),
        ([bill_json(lines=[{"category": "materia", "description": "x"}])], "[0].lines[0].amount"),
        ([bill_json(commodity="steam")], "[0].commodity"),
    ],
)
def test_invalid_payload_names_the_field(
    backend: RestBackend, utility: FakeUtility, payload: Any, field: str
) -> None:
    utility.on(f"GET /customers/{CODE}/bills", ok(payload))
    with pytest.raises(BackendError, match="invalid response") as caught:
        backend.list_bills(CODE)
    assert f"field '{field}'" in str(caught.value)


def test_invalid_payload_does_not_quote_personal_data(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on(f"GET /customers/{CODE}", ok(customer_json(language="de")))
    with pytest.raises(BackendError, match="field 'language'") as caught:
        backend.get_customer(CODE)
    assert caught.value.__cause__ is None  # the ValidationError quotes the payload
    assert NAME not in str(caught.value) and PHONE not in str(caught.value)


def test_a_body_that_is_not_json_is_a_backend_error(
    backend: RestBackend, utility: FakeUtility
) -> None:
    utility.on("GET /customers", httpx.Response(200, text="<html>Bad gateway</html>"))
    with pytest.raises(BackendError, match="Invalid JSON"):
        backend.list_customers()


def test_logs_never_carry_personal_data(
    backend: RestBackend, utility: FakeUtility, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sportello.backends")
    utility.on(f"GET /customers/{CODE}", httpx.Response(500), httpx.Response(404))
    utility.on("GET /customers?phone=%2B393331234567", httpx.ReadTimeout("slow"))
    utility.on(f"GET /customers/{CODE}/bills", httpx.Response(500))
    utility.on("POST /otp", httpx.Response(400, json={"message": "no"}))
    with pytest.raises(NotFoundError):
        backend.get_customer(CODE)
    with pytest.raises(BackendError):
        backend.list_bills(CODE)
    with pytest.raises(BackendError):
        backend.find_by_phone(PHONE)
    with pytest.raises(BackendError):
        backend.send_code(PHONE, "482913")
    records = [r for r in caplog.records if r.name == "sportello.backends"]
    assert records
    for record in records:
        text = record.getMessage() + " " + " ".join(map(str, vars(record).values()))
        for secret in (CODE, PHONE, "393331234567", NAME, "482913", TOKEN):
            assert secret not in text


# Over real HTTP: a tiny FastAPI stand-in for the utility, served by uvicorn on 127.0.0.1.


def make_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "Lumea Multiservizi - Bolletta 2026/E/004512")
    return bytes(pdf.output())


class LiveUtility:
    """A FastAPI app implementing part of REST.md, with what it received."""

    def __init__(self) -> None:
        self.pdf = make_pdf()
        self.tickets: dict[str, dict[str, Any]] = {}
        self.cases_opened: list[dict[str, Any]] = []
        self.stored_preferences: dict[str, dict[str, Any]] = {}
        self.consent_history: list[dict[str, Any]] = []
        self.moment = datetime(2026, 3, 6, 10, 0, tzinfo=ROME)
        self.idempotency_keys: list[str] = []
        self.slow_calls = 0
        self.app = FastAPI()
        router = APIRouter(prefix="/api/v1")
        router.add_api_route("/customers/{code}", self.customer)
        router.add_api_route("/customers", self.customers)
        router.add_api_route("/customers/{code}/bills", self.bills)
        router.add_api_route("/customers/{code}/bills/{bill_id}/pdf", self.bill_pdf)
        router.add_api_route("/tickets", self.open_ticket, methods=["POST"])
        router.add_api_route("/tickets/{ticket_id}", self.ticket)
        router.add_api_route("/cases", self.open_case, methods=["POST"])
        router.add_api_route("/customers/{code}/cases", self.cases)
        router.add_api_route("/customers/{code}/preferences", self.preferences)
        router.add_api_route("/customers/{code}/preferences", self.set_preferences, methods=["PUT"])
        router.add_api_route("/customers/{code}/consents", self.consents)
        router.add_api_route("/customers/{code}/consents", self.record_consent, methods=["POST"])
        self.app.include_router(router)
        self.app.middleware("http")(self.bearer_auth)

    async def bearer_auth(self, request: Request, call_next: Callable[..., Any]) -> Response:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return error(401, "unauthorized", "Token mancante o non valido")
        response: Response = await call_next(request)
        return response

    def customer(self, code: str) -> Any:
        if code != CODE:
            return error(404, "customer_not_found", "Cliente inesistente")
        return customer_json()

    def customers(self, phone: str | None = None) -> Any:
        return [customer_json()] if phone in (None, PHONE) else []

    def bills(self, code: str, supply_id: str | None = None) -> Any:
        bills = [bill_json(), bill_json(bill_id="B-2026-000200", supply_id="S-000124")]
        return [b for b in bills if supply_id is None or b["supply_id"] == supply_id]

    def bill_pdf(self, code: str, bill_id: str) -> Response:
        if (code, bill_id) != (CODE, "B-2026-000123"):
            return error(404, "bill_not_found", "Bolletta inesistente")
        return Response(self.pdf, media_type="application/pdf")

    def open_ticket(self, ticket: Ticket, idempotency_key: str = Header()) -> Any:
        self.idempotency_keys.append(idempotency_key)
        stored = ticket.model_copy(
            update={
                "ticket_id": f"T-2026-{len(self.tickets) + 1:06d}",
                "created_at": datetime(2026, 3, 6, 10, 2, tzinfo=ROME),
            }
        )
        self.tickets[str(stored.ticket_id)] = stored.model_dump(mode="json")
        return JSONResponse(self.tickets[str(stored.ticket_id)], status_code=201)

    async def ticket(self, ticket_id: str) -> Any:
        if ticket_id == "T-SLOW":
            self.slow_calls += 1
            await asyncio.sleep(0.3)
        return self.tickets.get(ticket_id) or error(404, "ticket_not_found", "Ticket inesistente")

    def tick(self) -> datetime:
        self.moment += timedelta(minutes=1)
        return self.moment

    def open_case(self, case: Case, idempotency_key: str = Header()) -> Any:
        self.idempotency_keys.append(idempotency_key)
        if case.customer_code != CODE:
            return error(404, "customer_not_found", "Cliente inesistente")
        n = len(self.cases_opened) + 1
        stored = case.model_copy(update={"case_id": f"PR-2026-{n:06d}", "created_at": self.tick()})
        self.cases_opened.append(stored.model_dump(mode="json"))
        return JSONResponse(self.cases_opened[-1], status_code=201)

    def cases(self, code: str) -> Any:
        return [c for c in reversed(self.cases_opened) if c["customer_code"] == code]

    def preferences(self, code: str) -> Any:
        if code != CODE:
            return error(404, "customer_not_found", "Cliente inesistente")
        return self.stored_preferences.get(code) or Preferences(customer_code=code).model_dump(
            mode="json"
        )

    def set_preferences(self, code: str, preferences: Preferences) -> Any:
        if code != CODE or preferences.customer_code != code:
            return error(404, "customer_not_found", "Cliente inesistente")
        stored = preferences.model_copy(update={"updated_at": self.tick()})
        self.stored_preferences[code] = stored.model_dump(mode="json")
        return self.stored_preferences[code]

    def consents(self, code: str) -> Any:
        return [c for c in self.consent_history if c["customer_code"] == code]

    def record_consent(self, code: str, consent: Consent) -> Any:
        if not consent.wording.strip():
            return error(400, "invalid_consent", "Manca il testo del consenso")
        stored = consent.model_copy(update={"at": consent.at or self.tick()})
        self.consent_history.append(stored.model_dump(mode="json"))
        return JSONResponse(self.consent_history[-1], status_code=201)


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[LiveUtility, str]]:
    utility = LiveUtility()
    config = uvicorn.Config(
        utility.app,
        host="127.0.0.1",
        port=0,
        log_config=None,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield utility, f"http://127.0.0.1:{port}/api/v1"
    server.should_exit = True
    thread.join(timeout=5)
    assert not thread.is_alive()


@pytest.fixture
def live_backend(live: tuple[LiveUtility, str]) -> Iterator[RestBackend]:
    with RestBackend(live[1], TOKEN, timeout=2.0) as backend:
        yield backend


def test_live_get_customer_and_find_by_phone(live_backend: RestBackend) -> None:
    customer = live_backend.get_customer(CODE)
    assert customer.name == NAME and customer.supplies[0].commodity == "electricity"
    found = live_backend.find_by_phone(PHONE)  # a "+" sent unencoded would arrive as a space
    assert found is not None and found.code == CODE
    with pytest.raises(NotFoundError, match="Cliente inesistente"):
        live_backend.get_customer("LM00000000")


def test_live_list_bills(live_backend: RestBackend) -> None:
    assert [b.bill_id for b in live_backend.list_bills(CODE)] == ["B-2026-000123", "B-2026-000200"]
    [bill] = live_backend.list_bills(CODE, supply_id="S-000124")
    assert bill.bill_id == "B-2026-000200" and bill.amount == Decimal("87.40")


def test_live_open_ticket(live_backend: RestBackend, live: tuple[LiveUtility, str]) -> None:
    utility = live[0]
    ticket = Ticket(
        customer_code=CODE,
        supply_id="S-000123",
        category="bill_anomaly",
        priority="high",
        summary="Consumi fatturati doppi rispetto al solito",
    )
    opened = live_backend.open_ticket(ticket)
    assert opened.ticket_id is not None and opened.ticket_id.startswith("T-2026-")
    assert opened.priority == "high" and opened.created_at is not None
    assert opened.created_at.utcoffset() is not None
    assert utility.tickets[opened.ticket_id]["summary"] == ticket.summary
    assert len(utility.idempotency_keys[-1]) == 32
    assert live_backend.get_ticket(opened.ticket_id) == opened


def test_live_bill_pdf(live_backend: RestBackend, live: tuple[LiveUtility, str]) -> None:
    assert live_backend.bill_pdf(CODE, "B-2026-000123") == live[0].pdf
    with pytest.raises(NotFoundError, match="Bolletta inesistente"):
        live_backend.bill_pdf(CODE, "B-2026-999999")


def test_live_wrong_token_is_a_backend_error(live: tuple[LiveUtility, str]) -> None:
    with RestBackend(live[1], "wrong") as backend, pytest.raises(BackendError, match="401"):
        backend.get_customer(CODE)


def test_live_read_timeout_is_retried_then_fails(live: tuple[LiveUtility, str]) -> None:
    utility, url = live
    before = utility.slow_calls
    with (
        RestBackend(url, TOKEN, timeout=0.1, retries=1, backoff=0.01) as backend,
        pytest.raises(BackendError, match="timed out"),
    ):
        backend.get_ticket("T-SLOW")
    assert utility.slow_calls - before == 2


def test_refused_connection_is_retried_then_fails() -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    url = f"http://127.0.0.1:{port}/api/v1"
    with (
        RestBackend(url, TOKEN, backoff=0.01, sleep=sleeps.append) as backend,
        pytest.raises(BackendError, match="connection failed"),
    ):
        backend.send_code(PHONE, "482913")
    assert sleeps == [0.01, 0.02]


def test_live_cases_preferences_and_consents(live_backend: RestBackend) -> None:
    first = live_backend.open_case(
        Case(
            customer_code=CODE, supply_id="S-000123", kind="payment_method", data={"iban": "IT60X"}
        )
    )
    second = live_backend.open_case(Case(customer_code=CODE, kind="offer_change"))
    assert first.case_id and second.case_id and first.case_id != second.case_id
    listed = live_backend.list_cases(CODE)
    assert listed[:2] == [second, first] and listed[1].data == {"iban": "IT60X"}
    with pytest.raises(NotFoundError, match="Cliente inesistente"):
        live_backend.open_case(Case(customer_code="LM00000000", kind="voltura"))

    assert live_backend.get_preferences(CODE).updated_at is None  # the defaults
    stored = live_backend.set_preferences(
        Preferences(customer_code=CODE, bill_delivery="email", whatsapp_active=True)
    )
    assert stored.updated_at is not None and stored.updated_at.utcoffset() is not None
    assert live_backend.get_preferences(CODE) == stored
    with pytest.raises(NotFoundError):
        live_backend.get_preferences("LM00000000")

    granted = live_backend.record_consent(
        Consent(customer_code=CODE, category="marketing_lumea", granted=True, wording=WORDING)
    )
    revoked = live_backend.record_consent(
        Consent(customer_code=CODE, category="marketing_lumea", granted=False, wording="Revoco")
    )
    assert live_backend.list_consents(CODE)[-2:] == [granted, revoked]
    with pytest.raises(BackendError, match="400: Manca il testo del consenso"):
        live_backend.record_consent(
            Consent(customer_code=CODE, category="surveys", granted=True, wording=" ")
        )
