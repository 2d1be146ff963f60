"""The demo utility backend: every port over SQLAlchemy Core tables (SQLite or PostgreSQL).

Tables are prefixed `demo_`. `seed_demo` (in `demo_seed.py`) fills them with Lumea's synthetic
customers; `reset()` drops everything and seeds again. Lists follow the REST contract:
bills, payments, plans, tickets and cases newest first; readings, ticket updates and consents
oldest first.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    CursorResult,
    Date,
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    RowMapping,
    String,
    Table,
    Text,
    TypeDecorator,
    select,
    update,
)

from graph.backends.bill_pdf import render_bill_pdf
from graph.backends.demo_seed import DEFAULT_SEED, ROME, DemoData, build_demo_data, seed_demo
from graph.backends.ports import (
    BackendError,
    Bill,
    BillLine,
    BonusStatus,
    Case,
    Commodity,
    Consent,
    Customer,
    Instalment,
    InstalmentPlan,
    MeterReading,
    NotFoundError,
    Payment,
    PlannedOutage,
    Preferences,
    Supply,
    Ticket,
    TicketStatus,
    TicketUpdate,
)
from knowledge.clock import SYSTEM_CLOCK

PAY_URL = "https://pay.lumea.example/b/{bill_id}?t={token}"


class RequestRefusedError(BackendError):
    """The demo utility's rules refuse the request (e.g. a second plan for the same bill)."""


class ExactDecimal(TypeDecorator[Decimal]):
    """Decimals without float on the way: NUMERIC on PostgreSQL, text on SQLite."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


class AwareDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes, stored in UTC and read back in Italy's zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(ROME)


metadata = MetaData()

customers = Table(
    "demo_customers",
    metadata,
    Column("code", String(10), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("phone", String(20), nullable=False, index=True),
    Column("email", String(200)),
    Column("fiscal_code", String(16)),
    Column("language", String(2), nullable=False),
    Column("domestic", Boolean, nullable=False),
    Column("vulnerable", Boolean, nullable=False),
    Column("life_support", Boolean, nullable=False),
    Column("good_payer", Boolean, nullable=False),
)

supplies = Table(
    "demo_supplies",
    metadata,
    Column("supply_id", String(20), primary_key=True),
    Column("customer_code", ForeignKey("demo_customers.code"), nullable=False, index=True),
    Column("commodity", String(12), nullable=False),
    Column("pod", String(20)),
    Column("pdr", String(20)),
    Column("water_meter", String(30)),
    Column("address", Text, nullable=False),
    Column("commune", String(80), nullable=False),
    Column("status", String(12), nullable=False),
    Column("offer_code", String(40)),
    Column("market", String(24), nullable=False),
    Column("power_kw", ExactDecimal),
    Column("resident", Boolean, nullable=False),
    Column("bonus_kind", String(10)),
    Column("bonus_from", Date),
    Column("bonus_to", Date),
    Column("direct_debit", Boolean, nullable=False),
    Column("distributor", String(120), nullable=False),
    Column("distributor_emergency_phone", String(30), nullable=False),
)

bills = Table(
    "demo_bills",
    metadata,
    Column("bill_id", String(20), primary_key=True),
    Column("number", String(30), nullable=False, unique=True),
    Column("customer_code", ForeignKey("demo_customers.code"), nullable=False, index=True),
    Column("supply_id", ForeignKey("demo_supplies.supply_id"), nullable=False, index=True),
    Column("commodity", String(12), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("status", String(16), nullable=False),
    Column("estimated", Boolean, nullable=False),
    Column("conguaglio", Boolean, nullable=False),
    Column("consumption", ExactDecimal),
    Column("consumption_unit", String(10)),
)

bill_lines = Table(
    "demo_bill_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bill_id", ForeignKey("demo_bills.bill_id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("category", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("quantity", ExactDecimal),
    Column("unit", String(12)),
    Column("unit_price", ExactDecimal),
    Column("amount", ExactDecimal, nullable=False),
)

payments = Table(
    "demo_payments",
    metadata,
    Column("payment_id", String(20), primary_key=True),
    Column("customer_code", ForeignKey("demo_customers.code"), nullable=False, index=True),
    Column("bill_id", ForeignKey("demo_bills.bill_id")),
    Column("amount", ExactDecimal, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("method", String(16), nullable=False),
)

plans = Table(
    "demo_plans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(20), unique=True),
    Column("customer_code", ForeignKey("demo_customers.code"), nullable=False, index=True),
    Column("bill_id", ForeignKey("demo_bills.bill_id"), nullable=False),
    Column("annual_interest_rate", ExactDecimal, nullable=False),
    Column("total", ExactDecimal, nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
    Column("status", String(12), nullable=False),
)

plan_instalments = Table(
    "demo_plan_instalments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_pk", ForeignKey("demo_plans.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", ExactDecimal, nullable=False),
)

readings = Table(
    "demo_readings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("supply_id", ForeignKey("demo_supplies.supply_id"), nullable=False, index=True),
    Column("read_on", Date, nullable=False),
    Column("source", String(10), nullable=False),
    Column("reading_values", JSON, nullable=False),  # {"F1": "10234", ...}: decimals as text
)

tickets = Table(
    "demo_tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(20), unique=True),
    Column("customer_code", ForeignKey("demo_customers.code"), index=True),
    Column("supply_id", ForeignKey("demo_supplies.supply_id")),
    Column("category", String(40), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("summary", Text, nullable=False),
    Column("address", Text),
    Column("created_at", AwareDateTime, nullable=False),
)

ticket_updates = Table(
    "demo_ticket_updates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_pk", ForeignKey("demo_tickets.id"), nullable=False, index=True),
    Column("at", AwareDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False),
)

outages = Table(
    "demo_outages",
    metadata,
    Column("outage_id", String(20), primary_key=True),
    Column("commodity", String(12), nullable=False),
    Column("commune", String(80), nullable=False),
    Column("area", Text, nullable=False),
    Column("starts_at", AwareDateTime, nullable=False),
    Column("ends_at", AwareDateTime, nullable=False),
    Column("reason", Text, nullable=False),
)

otp_outbox = Table(
    "demo_otp_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("phone", String(20), nullable=False, index=True),
    Column("code", String(12), nullable=False),
    Column("sent_at", AwareDateTime, nullable=False),
)

cases = Table(
    "demo_cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(20), unique=True),
    Column("customer_code", ForeignKey("demo_customers.code"), nullable=False, index=True),
    Column("supply_id", ForeignKey("demo_supplies.supply_id")),
    Column("kind", String(24), nullable=False),
    Column("status", String(20), nullable=False),
    Column("case_data", JSON, nullable=False),  # {"iban": "IT60...", ...}
    Column("documents_needed", JSON, nullable=False),  # ["documento d'identità", ...]
    Column("created_at", AwareDateTime, nullable=False),
)

customer_preferences = Table(
    "demo_preferences",
    metadata,
    Column("customer_code", ForeignKey("demo_customers.code"), primary_key=True),
    Column("bill_delivery", String(8), nullable=False),
    Column("reminder_channel", String(10), nullable=False),
    Column("whatsapp_active", Boolean, nullable=False),
    Column("updated_at", AwareDateTime, nullable=False),
)

consents = Table(
    "demo_consents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_code", ForeignKey("demo_customers.code"), nullable=False, index=True),
    Column("category", String(24), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("wording", Text, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("at", AwareDateTime, nullable=False),
)

meta = Table(
    "demo_meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)


def normalize_phone(phone: str) -> str:
    """An Italian-leaning E.164 form: `+39 333 123 4567`, `0039…`, `39333…`, `333…` all match."""
    text = phone.strip().lower()
    for prefix in ("whatsapp:", "tel:"):
        text = text.removeprefix(prefix)
    plus = text.startswith("+")
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    if plus:
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("39") and 11 <= len(digits) <= 13:
        return "+" + digits  # WhatsApp ids: country code without the plus
    if digits[0] in "03":
        return "+39" + digits  # a national mobile (3…) or landline (0…) number
    return "+" + digits


class DemoBackend:
    """`UtilityBackend` for demos and tests; `clock` is injectable for deterministic tests."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = SYSTEM_CLOCK) -> None:
        self.engine = engine
        self._clock = clock
        metadata.create_all(engine)

    # Loading and resetting

    # What a conversation can write, by kind: evaluations compare these before and after.
    WRITABLE = {
        "plan": (plans, plan_instalments),
        "reading": (readings,),
        "case": (cases,),
        "ticket": (tickets, ticket_updates),
        "preferences": (customer_preferences,),
        "consent": (consents,),
    }

    def state_digest(self) -> dict[str, str]:
        """A fingerprint of each writable kind's rows: a kind whose fingerprint changed was
        written (a new row or an update)."""
        digests = {}
        with self.engine.connect() as conn:
            for kind, tables in self.WRITABLE.items():
                digest = hashlib.sha256()
                for table in tables:
                    rows = conn.execute(select(table).order_by(*table.primary_key.columns))
                    for row in rows:
                        digest.update(repr(tuple(row)).encode())
                digests[kind] = digest.hexdigest()
        return digests

    def load(self, data: DemoData, *, today: date, seed: int) -> None:
        """Replace every demo table's content with `data` (used by `seed_demo`), atomically.

        Tables are dropped and created again, so ticket and plan numbers restart from 1.
        """
        with self.engine.begin() as conn:
            metadata.drop_all(conn)
            metadata.create_all(conn)
            _insert(conn, customers, [_customer_row(c) for c in data.customers])
            _insert(conn, supplies, [_supply_row(s) for c in data.customers for s in c.supplies])
            _insert(conn, bills, [_bill_row(b) for b in data.bills])
            _insert(conn, bill_lines, [row for b in data.bills for row in _line_rows(b)])
            _insert(conn, payments, [p.model_dump() for p in data.payments])
            _insert(conn, readings, [_reading_row(r) for r in data.readings])
            _insert(conn, outages, [o.model_dump() for o in data.outages])
            for plan in data.plans:
                _insert_plan(conn, plan)
            for ticket in data.tickets:
                _insert_ticket(conn, ticket)
            for case in data.cases:
                _insert_case(conn, case)
            _insert(conn, customer_preferences, [_preferences_row(p) for p in data.preferences])
            _insert(conn, consents, [_consent_row(c) for c in data.consents])
            _insert(
                conn,
                meta,
                [
                    {"key": "seed_today", "value": today.isoformat()},
                    {"key": "seed", "value": str(seed)},
                ],
            )

    def reset(self, today: date | None = None, seed: int | None = None) -> None:
        """Drop all demo data and seed again: by default with the last seed's day and number."""
        with self.engine.connect() as conn:
            stored = {row.key: row.value for row in conn.execute(select(meta))}
        if today is None:
            today = (
                date.fromisoformat(stored["seed_today"])
                if "seed_today" in stored
                else self._clock().date()
            )
        if seed is None:
            seed = int(stored.get("seed", DEFAULT_SEED))
        self.load(build_demo_data(today, seed), today=today, seed=seed)

    # Customers

    def get_customer(self, code: str) -> Customer:
        with self.engine.connect() as conn:
            return self._customer(conn, code)

    def find_by_phone(self, phone: str) -> Customer | None:
        normalized = normalize_phone(phone)
        if not normalized:
            return None
        with self.engine.connect() as conn:
            codes = conn.execute(
                select(customers.c.code).where(customers.c.phone == normalized)
            ).scalars()
            found = list(codes)
            if len(found) != 1:
                return None  # unknown, or shared by several customers: ask for the code instead
            return self._customer(conn, found[0])

    def list_customers(self) -> list[Customer]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(customers).order_by(customers.c.code)).mappings().all()
            by_customer: dict[str, list[Supply]] = defaultdict(list)
            for row in conn.execute(select(supplies).order_by(supplies.c.supply_id)).mappings():
                by_customer[row["customer_code"]].append(_supply(row))
        return [Customer(**row, supplies=by_customer[row["code"]]) for row in rows]

    # Bills

    def list_bills(self, customer_code: str, supply_id: str | None = None) -> list[Bill]:
        with self.engine.connect() as conn:
            self._require_customer(conn, customer_code)
            query = select(bills).where(bills.c.customer_code == customer_code)
            if supply_id is not None:
                self._require_supply(conn, supply_id, customer_code)
                query = query.where(bills.c.supply_id == supply_id)
            rows = conn.execute(
                query.order_by(bills.c.issue_date.desc(), bills.c.bill_id.desc())
            ).mappings()
            return _bills_with_lines(conn, list(rows))

    def get_bill(self, customer_code: str, bill_id: str) -> Bill:
        with self.engine.connect() as conn:
            return self._bill(conn, customer_code, bill_id)

    def bill_pdf(self, customer_code: str, bill_id: str) -> bytes:
        with self.engine.connect() as conn:
            bill = self._bill(conn, customer_code, bill_id)
            customer = self._customer(conn, customer_code)
            paid = self._payments(conn, customer_code, bill_id)
        supply = next(s for s in customer.supplies if s.supply_id == bill.supply_id)
        return render_bill_pdf(customer, supply, bill, paid)

    # Payments

    def list_payments(self, customer_code: str) -> list[Payment]:
        with self.engine.connect() as conn:
            self._require_customer(conn, customer_code)
            return self._payments(conn, customer_code)

    def payment_link(self, customer_code: str, bill_id: str) -> str:
        bill = self.get_bill(customer_code, bill_id)
        if bill.status in ("paid", "cancelled", "in_instalments"):
            raise RequestRefusedError(f"bill {bill_id} is not payable: it is {bill.status}")
        digest = hashlib.sha256(f"lumea-demo:{customer_code}:{bill_id}".encode()).hexdigest()
        return PAY_URL.format(bill_id=bill_id, token=digest[:12])

    # Instalment plans

    def create_plan(self, plan: InstalmentPlan) -> InstalmentPlan:
        if not plan.instalments:
            raise RequestRefusedError("an instalment plan needs at least one instalment")
        with self.engine.begin() as conn:
            bill = self._bill(conn, plan.customer_code, plan.bill_id)
            if bill.status in ("paid", "cancelled", "in_instalments"):
                raise RequestRefusedError(
                    f"bill {bill.bill_id} cannot be rateizzata: {bill.status}"
                )
            stored = plan.model_copy(
                update={"created_at": plan.created_at or self._clock(), "status": "active"}
            )
            created = _insert_plan(conn, stored)
            conn.execute(
                update(bills).where(bills.c.bill_id == plan.bill_id).values(status="in_instalments")
            )
        return created

    def list_plans(self, customer_code: str) -> list[InstalmentPlan]:
        with self.engine.connect() as conn:
            self._require_customer(conn, customer_code)
            rows = conn.execute(
                select(plans)
                .where(plans.c.customer_code == customer_code)
                .order_by(plans.c.created_at.desc(), plans.c.id.desc())
            ).mappings()
            return [_plan(conn, row) for row in list(rows)]

    # Readings

    def list_readings(self, supply_id: str) -> list[MeterReading]:
        with self.engine.connect() as conn:
            self._require_supply(conn, supply_id)
            rows = conn.execute(
                select(readings)
                .where(readings.c.supply_id == supply_id)
                .order_by(readings.c.read_on, readings.c.id)
            ).mappings()
            return [_reading(row) for row in rows]

    def record_reading(self, reading: MeterReading) -> MeterReading:
        with self.engine.begin() as conn:
            self._require_supply(conn, reading.supply_id)
            conn.execute(readings.insert().values(**_reading_row(reading)))
        return reading

    # Tickets

    def open_ticket(self, ticket: Ticket) -> Ticket:
        with self.engine.begin() as conn:
            if ticket.customer_code is not None:
                self._require_customer(conn, ticket.customer_code)
            if ticket.supply_id is not None:
                self._require_supply(conn, ticket.supply_id, ticket.customer_code)
            return _insert_ticket(conn, ticket, now=self._clock())

    def get_ticket(self, ticket_id: str) -> Ticket:
        with self.engine.connect() as conn:
            row = conn.execute(select(tickets).where(tickets.c.ticket_id == ticket_id)).mappings()
            found = row.first()
            if found is None:
                raise NotFoundError(f"no ticket {ticket_id}")
            return _ticket(conn, found)

    def list_tickets(self, customer_code: str) -> list[Ticket]:
        with self.engine.connect() as conn:
            self._require_customer(conn, customer_code)
            rows = conn.execute(
                select(tickets)
                .where(tickets.c.customer_code == customer_code)
                .order_by(tickets.c.created_at.desc(), tickets.c.id.desc())
            ).mappings()
            return [_ticket(conn, row) for row in list(rows)]

    def update_ticket(self, ticket_id: str, status: TicketStatus, note: str) -> Ticket:
        with self.engine.begin() as conn:
            found = (
                conn.execute(select(tickets).where(tickets.c.ticket_id == ticket_id))
                .mappings()
                .first()
            )
            if found is None:
                raise NotFoundError(f"no ticket {ticket_id}")
            if found["status"] == "closed":
                raise RequestRefusedError(f"ticket {ticket_id} is closed")
            conn.execute(
                ticket_updates.insert().values(
                    ticket_pk=found["id"], at=self._clock(), status=status, note=note
                )
            )
            conn.execute(update(tickets).where(tickets.c.id == found["id"]).values(status=status))
        return self.get_ticket(ticket_id)

    def planned_outages(
        self, commune: str, commodity: Commodity | None = None
    ) -> list[PlannedOutage]:
        """Current and future interruptions whose commune matches (case-insensitive, partial)."""
        wanted = commune.strip().casefold()
        if not wanted:
            return []
        query = select(outages).where(outages.c.ends_at >= self._clock())
        if commodity is not None:
            query = query.where(outages.c.commodity == commodity)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(outages.c.starts_at)).mappings().all()
        return [PlannedOutage(**row) for row in rows if wanted in row["commune"].casefold()]

    # Cases (pratiche)

    def open_case(self, case: Case) -> Case:
        with self.engine.begin() as conn:
            self._require_customer(conn, case.customer_code)
            if case.supply_id is not None:
                self._require_supply(conn, case.supply_id, case.customer_code)
            return _insert_case(conn, case, now=self._clock())

    def list_cases(self, customer_code: str) -> list[Case]:
        with self.engine.connect() as conn:
            self._require_customer(conn, customer_code)
            rows = conn.execute(
                select(cases)
                .where(cases.c.customer_code == customer_code)
                .order_by(cases.c.created_at.desc(), cases.c.id.desc())
            ).mappings()
            return [_case(row) for row in rows]

    # Preferences and consents

    def get_preferences(self, customer_code: str) -> Preferences:
        with self.engine.connect() as conn:
            self._require_customer(conn, customer_code)
            row = (
                conn.execute(
                    select(customer_preferences).where(
                        customer_preferences.c.customer_code == customer_code
                    )
                )
                .mappings()
                .first()
            )
        return Preferences(**row) if row else Preferences(customer_code=customer_code)

    def set_preferences(self, preferences: Preferences) -> Preferences:
        """Store the customer's choices (insert or replace); `updated_at` is now."""
        stored = preferences.model_copy(update={"updated_at": self._clock()})
        row = _preferences_row(stored)
        code = stored.customer_code
        with self.engine.begin() as conn:
            self._require_customer(conn, code)
            changed = conn.execute(
                update(customer_preferences)
                .where(customer_preferences.c.customer_code == code)
                .values(**row)
            )
            if changed.rowcount == 0:
                conn.execute(customer_preferences.insert().values(**row))
        return stored

    def record_consent(self, consent: Consent) -> Consent:
        """Append a consent given or revoked: the history is never rewritten."""
        if not consent.wording.strip():
            raise RequestRefusedError("a consent is recorded with the wording shown")
        stored = consent.model_copy(update={"at": consent.at or self._clock()})
        with self.engine.begin() as conn:
            self._require_customer(conn, consent.customer_code)
            conn.execute(consents.insert().values(**_consent_row(stored)))
        return stored

    def list_consents(self, customer_code: str) -> list[Consent]:
        with self.engine.connect() as conn:
            self._require_customer(conn, customer_code)
            rows = conn.execute(
                select(consents)
                .where(consents.c.customer_code == customer_code)
                .order_by(consents.c.at, consents.c.id)
            ).mappings()
            return [Consent(**{k: row[k] for k in Consent.model_fields}) for row in rows]

    # One-time codes

    def send_code(self, phone: str, code: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                otp_outbox.insert().values(
                    phone=normalize_phone(phone), code=code, sent_at=self._clock()
                )
            )

    def last_code_sent(self, phone: str) -> str | None:
        """The last code `send_code` stored for this phone: what the customer would have got."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(otp_outbox.c.code)
                .where(otp_outbox.c.phone == normalize_phone(phone))
                .order_by(otp_outbox.c.id.desc())
                .limit(1)
            ).scalar()

    # Lookups

    def _customer(self, conn: Connection, code: str) -> Customer:
        row = conn.execute(select(customers).where(customers.c.code == code)).mappings().first()
        if row is None:
            raise NotFoundError(f"no customer {code}")
        rows = conn.execute(
            select(supplies).where(supplies.c.customer_code == code).order_by(supplies.c.supply_id)
        ).mappings()
        return Customer(**row, supplies=[_supply(s) for s in rows])

    def _require_customer(self, conn: Connection, code: str) -> None:
        found = conn.execute(select(customers.c.code).where(customers.c.code == code)).first()
        if found is None:
            raise NotFoundError(f"no customer {code}")

    def _require_supply(
        self, conn: Connection, supply_id: str, customer_code: str | None = None
    ) -> None:
        owner = conn.execute(
            select(supplies.c.customer_code).where(supplies.c.supply_id == supply_id)
        ).scalar()
        if owner is None or (customer_code is not None and owner != customer_code):
            raise NotFoundError(f"no supply {supply_id} for this customer")

    def _bill(self, conn: Connection, customer_code: str, bill_id: str) -> Bill:
        row = (
            conn.execute(
                select(bills).where(
                    bills.c.bill_id == bill_id, bills.c.customer_code == customer_code
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"no bill {bill_id} for this customer")
        return _bills_with_lines(conn, [row])[0]

    def _payments(
        self, conn: Connection, customer_code: str, bill_id: str | None = None
    ) -> list[Payment]:
        query = select(payments).where(payments.c.customer_code == customer_code)
        if bill_id is not None:
            query = query.where(payments.c.bill_id == bill_id)
        rows = conn.execute(
            query.order_by(payments.c.paid_on.desc(), payments.c.payment_id.desc())
        ).mappings()
        return [Payment(**row) for row in rows]


# Rows to models and back


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def _customer_row(customer: Customer) -> dict[str, Any]:
    return customer.model_dump(exclude={"supplies"})


def _supply_row(supply: Supply) -> dict[str, Any]:
    row = supply.model_dump(exclude={"bonus"})
    bonus = supply.bonus
    row["bonus_kind"] = bonus.kind if bonus else None
    row["bonus_from"] = bonus.valid_from if bonus else None
    row["bonus_to"] = bonus.valid_to if bonus else None
    return row


def _supply(row: RowMapping) -> Supply:
    data = dict(row)
    kind, valid_from, valid_to = (data.pop(k) for k in ("bonus_kind", "bonus_from", "bonus_to"))
    bonus = BonusStatus(kind=kind, valid_from=valid_from, valid_to=valid_to) if kind else None
    return Supply(**data, bonus=bonus)


def _bill_row(bill: Bill) -> dict[str, Any]:
    return bill.model_dump(exclude={"lines"})


def _line_rows(bill: Bill) -> Iterable[dict[str, Any]]:
    for position, line in enumerate(bill.lines):
        yield {"bill_id": bill.bill_id, "position": position, **line.model_dump()}


def _bills_with_lines(conn: Connection, rows: list[RowMapping]) -> list[Bill]:
    ids = [row["bill_id"] for row in rows]
    lines: dict[str, list[BillLine]] = defaultdict(list)
    if ids:
        query = (
            select(bill_lines)
            .where(bill_lines.c.bill_id.in_(ids))
            .order_by(bill_lines.c.bill_id, bill_lines.c.position)
        )
        for line in conn.execute(query).mappings():
            fields = {k: line[k] for k in BillLine.model_fields}
            lines[line["bill_id"]].append(BillLine(**fields))
    return [Bill(**row, lines=lines[row["bill_id"]]) for row in rows]


def _reading_row(reading: MeterReading) -> dict[str, Any]:
    return {
        "supply_id": reading.supply_id,
        "read_on": reading.read_on,
        "source": reading.source,
        "reading_values": {band: str(value) for band, value in reading.values.items()},
    }


def _reading(row: RowMapping) -> MeterReading:
    values = {band: Decimal(value) for band, value in row["reading_values"].items()}
    return MeterReading(
        supply_id=row["supply_id"], read_on=row["read_on"], values=values, source=row["source"]
    )


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every insert here has an integer primary key
        raise BackendError("the database did not return the new id")
    return int(key[0])


def _insert_plan(conn: Connection, plan: InstalmentPlan) -> InstalmentPlan:
    created_at = plan.created_at
    if created_at is None:
        raise ValueError("a stored plan needs created_at")
    pk = _new_id(
        conn.execute(
            plans.insert().values(
                customer_code=plan.customer_code,
                bill_id=plan.bill_id,
                annual_interest_rate=plan.annual_interest_rate,
                total=plan.total,
                created_at=created_at,
                status=plan.status,
            )
        )
    )
    plan_id = f"RAT-{created_at.astimezone(ROME).year}-{pk:06d}"
    conn.execute(update(plans).where(plans.c.id == pk).values(plan_id=plan_id))
    _insert(
        conn,
        plan_instalments,
        [
            {"plan_pk": pk, "position": n, "due_date": i.due_date, "amount": i.amount}
            for n, i in enumerate(plan.instalments)
        ],
    )
    return plan.model_copy(update={"plan_id": plan_id})


def _plan(conn: Connection, row: RowMapping) -> InstalmentPlan:
    instalments = conn.execute(
        select(plan_instalments.c.due_date, plan_instalments.c.amount)
        .where(plan_instalments.c.plan_pk == row["id"])
        .order_by(plan_instalments.c.position)
    ).mappings()
    fields = {k: row[k] for k in InstalmentPlan.model_fields if k != "instalments"}
    return InstalmentPlan(**fields, instalments=[Instalment(**i) for i in instalments])


def _insert_ticket(conn: Connection, ticket: Ticket, now: datetime | None = None) -> Ticket:
    created_at = ticket.created_at or now
    if created_at is None:
        raise ValueError("a stored ticket needs created_at")
    fields = ticket.model_dump(exclude={"ticket_id", "updates", "created_at"})
    pk = _new_id(conn.execute(tickets.insert().values(**fields, created_at=created_at)))
    ticket_id = f"TK-{created_at.astimezone(ROME).year}-{pk:06d}"
    conn.execute(update(tickets).where(tickets.c.id == pk).values(ticket_id=ticket_id))
    opened = TicketUpdate(at=created_at, status=ticket.status, note="Richiesta registrata")
    updates = [opened, *ticket.updates]
    _insert(
        conn,
        ticket_updates,
        [{"ticket_pk": pk, **u.model_dump()} for u in updates],
    )
    return ticket.model_copy(
        update={"ticket_id": ticket_id, "created_at": created_at, "updates": updates}
    )


def _ticket(conn: Connection, row: RowMapping) -> Ticket:
    updates = conn.execute(
        select(ticket_updates.c.at, ticket_updates.c.status, ticket_updates.c.note)
        .where(ticket_updates.c.ticket_pk == row["id"])
        .order_by(ticket_updates.c.at, ticket_updates.c.id)
    ).mappings()
    fields = {k: row[k] for k in Ticket.model_fields if k != "updates"}
    return Ticket(**fields, updates=[TicketUpdate(**u) for u in updates])


def _insert_case(conn: Connection, case: Case, now: datetime | None = None) -> Case:
    created_at = case.created_at or now
    if created_at is None:
        raise ValueError("a stored case needs created_at")
    fields = case.model_dump(exclude={"case_id", "created_at", "data"})
    pk = _new_id(
        conn.execute(cases.insert().values(**fields, case_data=case.data, created_at=created_at))
    )
    case_id = f"PR-{created_at.astimezone(ROME).year}-{pk:06d}"
    conn.execute(update(cases).where(cases.c.id == pk).values(case_id=case_id))
    return case.model_copy(update={"case_id": case_id, "created_at": created_at})


def _case(row: RowMapping) -> Case:
    fields = {k: row[k] for k in Case.model_fields if k != "data"}
    return Case(**fields, data=row["case_data"])


def _preferences_row(prefs: Preferences) -> dict[str, Any]:
    if prefs.updated_at is None:
        raise ValueError("stored preferences need updated_at")
    return prefs.model_dump()


def _consent_row(consent: Consent) -> dict[str, Any]:
    if consent.at is None:
        raise ValueError("a stored consent needs at")
    return consent.model_dump()


__all__ = ["DemoBackend", "RequestRefusedError", "normalize_phone", "seed_demo"]
