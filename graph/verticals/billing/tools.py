"""Billing tools: bills of a supply, comparison with the average, duplicates, anomaly tickets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException, tool
from langgraph.prebuilt import InjectedState

from graph.backends.ports import Bill, Ticket, UtilityBackend

ANOMALY_RATIO = Decimal("1.5")  # the 150% of the average that also makes a bill anomalous


@dataclass(frozen=True)
class Comparison:
    bill: Bill
    average: Decimal | None
    ratio: Decimal | None
    estimated_before: int  # estimated bills since the last actual reading

    @property
    def anomalous(self) -> bool:
        return self.ratio is not None and self.ratio >= ANOMALY_RATIO


def bills_of(backend: UtilityBackend, customer_code: str, supply_id: str) -> list[Bill]:
    """The supply's bills, newest first."""
    bills = backend.list_bills(customer_code, supply_id)
    return sorted(bills, key=lambda b: (b.issue_date, b.bill_id), reverse=True)


def bills_of_customer(backend: UtilityBackend, customer_code: str) -> list[Bill]:
    """All the customer's bills, newest first."""
    return sorted(
        backend.list_bills(customer_code), key=lambda b: (b.issue_date, b.bill_id), reverse=True
    )


def compare_with_average(bills: list[Bill]) -> Comparison:
    """The latest bill against the average of the previous 12 months' bills (same supply)."""
    latest, previous = bills[0], bills[1:]
    window = [
        b
        for b in previous
        if b.issue_date >= latest.issue_date - timedelta(days=365) and b.status != "cancelled"
    ]
    average = (sum((b.amount for b in window), Decimal(0)) / len(window)) if window else None
    ratio = (latest.amount / average).quantize(Decimal("0.1")) if average else None
    estimated = 0
    for bill in previous:
        if not bill.estimated:
            break
        estimated += 1
    return Comparison(
        latest, average.quantize(Decimal("0.01")) if average else None, ratio, estimated
    )


def find_duplicates(bills: list[Bill]) -> tuple[Bill, Bill] | None:
    seen: dict[tuple[object, ...], Bill] = {}
    for bill in sorted(bills, key=lambda b: b.issue_date):
        if bill.status == "cancelled":
            continue
        key = (bill.period_start, bill.period_end, bill.amount)
        if key in seen:
            return seen[key], bill
        seen[key] = bill
    return None


def open_anomaly_ticket(backend: UtilityBackend, bill: Bill, summary: str) -> Ticket:
    return backend.open_ticket(
        Ticket(
            customer_code=bill.customer_code,
            supply_id=bill.supply_id,
            category="bill_anomaly",
            priority="high",
            summary=summary,
        )
    )


def read_tools(backend: UtilityBackend, customer_code: str) -> list[BaseTool]:
    """The agent's read tools (LLM mode), bound to the identified customer: the model never
    picks one."""

    def list_bills(supply_id: str | None = None) -> list[dict[str, object]]:
        """List the customer's bills (newest first) with number, period, amount, due date,
        status and whether consumption was estimated."""
        bills = backend.list_bills(customer_code, supply_id)
        return [
            b.model_dump(mode="json", exclude={"lines"})
            for b in sorted(bills, key=lambda b: b.issue_date, reverse=True)[:6]
        ]

    def bill_details(bill_id: str) -> dict[str, object]:
        """One bill with its line items (materia, trasporto, oneri, imposte...)."""
        return backend.get_bill(customer_code, bill_id).model_dump(mode="json")

    return [StructuredTool.from_function(list_bills), StructuredTool.from_function(bill_details)]


def write_tools(backend: UtilityBackend) -> list[BaseTool]:
    """The vertical's write, as a tool for the `tools` step (ToolNode): the customer and the
    check they agreed to come from the conversation's state, never from the arguments."""

    @tool("open_ticket")
    def open_ticket_tool(
        bill_id: str,
        customer_code: Annotated[str, InjectedState("customer_code")],
        flow: Annotated[dict[str, Any] | None, InjectedState("flow")] = None,
    ) -> str:
        """Open the check of an anomalous bill that the customer has just agreed to."""
        slots = (flow or {}).get("slots") or {}
        if (flow or {}).get("step") != "confirm_ticket" or slots.get("bill_id") != bill_id:
            raise ToolException("the customer has not agreed to a check of this bill")
        bill = backend.get_bill(customer_code, bill_id)
        return open_anomaly_ticket(backend, bill, str(slots["summary"])).model_dump_json()

    return [open_ticket_tool]
