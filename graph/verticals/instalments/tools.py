"""Instalment tools: the bill to split, its eligibility and plans (rules in code), the plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from graph.backends.ports import Bill, Customer, InstalmentPlan, UtilityBackend
from graph.verticals.instalments.rules import (
    Eligibility,
    PlanOption,
    check_eligibility,
    propose_plans,
)

CANDIDATE_STATUSES = ("unpaid", "partially_paid")


def candidate_bill(backend: UtilityBackend, customer_code: str) -> Bill | None:
    """The bill a customer most likely wants to split: the largest open bill, newest first."""
    bills = [b for b in backend.list_bills(customer_code) if b.status in CANDIDATE_STATUSES]
    return max(bills, key=lambda b: (b.amount, b.issue_date), default=None)


def assess(
    backend: UtilityBackend, customer: Customer, bill: Bill, today: date, annual_rate: Decimal
) -> tuple[Eligibility, list[PlanOption]]:
    supply = next(s for s in customer.supplies if s.supply_id == bill.supply_id)
    history = backend.list_bills(customer.code, bill.supply_id)
    eligibility = check_eligibility(bill, history, customer, supply, today)
    if not eligibility.eligible:
        return eligibility, []
    plans = propose_plans(
        bill, today, annual_rate=annual_rate, min_count=eligibility.min_instalments
    )
    return eligibility, plans


def create_plan(backend: UtilityBackend, bill: Bill, option: PlanOption) -> InstalmentPlan:
    return backend.create_plan(
        InstalmentPlan(
            customer_code=bill.customer_code,
            bill_id=bill.bill_id,
            instalments=option.instalments,
            annual_interest_rate=option.annual_rate,
            total=option.total,
        )
    )
