"""Instalment tools: the bill to split, its eligibility and plans (rules in code), the plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException, tool
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
        flow: Annotated[dict[str, Any] | None, InjectedState("flow")] = None,
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


def read_tools(backend: UtilityBackend, customer_code: str) -> list[BaseTool]:
    """The agent's read tools (LLM mode), bound to the identified customer. Whether a bill
    can be paid in instalments, and on which plans, is the rules' answer in the procedure."""

    def list_instalment_plans() -> list[dict[str, object]]:
        """The customer's instalment plans: bill, instalments with due dates and amounts,
        interest rate, total and status."""
        return [p.model_dump(mode="json") for p in backend.list_plans(customer_code)]

    def list_bills() -> list[dict[str, object]]:
        """The customer's last 6 bills, newest first: number, commodity, amount, due date
        and status."""
        bills = sorted(backend.list_bills(customer_code), key=lambda b: b.issue_date)
        return [b.model_dump(mode="json", exclude={"lines"}) for b in bills[::-1][:6]]

    return [
        StructuredTool.from_function(list_instalment_plans),
        StructuredTool.from_function(list_bills),
    ]
