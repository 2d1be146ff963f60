"""Payments tools: what is due, matching a payment the customer says they made, payment links."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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
