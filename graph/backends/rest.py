"""Adapter for a utility's own REST systems: the ports over the JSON contract in REST.md."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from graph.backends.ports import (
    BackendError,
    Bill,
    Case,
    Commodity,
    Consent,
    Customer,
    InstalmentPlan,
    MeterReading,
    NotFoundError,
    Payment,
    PlannedOutage,
    Preferences,
    Ticket,
    TicketStatus,
)
from knowledge.clock import SYSTEM_CLOCK

log = logging.getLogger("sportello.backends")

T = TypeVar("T")
JSON = "application/json"
PDF = "application/pdf"
MAX_RETRY_AFTER = 10.0  # seconds; a chat cannot wait longer, so a longer Retry-After fails fast
# Failures that happen before any byte of the request leaves: retrying them is safe for any method.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
NEVER = datetime.min.replace(tzinfo=UTC)  # sort key for a missing datetime


class PaymentLink(BaseModel):
    url: str


_customer = TypeAdapter(Customer)
_customers = TypeAdapter(list[Customer])
_bill = TypeAdapter(Bill)
_bills = TypeAdapter(list[Bill])
_payments = TypeAdapter(list[Payment])
_payment_link = TypeAdapter(PaymentLink)
_plan = TypeAdapter(InstalmentPlan)
_plans = TypeAdapter(list[InstalmentPlan])
_reading = TypeAdapter(MeterReading)
_readings = TypeAdapter(list[MeterReading])
_ticket = TypeAdapter(Ticket)
_tickets = TypeAdapter(list[Ticket])
_outages = TypeAdapter(list[PlannedOutage])
_case = TypeAdapter(Case)
_cases = TypeAdapter(list[Case])
_preferences = TypeAdapter(Preferences)
_consent = TypeAdapter(Consent)
_consents = TypeAdapter(list[Consent])
IDEMPOTENT = ("GET", "PUT")  # repeating them cannot act twice: retried on 5xx and timeouts


class RestBackend:
    """`UtilityBackend` over HTTP: bearer auth, retries for reads, typed errors, no personal logs."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        transport: httpx.BaseTransport | None = None,
        backoff: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = SYSTEM_CLOCK,
    ) -> None:
        if timeout <= 0 or retries < 0 or backoff < 0:
            raise ValueError("timeout must be positive, retries and backoff not negative")
        headers = {"Accept": JSON, "User-Agent": "sportello-rest-backend"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout, transport=transport
        )
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._clock = clock

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RestBackend:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # Customers

    def get_customer(self, code: str) -> Customer:
        customer = self._get(_customer, "/customers/{code}", code=code)
        _expect(customer.code == code, "/customers/{code}", "another customer")
        return customer

    def find_by_phone(self, phone: str) -> Customer | None:
        if not phone:
            return None  # an empty filter would ask the server for every customer
        found = self._get(_customers, "/customers", params={"phone": phone})
        _expect(all(c.phone == phone for c in found), "/customers", "another phone")
        if len(found) > 1:
            log.warning(
                "phone matches several customers; left unidentified", extra={"count": len(found)}
            )
            return None
        return found[0] if found else None

    def list_customers(self) -> list[Customer]:
        return self._get(_customers, "/customers")

    # Bills

    def list_bills(self, customer_code: str, supply_id: str | None = None) -> list[Bill]:
        route = "/customers/{code}/bills"
        params = {"supply_id": supply_id} if supply_id is not None else None
        bills = self._get(_bills, route, params=params, code=customer_code)
        _expect(all(b.customer_code == customer_code for b in bills), route, "another customer")
        _expect(
            supply_id is None or all(b.supply_id == supply_id for b in bills),
            route,
            "another supply",
        )
        return bills

    def get_bill(self, customer_code: str, bill_id: str) -> Bill:
        route = "/customers/{code}/bills/{bill_id}"
        bill = self._get(_bill, route, code=customer_code, bill_id=bill_id)
        if bill.customer_code != customer_code or bill.bill_id != bill_id:
            log.warning("backend answered with another record", extra={"route": route})
            raise NotFoundError(f"GET {route}: no such bill for this customer")
        return bill

    def bill_pdf(self, customer_code: str, bill_id: str) -> bytes:
        route = "/customers/{code}/bills/{bill_id}/pdf"
        response = self._send(
            "GET", route, accept=PDF, ids={"code": customer_code, "bill_id": bill_id}
        )
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != PDF or not response.content.startswith(b"%PDF"):
            raise BackendError(f"GET {route}: expected a PDF, got {kind or 'no content type'}")
        return response.content

    # Payments

    def list_payments(self, customer_code: str) -> list[Payment]:
        route = "/customers/{code}/payments"
        payments = self._get(_payments, route, code=customer_code)
        _expect(all(p.customer_code == customer_code for p in payments), route, "another customer")
        return payments

    def payment_link(self, customer_code: str, bill_id: str) -> str:
        route = "/customers/{code}/bills/{bill_id}/payment-links"
        link = self._post(_payment_link, route, {}, code=customer_code, bill_id=bill_id)
        if not link.url.startswith("https://"):
            raise BackendError(f"POST {route}: invalid response: field 'url': not an https URL")
        return link.url

    # Instalment plans

    def create_plan(self, plan: InstalmentPlan) -> InstalmentPlan:
        created = self._post(_plan, "/instalment-plans", plan.model_dump(mode="json"))
        _require_id(created.plan_id, "/instalment-plans", "plan_id")
        same = created.customer_code == plan.customer_code and created.bill_id == plan.bill_id
        _expect(same, "/instalment-plans", "another bill")
        return created

    def list_plans(self, customer_code: str) -> list[InstalmentPlan]:
        route = "/customers/{code}/instalment-plans"
        plans = self._get(_plans, route, code=customer_code)
        _expect(all(p.customer_code == customer_code for p in plans), route, "another customer")
        return plans

    # Readings

    def list_readings(self, supply_id: str) -> list[MeterReading]:
        route = "/supplies/{supply_id}/readings"
        readings = self._get(_readings, route, supply_id=supply_id)
        _expect(all(r.supply_id == supply_id for r in readings), route, "another supply")
        return sorted(readings, key=lambda r: r.read_on)  # the port promises oldest first

    def record_reading(self, reading: MeterReading) -> MeterReading:
        route = "/supplies/{supply_id}/readings"
        body = reading.model_dump(mode="json")
        recorded = self._post(_reading, route, body, supply_id=reading.supply_id)
        _expect(recorded.supply_id == reading.supply_id, route, "another supply")
        return recorded

    # Tickets

    def open_ticket(self, ticket: Ticket) -> Ticket:
        opened = self._post(_ticket, "/tickets", ticket.model_dump(mode="json"))
        _require_id(opened.ticket_id, "/tickets", "ticket_id")
        _expect(opened.customer_code == ticket.customer_code, "/tickets", "another customer")
        return opened

    def get_ticket(self, ticket_id: str) -> Ticket:
        ticket = self._get(_ticket, "/tickets/{ticket_id}", ticket_id=ticket_id)
        _expect(ticket.ticket_id == ticket_id, "/tickets/{ticket_id}", "another ticket")
        return ticket

    def list_tickets(self, customer_code: str) -> list[Ticket]:
        route = "/customers/{code}/tickets"
        tickets = self._get(_tickets, route, code=customer_code)
        _expect(all(t.customer_code == customer_code for t in tickets), route, "another customer")
        return tickets

    def update_ticket(self, ticket_id: str, status: TicketStatus, note: str) -> Ticket:
        route = "/tickets/{ticket_id}/updates"
        body = {"status": status, "note": note}
        ticket = self._post(_ticket, route, body, ticket_id=ticket_id)
        _expect(ticket.ticket_id == ticket_id, route, "another ticket")
        return ticket

    def planned_outages(
        self, commune: str, commodity: Commodity | None = None
    ) -> list[PlannedOutage]:
        params = {"commune": commune} | ({"commodity": commodity} if commodity else {})
        return self._get(_outages, "/planned-outages", params=params)

    # Cases (pratiche)

    def open_case(self, case: Case) -> Case:
        opened = self._post(_case, "/cases", case.model_dump(mode="json"))
        _require_id(opened.case_id, "/cases", "case_id")
        same = (
            opened.customer_code == case.customer_code
            and opened.supply_id == case.supply_id
            and opened.kind == case.kind
        )
        _expect(same, "/cases", "another customer, supply or kind")
        return opened

    def list_cases(self, customer_code: str) -> list[Case]:
        route = "/customers/{code}/cases"
        cases = self._get(_cases, route, code=customer_code)
        _expect(all(c.customer_code == customer_code for c in cases), route, "another customer")
        # The port promises newest first; a case without created_at goes last.
        return sorted(cases, key=lambda c: c.created_at or NEVER, reverse=True)

    # Preferences and consents

    def get_preferences(self, customer_code: str) -> Preferences:
        route = "/customers/{code}/preferences"
        found = self._get(_preferences, route, code=customer_code)
        _expect(found.customer_code == customer_code, route, "another customer")
        return found

    def set_preferences(self, preferences: Preferences) -> Preferences:
        route = "/customers/{code}/preferences"
        body = preferences.model_dump(mode="json")  # the server sets updated_at
        response = self._send("PUT", route, body=body, ids={"code": preferences.customer_code})
        stored = _parse(_preferences, response, "PUT", route)
        _expect(stored.customer_code == preferences.customer_code, route, "another customer")
        return stored

    def record_consent(self, consent: Consent) -> Consent:
        route = "/customers/{code}/consents"
        body = consent.model_dump(mode="json")
        recorded = self._post(_consent, route, body, code=consent.customer_code)
        same = (
            recorded.customer_code == consent.customer_code
            and recorded.category == consent.category
            and recorded.granted == consent.granted
        )
        _expect(same, route, "another consent")
        if recorded.at is None:
            raise BackendError(f"POST {route}: invalid response: field 'at' is missing")
        return recorded

    def list_consents(self, customer_code: str) -> list[Consent]:
        route = "/customers/{code}/consents"
        consents = self._get(_consents, route, code=customer_code)
        _expect(all(c.customer_code == customer_code for c in consents), route, "another customer")
        if any(c.at is None for c in consents):
            raise BackendError(f"GET {route}: invalid response: a consent without 'at'")
        return sorted(consents, key=lambda c: c.at or NEVER)  # the port promises oldest first

    # OTP

    def send_code(self, phone: str, code: str) -> None:
        self._send("POST", "/otp", body={"phone": phone, "code": code})

    # HTTP

    def _get(
        self,
        adapter: TypeAdapter[T],
        route: str,
        *,
        params: Mapping[str, str] | None = None,
        **ids: str,
    ) -> T:
        return _parse(adapter, self._send("GET", route, params=params, ids=ids), "GET", route)

    def _post(self, adapter: TypeAdapter[T], route: str, body: Any, **ids: str) -> T:
        return _parse(adapter, self._send("POST", route, body=body, ids=ids), "POST", route)

    def _send(
        self,
        method: str,
        route: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        accept: str = JSON,
        ids: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One call, retried as REST.md says. `route` is the template: the only thing logged."""
        path = route.format_map({k: _segment(v) for k, v in (ids or {}).items()})
        headers = {"Accept": accept}
        idempotent = method in IDEMPOTENT
        if not idempotent:  # lets a server that supports it drop a duplicate of a retried POST
            headers["Idempotency-Key"] = uuid.uuid4().hex
        fields: dict[str, Any] = {"method": method, "route": route}
        attempt = 0
        while True:
            last = attempt >= self._retries
            try:
                response = self._client.request(
                    method, path, params=params, json=body, headers=headers
                )
            except httpx.TransportError as exc:
                # A POST that may have reached the server is never repeated: a timeout or a dropped
                # connection after sending could mean the ticket or plan already exists, and a
                # duplicate emergency ticket or instalment plan is worse than a clear failure.
                if last or not (idempotent or isinstance(exc, NOT_SENT)):
                    log.warning(
                        "backend unreachable", extra={**fields, "error": type(exc).__name__}
                    )
                    raise BackendError(f"{method} {route}: {_transport_failure(exc)}") from exc
                delay = self._backoff * 2**attempt
                log.info(
                    "backend unreachable, retrying",
                    extra={**fields, "error": type(exc).__name__, "delay": delay},
                )
            else:
                retry_in = None if last else self._retry_delay(response, idempotent, attempt)
                if retry_in is None:
                    _raise_for_status(response, method, route)
                    return response
                delay = retry_in
                log.info(
                    "backend busy, retrying",
                    extra={**fields, "status": response.status_code, "delay": delay},
                )
            self._sleep(delay)
            attempt += 1

    def _retry_delay(
        self, response: httpx.Response, idempotent: bool, attempt: int
    ) -> float | None:
        status = response.status_code
        backoff = self._backoff * 2**attempt
        if status in (429, 503):
            # Retry-After on 429/503 means "not processed, come back later": the one case where
            # repeating a POST cannot create a duplicate, so it is retried whatever the method.
            retry_after = _retry_after(response.headers.get("retry-after"), self._clock())
            if retry_after is not None:
                return max(retry_after, backoff) if retry_after <= MAX_RETRY_AFTER else None
        return backoff if idempotent and status >= 500 else None


def _segment(value: str) -> str:
    """A path segment, escaped so an id can never change the route (`/`, `?`, `..`)."""
    if value in ("", ".", ".."):
        raise NotFoundError("no such record")
    return quote(value, safe="")


def _retry_after(header: str | None, now: datetime) -> float | None:
    """Seconds to wait, from either form of Retry-After (seconds, or an HTTP date)."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def _transport_failure(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"connection failed ({type(exc).__name__})"


def _raise_for_status(response: httpx.Response, method: str, route: str) -> None:
    status = response.status_code
    if response.is_success:
        return
    message = _server_message(response)
    if status == 404:
        log.debug("backend record not found", extra={"method": method, "route": route})
        raise NotFoundError(f"{method} {route}: {message or 'not found'}")
    log.warning("backend error", extra={"method": method, "route": route, "status": status})
    raise BackendError(f"{method} {route} answered {status}: {message or response.reason_phrase}")


def _server_message(response: httpx.Response) -> str:
    """The `message` of an error body (REST.md), FastAPI's `detail`, or the start of the text."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(data, dict):
        for key in ("message", "detail"):
            if isinstance(data.get(key), str):
                return str(data[key])[:500]
    return ""


def _parse(adapter: TypeAdapter[T], response: httpx.Response, method: str, route: str) -> T:
    try:
        return adapter.validate_json(response.content)
    except ValidationError as exc:
        errors = exc.errors(include_input=False)
        first = errors[0]
        where = _location(first["loc"])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        detail = f"field '{where}': {first['msg']}" if where else first["msg"]
        # `from None`: the ValidationError's text quotes the payload, which holds personal data.
        raise BackendError(f"{method} {route}: invalid response: {detail}{more}") from None


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _expect(ok: bool, route: str, what: str) -> None:
    """The server answered about a record we did not ask for: never pass it to a customer."""
    if not ok:
        log.warning("backend answered with another record", extra={"route": route})
        raise BackendError(f"{route}: the response is about {what}")


def _require_id(value: str | None, route: str, field: str) -> None:
    if not value:
        raise BackendError(f"POST {route}: invalid response: field '{field}' is missing")
