"""Payments tools: what is due, matching a payment the customer says they made, payment links."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated

from langchain_core.tools import BaseTool, StructuredTool, ToolException, tool
from langgraph.prebuilt import InjectedState

from graph.backends.ports import Bill, Payment, Ticket, UtilityBackend

OPEN = ("unpaid", "partially_paid")


def unpaid_bills(backend: UtilityBackend, customer_code: str) -> list[Bill]:
    """Bills still to pay, oldest due date first."""
    bills = [b for b in backend.list_bills(customer_code) if b.status in OPEN]
    return sorted(bills, key=lambda b: b.due_date)


def match_claimed_payment(
    bills: list[Bill], payments: list[Payment], amount: Decimal | None, paid_on: date | None
) -> tuple[Bill, Payment] | None:
    """A recorded payment that settles an unpaid bill: same amount (the one the customer
    says, if any), paid on or after the bill's issue date (and on the day they say, if any)."""
    for bill in bills:
        if amount is not None and amount != bill.amount:
            continue
        for payment in payments:
            if payment.bill_id not in (None, bill.bill_id):
                continue
            if (
                payment.amount == bill.amount
                and payment.paid_on >= bill.issue_date
                and (paid_on is None or payment.paid_on == paid_on)
            ):
                return bill, payment
    return None


def open_payment_claim(backend: UtilityBackend, bill: Bill, note: str) -> Ticket:
    return backend.open_ticket(
        Ticket(
            customer_code=bill.customer_code,
            supply_id=bill.supply_id,
            category="payment_claim",
            priority="normal",
            summary=note,
        )
    )


def write_tools(backend: UtilityBackend) -> list[BaseTool]:
    """The vertical's write, as a tool for the `tools` step (ToolNode): the customer comes
    from the conversation's state, never from the arguments."""

    @tool("open_ticket")
    def open_ticket_tool(
        bill_id: str, customer_code: Annotated[str, InjectedState("customer_code")]
    ) -> str:
        """Open a payment claim for one of the customer's unpaid bills that they say they
        have paid but whose payment is not recorded; the customer is asked for the receipt."""
        bill = next((b for b in unpaid_bills(backend, customer_code) if b.bill_id == bill_id), None)
        if bill is None:
            raise ToolException("this bill is not one of the customer's unpaid bills")
        note = (
            f"Customer says bill {bill.number} ({bill.amount} EUR) is paid; no matching "
            "payment recorded. Receipt requested."
        )
        ticket = open_payment_claim(backend, bill, note)
        return json.dumps(
            {"ticket": ticket.model_dump(mode="json"), "bill": bill.model_dump(mode="json")}
        )

    return [open_ticket_tool]


def read_tools(backend: UtilityBackend, customer_code: str) -> list[BaseTool]:
    """The agent's read tools (LLM mode), bound to the identified customer."""

    def list_unpaid_bills() -> list[dict[str, object]]:
        """The customer's bills still to pay, oldest due date first: number, commodity,
        period, amount, due date and status."""
        return [
            b.model_dump(mode="json", exclude={"lines"})
            for b in unpaid_bills(backend, customer_code)
        ]

    def list_payments() -> list[dict[str, object]]:
        """The customer's last 10 payments, newest first: amount, date, method, bill paid."""
        made = sorted(backend.list_payments(customer_code), key=lambda p: p.paid_on)
        return [p.model_dump(mode="json") for p in made[::-1][:10]]

    return [
        StructuredTool.from_function(list_unpaid_bills),
        StructuredTool.from_function(list_payments),
    ]
