"""Ports: what Sportello needs from a utility's CRM, billing, payments, metering and ticketing.

The verticals depend only on these Protocols and models. Adapters: `demo.py` (embedded
SQLite with seeded data) and `rest.py` (a utility's own REST systems).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, Field

Commodity = Literal["electricity", "gas", "water"]
BillStatus = Literal["unpaid", "paid", "partially_paid", "in_instalments", "cancelled"]
TicketPriority = Literal["emergency", "high", "normal", "low"]
TicketStatus = Literal["open", "accepted", "technician_on_site", "resolved", "closed"]


class BackendError(RuntimeError):
    """The utility's system failed or is unreachable (not the customer's fault)."""


class NotFoundError(BackendError):
    """The requested record does not exist (or does not belong to this customer)."""


class BonusStatus(BaseModel):
    kind: Literal["economic", "physical"]
    valid_from: date
    valid_to: date


class Supply(BaseModel):
    supply_id: str  # internal id, e.g. "S-000123"
    customer_code: str
    commodity: Commodity
    pod: str | None = None  # electricity: IT + 3 digits + E + 8 digits (+ check)
    pdr: str | None = None  # gas: 14 digits
    water_meter: str | None = None  # water: meter serial
    address: str
    commune: str
    status: Literal["active", "inactive", "suspended"] = "active"
    offer_code: str | None = None
    market: Literal["libero", "tutele_graduali", "maggior_tutela", "vulnerabilita"] = "libero"
    power_kw: Decimal | None = None  # electricity contracted power
    resident: bool = True
    bonus: BonusStatus | None = None
    direct_debit: bool = False
    distributor: str
    distributor_emergency_phone: str


class Customer(BaseModel):
    code: str  # "LM" + 8 digits
    name: str
    phone: str  # E.164, e.g. "+393331234567"
    email: str | None = None
    fiscal_code: str | None = None
    language: Literal["it", "en", "fr"] = "it"
    domestic: bool = True
    vulnerable: bool = False
    life_support: bool = False  # non disalimentabile
    good_payer: bool = True  # all bills paid on time in the last 2 years
    supplies: list[Supply] = Field(default_factory=list)


class BillLine(BaseModel):
    category: Literal[
        "materia", "trasporto", "oneri", "imposte", "canone_rai", "altre", "ricalcoli", "bonus"
    ]
    description: str
    quantity: Decimal | None = None
    unit: str | None = None  # kWh, Smc, m3, kW, giorni, ...
    unit_price: Decimal | None = None
    amount: Decimal  # euro, VAT included where the bill shows it so


class Bill(BaseModel):
    bill_id: str  # internal id, e.g. "B-2026-000123"
    number: str  # the number printed on the bill
    customer_code: str
    supply_id: str
    commodity: Commodity
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    amount: Decimal
    status: BillStatus
    estimated: bool  # consumption on estimates (acconto)
    conguaglio: bool = False  # a balancing bill on actual readings
    consumption: Decimal | None = None
    consumption_unit: str | None = None
    lines: list[BillLine] = Field(default_factory=list)


class Payment(BaseModel):
    payment_id: str
    customer_code: str
    bill_id: str | None
    amount: Decimal
    paid_on: date
    method: Literal["sdd", "card", "bank_transfer", "postal", "pagopa", "cash"]


class Instalment(BaseModel):
    due_date: date
    amount: Decimal


class InstalmentPlan(BaseModel):
    plan_id: str | None = None
    customer_code: str
    bill_id: str
    instalments: list[Instalment]
    annual_interest_rate: Decimal  # e.g. Decimal("0.0215")
    total: Decimal
    created_at: datetime | None = None
    status: Literal["active", "completed", "cancelled"] = "active"


class MeterReading(BaseModel):
    supply_id: str
    read_on: date
    # electricity: keys F1, F2, F3 (or "total" on single-rate meters); gas/water: "total"
    values: dict[str, Decimal]
    source: Literal["actual", "estimated", "self"]


class TicketUpdate(BaseModel):
    at: datetime
    status: TicketStatus
    note: str


class Ticket(BaseModel):
    ticket_id: str | None = None
    customer_code: str | None  # None for anonymous emergency reports
    supply_id: str | None = None
    category: str  # e.g. "bill_anomaly", "payment_claim", "outage", "gas_emergency"
    priority: TicketPriority = "normal"
    status: TicketStatus = "open"
    summary: str
    address: str | None = None
    created_at: datetime | None = None
    updates: list[TicketUpdate] = Field(default_factory=list)


class PlannedOutage(BaseModel):
    outage_id: str
    commodity: Commodity
    commune: str
    area: str  # street or district description
    starts_at: datetime
    ends_at: datetime
    reason: str


CaseKind = Literal[
    "voltura",
    "voltura_mortis_causa",
    "subentro",
    "offer_change",
    "payment_method",
    "power_change",
    "termination",
    "withdrawal",
]


class Case(BaseModel):
    """A contract procedure (pratica) opened for a customer."""

    case_id: str | None = None  # e.g. "PR-2026-000123"
    customer_code: str
    supply_id: str | None = None
    kind: CaseKind
    status: Literal["open", "waiting_documents", "in_progress", "completed", "rejected"] = "open"
    data: dict[str, str] = Field(default_factory=dict)  # collected fields (IBAN, dates, ...)
    documents_needed: list[str] = Field(default_factory=list)
    created_at: datetime | None = None


class Preferences(BaseModel):
    customer_code: str
    bill_delivery: Literal["email", "paper"] = "paper"
    reminder_channel: Literal["whatsapp", "sms", "email", "none"] = "whatsapp"
    whatsapp_active: bool = False
    updated_at: datetime | None = None


ConsentCategory = Literal["marketing_lumea", "marketing_partners", "profiling", "surveys"]


class Consent(BaseModel):
    """A marketing consent given or revoked, with the exact wording shown to the customer."""

    customer_code: str
    category: ConsentCategory
    granted: bool
    wording: str
    channel: str = "whatsapp"
    at: datetime | None = None


class Customers(Protocol):
    def get_customer(self, code: str) -> Customer: ...  # NotFoundError if unknown
    def find_by_phone(self, phone: str) -> Customer | None: ...
    def list_customers(self) -> list[Customer]: ...


class Bills(Protocol):
    def list_bills(self, customer_code: str, supply_id: str | None = None) -> list[Bill]: ...
    def get_bill(self, customer_code: str, bill_id: str) -> Bill: ...  # NotFoundError if not theirs
    def bill_pdf(self, customer_code: str, bill_id: str) -> bytes: ...


class Payments(Protocol):
    def list_payments(self, customer_code: str) -> list[Payment]: ...
    def payment_link(self, customer_code: str, bill_id: str) -> str: ...


class InstalmentPlans(Protocol):
    def create_plan(self, plan: InstalmentPlan) -> InstalmentPlan: ...  # returns it with plan_id
    def list_plans(self, customer_code: str) -> list[InstalmentPlan]: ...


class Readings(Protocol):
    def list_readings(self, supply_id: str) -> list[MeterReading]: ...  # oldest first
    def record_reading(self, reading: MeterReading) -> MeterReading: ...


class Tickets(Protocol):
    def open_ticket(self, ticket: Ticket) -> Ticket: ...  # returns it with ticket_id
    def get_ticket(self, ticket_id: str) -> Ticket: ...
    def list_tickets(self, customer_code: str) -> list[Ticket]: ...
    def update_ticket(self, ticket_id: str, status: TicketStatus, note: str) -> Ticket: ...
    def planned_outages(
        self, commune: str, commodity: Commodity | None = None
    ) -> list[PlannedOutage]: ...


class OtpSender(Protocol):
    def send_code(self, phone: str, code: str) -> None: ...


class Cases(Protocol):
    def open_case(self, case: Case) -> Case: ...  # returns it with case_id
    def list_cases(self, customer_code: str) -> list[Case]: ...  # newest first


class CustomerSettings(Protocol):
    def get_preferences(self, customer_code: str) -> Preferences: ...  # defaults if never set
    def set_preferences(self, preferences: Preferences) -> Preferences: ...
    def record_consent(self, consent: Consent) -> Consent: ...  # append-only history
    def list_consents(self, customer_code: str) -> list[Consent]: ...  # oldest first


class Notifier(Protocol):
    """Proactive messages to a customer through their channel (WhatsApp wires it)."""

    def notify(self, customer_code: str, text: str, *, category: str) -> None: ...


class UtilityBackend(
    Customers,
    Bills,
    Payments,
    InstalmentPlans,
    Readings,
    Tickets,
    OtpSender,
    Cases,
    CustomerSettings,
    Protocol,
):
    """Everything at once: what an adapter implements."""
