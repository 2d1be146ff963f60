"""Instalment tools: the bill to split, its eligibility and plans (rules in code), the plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from langchain_core.tools import BaseTool, ToolException, tool
from langgraph.prebuilt import InjectedState

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


def write_tools(backend: UtilityBackend) -> list[BaseTool]:
    """The vertical's write, as a tool for the `tools` step (ToolNode). The customer and the
    consented plan come from the conversation's state, never from the caller's arguments."""

    @tool
    def create_instalment_plan(
        bill_id: str,
        instalments: int,
        customer_code: Annotated[str, InjectedState("customer_code")],
        flow: Annotated[dict[str, Any] | None, InjectedState("flow")],
    ) -> str:
        """Create the instalment plan the customer has just confirmed for one of their bills:
        `instalments` is the number of instalments of the plan they confirmed."""
        slots = (flow or {}).get("slots") or {}
        consented = slots.get("option")
        if (
            (flow or {}).get("step") != "consent"
            or consented is None
            or slots.get("bill_id") != bill_id
            or consented.get("count") != instalments
        ):
            raise ToolException("the customer has not confirmed this plan for this bill")
        bill = backend.get_bill(customer_code, bill_id)
        plan = create_plan(backend, bill, PlanOption.model_validate(consented))
        return plan.model_dump_json()

    return [create_instalment_plan]
