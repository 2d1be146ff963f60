"""The demo utility backend on real SQLite files (and PostgreSQL): seed, ports, PDFs, reset."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pdfminer.high_level import extract_pages, extract_text
from sqlalchemy import create_engine

from graph.backends import bill_pdf
from graph.backends.demo import DemoBackend, RequestRefusedError, normalize_phone, seed_demo
from graph.backends.demo_seed import CONSENT_WORDING, ROME
from graph.backends.notify import RecordingNotifier
from graph.backends.ports import (
    Bill,
    Case,
    Consent,
    Customer,
    Instalment,
    InstalmentPlan,
    MeterReading,
    NotFoundError,
    Notifier,
    Preferences,
    Ticket,
    UtilityBackend,
)

TODAY = date(2026, 4, 15)
NOON = datetime.combine(TODAY, time(12), ROME)
GIULIA = "LM00010001"
COMMUNES = {
    "Figline Valdarno",
    "Incisa Valdarno",
    "Reggello",
    "Rignano sull'Arno",
    "San Giovanni Valdarno",
    "Montevarchi",
    "Terranuova Bracciolini",
}
EMERGENCY = {"electricity": "800 900 111", "gas": "800 900 222", "water": "800 900 333"}
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def seeded(url: str, today: date = TODAY, seed: int = 42, now: datetime = NOON) -> DemoBackend:
    backend = DemoBackend(create_engine(url), clock=lambda: now)
    seed_demo(backend, today, seed)
    return backend


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def euro(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoBackend]:
    """Seeded once and only read."""
    backend = seeded(sqlite_url(tmp_path_factory.mktemp("demo") / "demo.db"))
    yield backend
    backend.engine.dispose()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoBackend]:
    """Seeded once; tests write to it, each on records of its own."""
    backend = seeded(sqlite_url(tmp_path_factory.mktemp("scratch") / "demo.db"))
    yield backend
    backend.engine.dispose()


@pytest.fixture(scope="module")
def customers(demo: DemoBackend) -> list[Customer]:
    return demo.list_customers()


@pytest.fixture(scope="module")
def bills(demo: DemoBackend, customers: list[Customer]) -> dict[str, list[Bill]]:
    return {c.code: demo.list_bills(c.code) for c in customers}


def supply_bills(bills: dict[str, list[Bill]], supply_id: str) -> list[Bill]:
    """One supply's bills, oldest first, without the duplicate copy."""
    found = [b for found in bills.values() for b in found if b.supply_id == supply_id]
    unique = {(b.period_start, b.period_end): b for b in sorted(found, key=lambda b: b.bill_id)}
    return sorted(unique.values(), key=lambda b: b.period_start)


def overdue(bills: list[Bill]) -> list[Bill]:
    return [b for b in bills if b.due_date < TODAY and b.status in ("unpaid", "partially_paid")]


def large_conguaglio(bills: list[Bill]) -> bool:
    *previous, latest = sorted(bills, key=lambda b: b.issue_date)
    average = sum((b.amount for b in previous), Decimal(0)) / len(previous)
    return (
        latest.conguaglio
        and not latest.estimated
        and all(b.estimated for b in previous)
        and latest.amount >= Decimal("2.5") * average
        and latest.amount > 50
        and TODAY - timedelta(days=5) <= latest.issue_date <= TODAY
        and latest.due_date > TODAY
        and latest.status == "unpaid"
        and any(line.category == "ricalcoli" for line in latest.lines)
    )


# The seeded population


def test_backend_implements_the_port(demo: DemoBackend) -> None:
    backend: UtilityBackend = demo
    assert backend.get_customer(GIULIA).name == "Giulia Rossi"


def test_at_least_50_customers_with_valid_identifiers(customers: list[Customer]) -> None:
    assert len(customers) >= 50
    assert [c.code for c in customers] == [
        f"LM{10000 + n:08d}" for n in range(1, len(customers) + 1)
    ]
    assert len({c.phone for c in customers}) == len(customers)
    for customer in customers:
        assert re.fullmatch(r"\+393\d{8,9}", customer.phone), customer.phone
        assert customer.supplies, customer.code
        assert customer.fiscal_code and len(customer.fiscal_code) in (11, 16)
        for supply in customer.supplies:
            assert supply.commune in COMMUNES
            assert supply.customer_code == customer.code
            assert supply.distributor_emergency_phone == EMERGENCY[supply.commodity]
            if supply.commodity == "electricity":
                assert re.fullmatch(r"IT001E\d{8}", supply.pod or ""), supply.pod
                assert supply.power_kw is not None
            elif supply.commodity == "gas":
                assert re.fullmatch(r"\d{14}", supply.pdr or ""), supply.pdr
            else:
                assert supply.water_meter
    supplies = [s for c in customers for s in c.supplies]
    assert {s.commodity for s in supplies} == {"electricity", "gas", "water"}
    assert sum(len(c.supplies) >= 2 for c in customers) >= 10
    assert any(len(c.supplies) == 3 for c in customers)


def test_giulia_rossi_is_the_rich_persona(demo: DemoBackend, bills: dict[str, list[Bill]]) -> None:
    giulia = demo.find_by_phone("+393331234567")
    assert giulia is not None and giulia.code == GIULIA and giulia.name == "Giulia Rossi"
    assert sorted(s.commodity for s in giulia.supplies) == ["electricity", "gas"]
    gas = next(s for s in giulia.supplies if s.commodity == "gas")
    assert large_conguaglio(supply_bills(bills, gas.supply_id))
    assert giulia.good_payer and not overdue(bills[GIULIA])
    outage = demo.planned_outages(gas.commune, "electricity")
    assert outage and "Via Roma" in giulia.supplies[0].address and "Via Roma" in outage[0].area


def test_bills_follow_real_periodicity(
    customers: list[Customer], bills: dict[str, list[Bill]]
) -> None:
    for customer in customers:
        for supply in customer.supplies:
            history = supply_bills(bills, supply.supply_id)
            if supply.commodity == "water":
                months = 3
            elif supply.commodity == "gas":
                months = 2
            else:
                months = 1 if (supply.power_kw or 0) > Decimal("16.5") else 2
            assert TODAY - timedelta(days=440) <= history[0].period_start
            assert history[0].period_start <= TODAY - timedelta(days=330)
            for before, after in zip(history, history[1:], strict=False):
                assert after.period_start == before.period_end + timedelta(days=1)
            for bill in history:
                start, end = bill.period_start, bill.period_end
                assert start.day == 1 and (end + timedelta(days=1)).day == 1
                assert (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1 == months
                assert end < bill.issue_date <= TODAY
                assert (bill.issue_date - end).days <= 45  # TIF: issued within 45 days
                assert bill.due_date == bill.issue_date + timedelta(days=20)
                assert bill.consumption_unit == {"electricity": "kWh", "gas": "Smc"}.get(
                    bill.commodity, "m3"
                )


def test_line_items_sum_to_bill_amounts(
    customers: list[Customer], bills: dict[str, list[Bill]]
) -> None:
    supplies = {s.supply_id: (c, s) for c in customers for s in c.supplies}
    for bill in (b for found in bills.values() for b in found):
        customer, supply = supplies[bill.supply_id]
        assert sum((line.amount for line in bill.lines), Decimal(0)) == bill.amount
        assert bill.amount > 0
        categories = {line.category for line in bill.lines}
        assert {"materia", "trasporto", "imposte"} <= categories
        vat = {
            line.description.split()[1] for line in bill.lines if line.description.startswith("IVA")
        }
        if not customer.domestic and bill.commodity != "water":
            assert vat == {"22%"}
        elif bill.commodity != "gas":
            assert vat == {"10%"}
        else:
            assert "10%" in vat
        rai = "canone_rai" in categories
        covers_jan_oct = any(
            (bill.period_start + timedelta(days=d)).month <= 10
            for d in range((bill.period_end - bill.period_start).days + 1)
        )
        wants_rai = bill.commodity == "electricity" and customer.domestic and supply.resident
        assert rai == (wants_rai and covers_jan_oct), bill.bill_id
        bonus = [line for line in bill.lines if line.category == "bonus"]
        assert all(line.amount < 0 for line in bonus)
        if bonus:
            assert supply.bonus is not None
            assert bill.period_start <= supply.bonus.valid_to
            assert bill.period_end >= supply.bonus.valid_from
        for line in bill.lines:
            if line.quantity is not None and line.unit_price is not None:
                assert abs(line.quantity * line.unit_price - line.amount) <= Decimal("0.005")


def test_arrears_cases(
    demo: DemoBackend, customers: list[Customer], bills: dict[str, list[Bill]]
) -> None:
    in_arrears = [c for c in customers if overdue(bills[c.code])]
    assert len(in_arrears) >= 8
    assert all(not c.good_payer for c in in_arrears)
    due_in_3 = [
        c
        for c in customers
        if any(
            b.due_date == TODAY + timedelta(days=3) and b.status == "unpaid" for b in bills[c.code]
        )
    ]
    assert any(c in in_arrears for c in due_in_3)  # a reminder for someone already late
    assert any(c.good_payer for c in due_in_3)  # and for a good payer
    assert any(b.status == "partially_paid" for c in in_arrears for b in bills[c.code])
    mora = [
        (c, t)
        for c in in_arrears
        for t in demo.list_tickets(c.code)
        if t.category == "costituzione_in_mora"
    ]
    assert mora
    for customer, ticket in mora:
        late = {b.number for b in overdue(bills[customer.code])}
        assert any(number in ticket.summary for number in late)
        assert ticket.created_at is not None and ticket.created_at.date() < TODAY
    suspended = [s for c in in_arrears for s in c.supplies if s.status == "suspended"]
    assert suspended
    assert any(c.life_support for c in in_arrears)  # non disalimentabile, yet in arrears
    late_payers = [c for c in customers if not c.good_payer and not overdue(bills[c.code])]
    assert late_payers


def test_bonus_holders(customers: list[Customer], bills: dict[str, list[Bill]]) -> None:
    holders = {
        c.code: c
        for c in customers
        for s in c.supplies
        if s.bonus and s.bonus.valid_from <= TODAY <= s.bonus.valid_to
    }
    assert len(holders) >= 6
    kinds = {code: {s.bonus.kind for s in c.supplies if s.bonus} for code, c in holders.items()}
    assert sum("economic" in k for k in kinds.values()) >= 5
    physical = [holders[code] for code, k in kinds.items() if "physical" in k]
    assert physical and all(c.life_support for c in physical)
    for customer in holders.values():
        for supply in customer.supplies:
            bonus = supply.bonus
            for bill in supply_bills(bills, supply.supply_id) if bonus else []:
                overlaps = (
                    bill.period_start <= bonus.valid_to and bill.period_end >= bonus.valid_from
                )
                assert overlaps == any(line.category == "bonus" for line in bill.lines)
        latest = max(bills[customer.code], key=lambda b: b.issue_date)
        assert any(line.category == "bonus" for line in latest.lines), customer.code


def test_estimated_bills_then_large_conguaglio(
    customers: list[Customer], bills: dict[str, list[Bill]]
) -> None:
    eligible = [
        s
        for c in customers
        for s in c.supplies
        if large_conguaglio(supply_bills(bills, s.supply_id))
    ]
    assert len(eligible) >= 6
    assert {s.commodity for s in eligible} == {"electricity", "gas", "water"}


def test_duplicate_bill_and_special_customers(
    customers: list[Customer], bills: dict[str, list[Bill]]
) -> None:
    duplicates = []
    for code, found in bills.items():
        seen: dict[tuple[object, ...], Bill] = {}
        for bill in found:
            key = (bill.supply_id, bill.period_start, bill.period_end, bill.amount)
            if key in seen:
                duplicates.append((code, seen[key], bill))
            seen[key] = bill
    assert len(duplicates) == 1
    _, first, second = duplicates[0]
    assert first.number != second.number and first.bill_id != second.bill_id
    assert sum(c.life_support for c in customers) == 1
    assert sum(c.vulnerable for c in customers) >= 2
    businesses = [c for c in customers if not c.domestic]
    assert len(businesses) >= 3
    assert all(re.fullmatch(r"\d{11}", c.fiscal_code or "") for c in businesses)
    assert {c.language for c in customers} == {"it", "en", "fr"}


def test_payment_history(
    demo: DemoBackend, customers: list[Customer], bills: dict[str, list[Bill]]
) -> None:
    unmatched_claims = []
    for customer in customers:
        payments = demo.list_payments(customer.code)
        assert payments == sorted(payments, key=lambda p: (p.paid_on, p.payment_id), reverse=True)
        by_bill = {b.bill_id: b for b in bills[customer.code]}
        direct_debit = {s.supply_id for s in customer.supplies if s.direct_debit}
        for bill in by_bill.values():
            linked = [p for p in payments if p.bill_id == bill.bill_id]
            if bill.status == "paid":
                assert [p.amount for p in linked] == [bill.amount], bill.bill_id
                assert bill.issue_date < linked[0].paid_on <= TODAY
                assert (linked[0].method == "sdd") == (bill.supply_id in direct_debit)
            elif bill.status == "unpaid":
                assert not linked
        for payment in payments:
            assert payment.bill_id is None or payment.bill_id in by_bill
            if payment.bill_id is None:
                unmatched_claims += [
                    (payment, b)
                    for b in overdue(bills[customer.code])
                    if b.amount == payment.amount and b.due_date != payment.paid_on
                ]
    assert len(unmatched_claims) == 1
    assert {p.method for c in customers for p in demo.list_payments(c.code)} >= {
        "sdd",
        "card",
        "bank_transfer",
        "postal",
        "pagopa",
    }


def test_readings_match_billed_consumption(
    demo: DemoBackend, customers: list[Customer], bills: dict[str, list[Bill]]
) -> None:
    sources = set()
    for supply in (s for c in customers for s in c.supplies):
        readings = demo.list_readings(supply.supply_id)
        assert [r.read_on for r in readings] == sorted(r.read_on for r in readings)
        keys = {"F1", "F2", "F3"} if supply.commodity == "electricity" else {"total"}
        assert all(set(r.values) == keys for r in readings)
        on = {r.read_on: r for r in readings}
        for bill in supply_bills(bills, supply.supply_id):
            before = on[bill.period_start - timedelta(days=1)]
            after = on[bill.period_end]
            used = sum(after.values.values(), Decimal(0)) - sum(before.values.values(), Decimal(0))
            assert used == bill.consumption, bill.bill_id
            assert (after.source == "estimated") == bill.estimated
            sources.add(after.source)
    assert sources == {"actual", "estimated", "self"}


def test_planned_outages_now_future_and_past(demo: DemoBackend) -> None:
    active = demo.planned_outages("Figline Valdarno")
    assert [o.outage_id for o in active] == ["O-0001"]
    assert active[0].starts_at <= NOON <= active[0].ends_at
    assert demo.planned_outages("figline", "electricity") == active
    assert demo.planned_outages("Figline Valdarno", "gas") == []
    future = demo.planned_outages("San Giovanni")
    assert len(future) == 1 and future[0].starts_at > NOON and future[0].commodity == "gas"
    assert demo.planned_outages("Montevarchi") == []  # the past one is over
    earlier = DemoBackend(demo.engine, clock=lambda: NOON - timedelta(days=10))
    past = earlier.planned_outages("Montevarchi")
    assert len(past) == 1 and past[0].ends_at < NOON and past[0].commodity == "water"


# Determinism and reset


def snapshot(backend: DemoBackend) -> dict[str, Any]:
    customers = backend.list_customers()
    codes = [c.code for c in customers]
    return {
        "customers": customers,
        "bills": {c: backend.list_bills(c) for c in codes},
        "payments": {c: backend.list_payments(c) for c in codes},
        "plans": {c: backend.list_plans(c) for c in codes},
        "tickets": {c: backend.list_tickets(c) for c in codes},
        "cases": {c: backend.list_cases(c) for c in codes},
        "preferences": {c: backend.get_preferences(c) for c in codes},
        "consents": {c: backend.list_consents(c) for c in codes},
        "readings": {
            s.supply_id: backend.list_readings(s.supply_id) for c in customers for s in c.supplies
        },
        "outages": backend.planned_outages("a"),
    }


def test_same_day_and_seed_give_the_same_data(demo: DemoBackend, tmp_path: Path) -> None:
    again = seeded(sqlite_url(tmp_path / "again.db"))
    assert snapshot(again) == snapshot(demo)
    other = seeded(sqlite_url(tmp_path / "other.db"), seed=7)
    theirs, ours = other.list_customers(), demo.list_customers()
    assert theirs[:31] == ours[:31]  # the personas do not depend on the seed...
    assert [c.name for c in theirs[31:]] != [c.name for c in ours[31:]]  # the others do
    assert len(theirs) >= 50

    def content(backend: DemoBackend) -> list[dict[str, Any]]:  # ids follow the issue order
        return [b.model_dump(exclude={"bill_id", "number"}) for b in backend.list_bills(GIULIA)]

    assert content(other) == content(demo)


@pytest.mark.parametrize(
    "today", [date(2026, 1, 1), date(2025, 12, 31), date(2026, 3, 3), date(2026, 11, 26)]
)
def test_the_personas_hold_on_any_day(tmp_path: Path, today: date) -> None:
    backend = seeded(sqlite_url(tmp_path / "day.db"), today=today)
    giulia = backend.get_customer(GIULIA)
    history = backend.list_bills(GIULIA, giulia.supplies[1].supply_id)
    *previous, latest = sorted(history, key=lambda b: b.issue_date)
    assert latest.conguaglio and today - timedelta(days=5) <= latest.issue_date <= today
    assert latest.due_date > today and latest.amount >= Decimal("2.5") * (
        sum((b.amount for b in previous), Decimal(0)) / len(previous)
    )
    simona = backend.list_bills("LM00010008")
    assert any(b.due_date == today + timedelta(days=3) and b.status == "unpaid" for b in simona)
    assert any(b.due_date < today and b.status == "unpaid" for b in simona)
    assert all(
        t.created_at and t.created_at.date() <= today
        for c in ("LM00010007", "LM00010011")
        for t in backend.list_tickets(c)
    )


def test_reset_restores_the_seed(tmp_path: Path) -> None:
    backend = seeded(sqlite_url(tmp_path / "reset.db"))
    before = snapshot(backend)
    giulia = backend.get_customer(GIULIA)
    bill = backend.list_bills(GIULIA, giulia.supplies[1].supply_id)[0]
    backend.create_plan(
        InstalmentPlan(
            customer_code=GIULIA,
            bill_id=bill.bill_id,
            annual_interest_rate=Decimal("0.02"),
            total=bill.amount,
            instalments=[Instalment(due_date=TODAY, amount=bill.amount)],
        )
    )
    backend.open_ticket(Ticket(customer_code=GIULIA, category="bill_anomaly", summary="Prova"))
    backend.record_reading(
        MeterReading(
            supply_id=giulia.supplies[1].supply_id,
            read_on=TODAY,
            values={"total": Decimal(99999)},
            source="self",
        )
    )
    backend.send_code("+393331234567", "123456")
    backend.open_case(Case(customer_code=GIULIA, kind="offer_change"))
    backend.set_preferences(Preferences(customer_code=GIULIA, bill_delivery="paper"))
    backend.record_consent(
        Consent(customer_code=GIULIA, category="marketing_lumea", granted=False, wording="Revoco")
    )
    changed = snapshot(backend)
    for key in ("cases", "preferences", "consents"):
        assert changed[key][GIULIA] != before[key][GIULIA], key
    backend.reset()
    assert snapshot(backend) == before
    assert backend.last_code_sent("+393331234567") is None
    backend.reset(today=TODAY + timedelta(days=30))
    assert snapshot(backend)["bills"] != before["bills"]


# Ownership and the write paths


def test_another_customers_records_are_not_found(demo: DemoBackend) -> None:
    giulia = demo.get_customer(GIULIA)
    her_bill = demo.list_bills(GIULIA)[0]
    other = "LM00010002"
    with pytest.raises(NotFoundError):
        demo.get_bill(other, her_bill.bill_id)
    with pytest.raises(NotFoundError):
        demo.bill_pdf(other, her_bill.bill_id)
    with pytest.raises(NotFoundError):
        demo.payment_link(other, her_bill.bill_id)
    with pytest.raises(NotFoundError):
        demo.list_bills(other, giulia.supplies[0].supply_id)
    with pytest.raises(NotFoundError):
        demo.create_plan(
            InstalmentPlan(
                customer_code=other,
                bill_id=her_bill.bill_id,
                annual_interest_rate=Decimal(0),
                total=her_bill.amount,
                instalments=[Instalment(due_date=TODAY, amount=her_bill.amount)],
            )
        )
    with pytest.raises(NotFoundError):
        demo.open_ticket(
            Ticket(
                customer_code=other,
                supply_id=giulia.supplies[0].supply_id,
                category="bill_anomaly",
                summary="x",
            )
        )
    for call in (
        lambda: demo.get_customer("LM99999999"),
        lambda: demo.list_bills("LM99999999"),
        lambda: demo.get_bill(GIULIA, "B-2026-999999"),
        lambda: demo.list_payments("LM99999999"),
        lambda: demo.list_readings("S-999999"),
        lambda: demo.get_ticket("TK-2026-999999"),
        lambda: demo.update_ticket("TK-2026-999999", "accepted", "x"),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_record_and_list_readings(scratch: DemoBackend) -> None:
    supply = scratch.get_customer(GIULIA).supplies[0].supply_id
    history = scratch.list_readings(supply)
    last = history[-1].values
    later = MeterReading(
        supply_id=supply, read_on=TODAY, source="self", values={k: v + 20 for k, v in last.items()}
    )
    earlier = MeterReading(
        supply_id=supply,
        read_on=TODAY - timedelta(days=3),
        source="self",
        values={k: v + 10 for k, v in last.items()},
    )
    assert scratch.record_reading(later) == later
    scratch.record_reading(earlier)
    after = scratch.list_readings(supply)
    assert after[: len(history)] == history
    assert after[len(history) :] == [earlier, later]  # oldest first, whatever the recording order
    with pytest.raises(NotFoundError):
        scratch.record_reading(later.model_copy(update={"supply_id": "S-999999"}))


def test_create_plan_puts_the_bill_in_instalments(scratch: DemoBackend) -> None:
    code = "LM00010002"
    bill = next(b for b in scratch.list_bills(code) if b.conguaglio and b.status == "unpaid")
    third = (bill.amount / 3).quantize(Decimal("0.01"))
    instalments = [
        Instalment(due_date=bill.due_date + timedelta(days=30 * n), amount=third) for n in range(2)
    ] + [Instalment(due_date=bill.due_date + timedelta(days=60), amount=bill.amount - 2 * third)]
    plan = scratch.create_plan(
        InstalmentPlan(
            customer_code=code,
            bill_id=bill.bill_id,
            instalments=instalments,
            annual_interest_rate=Decimal("0.0215"),
            total=bill.amount,
        )
    )
    assert re.fullmatch(r"RAT-2026-\d{6}", plan.plan_id or "")
    assert plan.created_at == NOON and plan.status == "active"
    assert scratch.get_bill(code, bill.bill_id).status == "in_instalments"
    assert scratch.list_plans(code)[0] == plan
    with pytest.raises(RequestRefusedError):
        scratch.create_plan(plan.model_copy(update={"plan_id": None}))
    with pytest.raises(RequestRefusedError):
        scratch.payment_link(code, bill.bill_id)


def test_seeded_instalment_plan(demo: DemoBackend) -> None:
    (plan,) = demo.list_plans("LM00010029")
    bill = demo.get_bill("LM00010029", plan.bill_id)
    assert bill.status == "in_instalments" and bill.conguaglio
    assert sum((i.amount for i in plan.instalments), Decimal(0)) == plan.total > bill.amount
    paid = [p for p in demo.list_payments("LM00010029") if p.bill_id == bill.bill_id]
    assert sorted(p.paid_on for p in paid) == [
        i.due_date for i in plan.instalments if i.due_date < TODAY
    ]


def test_ticket_flow(scratch: DemoBackend) -> None:
    giulia = scratch.get_customer(GIULIA)
    opened = scratch.open_ticket(
        Ticket(
            customer_code=GIULIA,
            supply_id=giulia.supplies[0].supply_id,
            category="outage",
            priority="high",
            summary="Manca la luce in casa",
            address=giulia.supplies[0].address,
        )
    )
    assert re.fullmatch(r"TK-2026-\d{6}", opened.ticket_id or "")
    assert opened.created_at == NOON and opened.status == "open"
    assert [(u.status, u.at) for u in opened.updates] == [("open", NOON)]
    updated = scratch.update_ticket(opened.ticket_id or "", "accepted", "Presa in carico")
    assert updated.status == "accepted"
    assert [u.note for u in updated.updates][-1] == "Presa in carico"
    assert len(updated.updates) == 2
    assert scratch.get_ticket(opened.ticket_id or "") == updated
    assert scratch.list_tickets(GIULIA)[0] == updated
    anonymous = scratch.open_ticket(
        Ticket(
            customer_code=None,
            category="gas_emergency",
            priority="emergency",
            summary="Odore di gas in strada",
            address="Via Roma, Figline Valdarno",
        )
    )
    assert anonymous.ticket_id != opened.ticket_id and anonymous.customer_code is None
    scratch.update_ticket(anonymous.ticket_id or "", "closed", "Intervento concluso")
    with pytest.raises(RequestRefusedError):
        scratch.update_ticket(anonymous.ticket_id or "", "open", "Riapro")


def test_otp_outbox(scratch: DemoBackend) -> None:
    assert scratch.last_code_sent("+393331234567") is None
    scratch.send_code("+39 333 123 4567", "111111")
    scratch.send_code("0039 333 1234567", "222222")
    assert scratch.last_code_sent("3331234567") == "222222"
    assert scratch.last_code_sent("+393330000000") is None


@pytest.mark.parametrize(
    "phone",
    [
        "+393331234567",
        "+39 333 123 4567",
        "0039 333 1234567",
        "393331234567",
        "333 123 4567",
        "333-123-4567",
        "whatsapp:+393331234567",
    ],
)
def test_find_by_phone_normalises(demo: DemoBackend, phone: str) -> None:
    found = demo.find_by_phone(phone)
    assert found is not None and found.code == GIULIA


def test_phone_normalisation_edge_cases(demo: DemoBackend) -> None:
    assert normalize_phone("3931234567") == "+393931234567"  # a national TIM number
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert demo.find_by_phone("") is None
    assert demo.find_by_phone("+393330000000") is None


def test_payment_link(demo: DemoBackend, bills: dict[str, list[Bill]]) -> None:
    unpaid = next(b for b in bills[GIULIA] if b.status == "unpaid")
    link = demo.payment_link(GIULIA, unpaid.bill_id)
    assert re.fullmatch(rf"https://pay\.lumea\.example/b/{unpaid.bill_id}\?t=[0-9a-f]{{12}}", link)
    assert demo.payment_link(GIULIA, unpaid.bill_id) == link
    paid = next(b for b in bills[GIULIA] if b.status == "paid")
    with pytest.raises(RequestRefusedError):
        demo.payment_link(GIULIA, paid.bill_id)


# Cases, preferences and consents


def test_seeded_preferences(demo: DemoBackend) -> None:
    giulia = demo.get_preferences(GIULIA)
    assert (giulia.bill_delivery, giulia.reminder_channel, giulia.whatsapp_active) == (
        "email",
        "whatsapp",
        True,
    )
    assert giulia.updated_at is not None and giulia.updated_at < NOON
    assert giulia.updated_at.utcoffset() is not None
    sarah = demo.get_preferences("LM00010028")
    assert sarah.bill_delivery == "paper" and not sarah.whatsapp_active
    assert sarah.updated_at is not None
    never = demo.get_preferences("LM00010009")
    assert never == Preferences(customer_code="LM00010009")  # the defaults, never stored
    assert never.updated_at is None


def test_seeded_consents(demo: DemoBackend) -> None:
    [granted] = demo.list_consents(GIULIA)
    assert granted.category == "marketing_lumea" and granted.granted
    assert granted.wording == CONSENT_WORDING["marketing_lumea"] and "revocare" in granted.wording
    assert granted.at is not None and granted.at < NOON
    history = demo.list_consents("LM00010005")
    assert [(c.category, c.granted) for c in history] == [
        ("marketing_partners", True),
        ("surveys", True),
        ("marketing_partners", False),
    ]
    moments = [c.at for c in history]
    assert None not in moments and moments == sorted(m for m in moments if m is not None)
    assert all(c.wording.strip() for c in history)
    assert demo.list_consents("LM00010009") == []


def test_seeded_cases(demo: DemoBackend) -> None:
    [power] = demo.list_cases("LM00010002")
    assert power.kind == "power_change" and power.status == "waiting_documents"
    assert power.documents_needed and power.data["to_kw"] == "4.5"
    assert power.supply_id in {s.supply_id for s in demo.get_customer("LM00010002").supplies}
    [sdd] = demo.list_cases("LM00010030")
    assert sdd.kind == "payment_method" and sdd.status == "completed"
    assert sdd.data["iban"].startswith("IT")
    for case in (power, sdd):
        assert re.fullmatch(r"PR-20\d\d-\d{6}", case.case_id or ""), case.case_id
        assert case.created_at is not None and case.created_at < NOON
    assert demo.list_cases(GIULIA) == []


def test_open_and_list_cases(scratch: DemoBackend) -> None:
    code = "LM00010009"
    supply = scratch.get_customer(code).supplies[0].supply_id
    first = scratch.open_case(
        Case(
            customer_code=code,
            supply_id=supply,
            kind="payment_method",
            status="waiting_documents",
            data={"method": "sdd", "iban": "IT60X0542811101000000123456"},
            documents_needed=["modulo SEPA firmato"],
        )
    )
    second = scratch.open_case(Case(customer_code=code, supply_id=supply, kind="power_change"))
    older = scratch.open_case(
        Case(
            customer_code=code,
            kind="offer_change",
            data={"offer_code": "LUMEA-LF-2026"},
            created_at=NOON - timedelta(days=2),
        )
    )
    assert re.fullmatch(r"PR-2026-\d{6}", first.case_id or "")
    assert len({older.case_id, first.case_id, second.case_id}) == 3
    assert first.created_at == NOON and older.created_at == NOON - timedelta(days=2)
    assert first.data["iban"] == "IT60X0542811101000000123456"
    assert first.documents_needed == ["modulo SEPA firmato"]
    assert scratch.list_cases(code) == [second, first, older]  # newest first


def test_cases_belong_to_the_customer(scratch: DemoBackend) -> None:
    giulias = scratch.get_customer(GIULIA).supplies[0].supply_id
    with pytest.raises(NotFoundError):
        scratch.open_case(Case(customer_code="LM00010009", supply_id=giulias, kind="voltura"))
    with pytest.raises(NotFoundError):
        scratch.open_case(Case(customer_code="LM00010009", supply_id="S-999999", kind="voltura"))
    with pytest.raises(NotFoundError):
        scratch.open_case(Case(customer_code="LM99999999", kind="termination"))
    with pytest.raises(NotFoundError):
        scratch.list_cases("LM99999999")
    assert all(c.kind != "voltura" for c in scratch.list_cases("LM00010009"))


def test_set_preferences_inserts_then_replaces(scratch: DemoBackend) -> None:
    code = "LM00010013"
    assert scratch.get_preferences(code).updated_at is None
    chosen = Preferences(
        customer_code=code, bill_delivery="email", reminder_channel="sms", whatsapp_active=True
    )
    stored = scratch.set_preferences(chosen)
    assert stored == chosen.model_copy(update={"updated_at": NOON})
    assert scratch.get_preferences(code) == stored
    later = NOON + timedelta(hours=3)
    again = DemoBackend(scratch.engine, clock=lambda: later).set_preferences(
        stored.model_copy(update={"reminder_channel": "none", "updated_at": None})
    )
    assert again.updated_at == later and again.reminder_channel == "none"
    assert scratch.get_preferences(code) == again
    assert scratch.get_preferences("LM00010012").updated_at is None  # nobody else changed
    with pytest.raises(NotFoundError):
        scratch.get_preferences("LM99999999")
    with pytest.raises(NotFoundError):
        scratch.set_preferences(Preferences(customer_code="LM99999999"))


def test_consents_are_an_append_only_history(scratch: DemoBackend) -> None:
    code = "LM00010014"
    wording = CONSENT_WORDING["marketing_lumea"]
    granted = scratch.record_consent(
        Consent(customer_code=code, category="marketing_lumea", granted=True, wording=wording)
    )
    assert granted.at == NOON and granted.channel == "whatsapp"
    revoked = DemoBackend(scratch.engine, clock=lambda: NOON + timedelta(minutes=5)).record_consent(
        Consent(customer_code=code, category="marketing_lumea", granted=False, wording="Revoco")
    )
    earlier = scratch.record_consent(
        Consent(
            customer_code=code,
            category="surveys",
            granted=True,
            wording=CONSENT_WORDING["surveys"],
            channel="web",
            at=NOON - timedelta(days=30),
        )
    )
    assert scratch.list_consents(code) == [earlier, granted, revoked]  # oldest first
    with pytest.raises(RequestRefusedError):
        scratch.record_consent(
            Consent(customer_code=code, category="profiling", granted=True, wording="  ")
        )
    with pytest.raises(NotFoundError):
        scratch.record_consent(
            Consent(customer_code="LM99999999", category="surveys", granted=True, wording="x")
        )
    with pytest.raises(NotFoundError):
        scratch.list_consents("LM99999999")
    assert len(scratch.list_consents(code)) == 3


def test_recording_notifier() -> None:
    recorder = RecordingNotifier()
    notifier: Notifier = recorder
    notifier.notify(GIULIA, "La bolletta scade tra 3 giorni", category="bill_reminder")
    notifier.notify("LM00010009", "Interruzione programmata domani", category="outage")
    assert recorder.sent == [
        (GIULIA, "La bolletta scade tra 3 giorni", "bill_reminder"),
        ("LM00010009", "Interruzione programmata domani", "outage"),
    ]


# PDFs


def pdf_text(pdf: bytes) -> str:
    return extract_text(io.BytesIO(pdf))


def test_bill_pdf_shows_the_bill(
    demo: DemoBackend, customers: list[Customer], bills: dict[str, list[Bill]]
) -> None:
    supplies = {s.supply_id: s for c in customers for s in c.supplies}
    giulia_gas = max(bills[GIULIA], key=lambda b: (b.commodity == "gas", b.issue_date))
    samples = [giulia_gas]
    for commodity in ("electricity", "water"):
        samples.append(
            next(b for found in bills.values() for b in found if b.commodity == commodity)
        )
    samples.append(max((b for found in bills.values() for b in found), key=lambda b: len(b.lines)))
    for bill in samples:
        pdf = demo.bill_pdf(bill.customer_code, bill.bill_id)
        assert pdf.startswith(b"%PDF")
        assert len(list(extract_pages(io.BytesIO(pdf)))) <= 2
        content = pdf_text(pdf)
        supply = supplies[bill.supply_id]
        for expected in (
            bill.number,
            euro(bill.amount),
            bill.due_date.strftime("%d/%m/%Y"),
            EMERGENCY[bill.commodity],
            "Lumea Multiservizi",
            supply.pod or supply.pdr or supply.water_meter or "",
        ):
            assert expected in content, (bill.bill_id, expected)
    content = pdf_text(demo.bill_pdf(GIULIA, giulia_gas.bill_id))
    assert "Ricalcoli" in content and "conguaglio" in content and "Da pagare" in content


def test_bill_pdf_without_dejavu_uses_core_fonts(
    demo: DemoBackend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bill_pdf, "FONTS", tmp_path)  # no fonts there
    bill = demo.list_bills(GIULIA)[0]
    content = pdf_text(demo.bill_pdf(GIULIA, bill.bill_id))
    assert bill.number in content and f"{euro(bill.amount)} EUR" in content


# PostgreSQL


@pytest.mark.postgres
def test_the_demo_backend_on_postgres(postgres_url: str, demo: DemoBackend) -> None:
    backend = seeded(postgres_url)
    try:
        assert backend.list_customers() == demo.list_customers()
        assert backend.list_bills(GIULIA) == demo.list_bills(GIULIA)
        assert backend.list_readings("S-000001") == demo.list_readings("S-000001")
        assert backend.list_tickets("LM00010011") == demo.list_tickets("LM00010011")
        assert backend.list_plans("LM00010029") == demo.list_plans("LM00010029")
        assert backend.planned_outages("Figline") == demo.planned_outages("Figline")
        bill = next(b for b in backend.list_bills(GIULIA) if b.conguaglio and b.status == "unpaid")
        plan = backend.create_plan(
            InstalmentPlan(
                customer_code=GIULIA,
                bill_id=bill.bill_id,
                annual_interest_rate=Decimal("0.0215"),
                total=bill.amount,
                instalments=[Instalment(due_date=bill.due_date, amount=bill.amount)],
            )
        )
        assert plan.plan_id and backend.get_bill(GIULIA, bill.bill_id).status == "in_instalments"
        ticket = backend.open_ticket(
            Ticket(customer_code=GIULIA, category="bill_anomaly", summary="Conguaglio alto")
        )
        assert re.fullmatch(r"TK-2026-\d{6}", ticket.ticket_id or "")
        assert (
            backend.update_ticket(ticket.ticket_id or "", "accepted", "ok").updates[-1].at == NOON
        )
        backend.send_code("333 123 4567", "654321")
        assert backend.last_code_sent("+393331234567") == "654321"
        for code in (GIULIA, "LM00010002", "LM00010005", "LM00010028", "LM00010030"):
            assert backend.list_cases(code) == demo.list_cases(code)
            assert backend.get_preferences(code) == demo.get_preferences(code)
            assert backend.list_consents(code) == demo.list_consents(code)
        case = backend.open_case(
            Case(
                customer_code=GIULIA,
                supply_id=bill.supply_id,
                kind="payment_method",
                data={"method": "sdd", "iban": "IT60X0542811101000000123456"},
            )
        )
        assert re.fullmatch(r"PR-2026-\d{6}", case.case_id or "") and case.created_at == NOON
        assert backend.list_cases(GIULIA)[0] == case
        with pytest.raises(NotFoundError):
            backend.open_case(
                Case(customer_code="LM00010002", supply_id=bill.supply_id, kind="voltura")
            )
        prefs = backend.set_preferences(Preferences(customer_code=GIULIA, bill_delivery="paper"))
        assert prefs.updated_at == NOON and backend.get_preferences(GIULIA) == prefs
        revoked = backend.record_consent(
            Consent(customer_code=GIULIA, category="marketing_lumea", granted=False, wording="No")
        )
        assert backend.list_consents(GIULIA)[-1] == revoked and revoked.at == NOON
        assert backend.bill_pdf(GIULIA, bill.bill_id).startswith(b"%PDF")
        backend.reset()
        assert backend.get_bill(GIULIA, bill.bill_id).status == "unpaid"
        assert backend.list_tickets(GIULIA) == demo.list_tickets(GIULIA)
        assert backend.list_cases(GIULIA) == []
        assert backend.get_preferences(GIULIA) == demo.get_preferences(GIULIA)
        assert backend.list_consents(GIULIA) == demo.list_consents(GIULIA)
    finally:
        backend.engine.dispose()


def test_the_state_digest_shows_which_kinds_a_write_touched(scratch: DemoBackend) -> None:
    before = scratch.state_digest()
    assert set(before) == {"plan", "reading", "case", "ticket", "preferences", "consent"}
    scratch.open_ticket(
        Ticket(customer_code=None, category="gas_emergency", priority="emergency", summary="x")
    )
    after = scratch.state_digest()
    assert [k for k in after if after[k] != before[k]] == ["ticket"]
    scratch.list_customers()
    assert scratch.state_digest() == after  # reading changes nothing
