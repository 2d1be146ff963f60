"""Outage tools: planned works, fault and emergency tickets, ticket updates."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException, tool
from langgraph.prebuilt import InjectedState

from graph.accounts import commodity_name
from graph.backends.ports import (
    BackendError,
    Commodity,
    PlannedOutage,
    Supply,
    Ticket,
    TicketPriority,
    TicketStatus,
    UtilityBackend,
)
from graph.deps import ITALY, GraphDeps
from graph.prompts import render
from graph.verticals.outage.rules import (
    NOTIFIED_STATUSES,
    Problem,
    Report,
    Scope,
    commodity_of_ticket,
    ticket_priority,
    ticket_summary,
)
from graph.verticals.outage.texts import DISTRIBUTORS, TEMPLATES

PUSH_THREAD = "system:ticket-updates"  # audit thread of updates pushed outside a conversation
NOTIFY_CATEGORY = "outage_update"


def open_emergency_ticket(
    deps: GraphDeps, commodity: str, customer_code: str | None, description: str
) -> Ticket | None:
    try:
        return deps.backend.open_ticket(
            Ticket(
                customer_code=customer_code,
                category=f"{commodity}_emergency",
                priority="emergency",
                summary=description[:500],
            )
        )
    except BackendError:
        return None


def emergency_tools(deps: GraphDeps) -> list[BaseTool]:
    """The emergency ticket, as a tool for the `emergency_tools` step (ToolNode). It opens only
    for a message the supervisor's safety rules judged an emergency (the state's urgency);
    the customer, if any, comes from the state; the priority is always `emergency`."""

    @tool("open_ticket")
    def open_emergency_ticket_tool(
        commodity: Commodity,
        description: str = "",
        urgency: Annotated[str | None, InjectedState("urgency")] = None,
        customer_code: Annotated[str | None, InjectedState("customer_code")] = None,
    ) -> str:
        """Open an emergency ticket with the distributor (gas smell, sparks, a flood) after
        the fixed safety instructions were given; anonymous reports are welcome."""
        if urgency != "emergency":
            raise ToolException("this message was not judged an emergency")
        ticket = open_emergency_ticket(deps, commodity, customer_code, description)
        if ticket is None:
            raise ToolException("the ticketing system did not answer")
        return ticket.model_dump_json()

    return [open_emergency_ticket_tool]


def distributor(commodity: str, supply: Supply | None = None) -> tuple[str, str]:
    """Who repairs faults and their 24/7 number: the supply's own distributor when known."""
    if supply is not None and supply.commodity == commodity and supply.distributor_emergency_phone:
        return supply.distributor, supply.distributor_emergency_phone
    return DISTRIBUTORS[commodity]


def planned_outages(
    deps: GraphDeps, commune: str, commodity: str | None, now: datetime
) -> list[PlannedOutage]:
    """Planned interruptions in a commune that are not over at `now`, soonest first."""
    found = deps.backend.planned_outages(commune, commodity)  # type: ignore[arg-type]
    return sorted((o for o in found if o.ends_at >= now), key=lambda o: o.starts_at)


def open_fault_ticket(
    deps: GraphDeps, report: Report, customer_code: str | None, priority: TicketPriority
) -> Ticket:
    return deps.backend.open_ticket(
        Ticket(
            customer_code=customer_code,
            supply_id=report.supply_id,
            category=f"{report.commodity}_outage",
            priority=priority,
            summary=ticket_summary(report),
            address=report.address,
        )
    )


def write_tools(deps: GraphDeps) -> list[BaseTool]:
    """The vertical's write, as a tool for the `tools` step (ToolNode): a fault ticket for the
    report the customer has just confirmed. The customer, the confirmed report and the
    message's urgency come from the state; the priority is the rule's, never an argument."""

    @tool("open_ticket")
    def open_fault_ticket_tool(
        commodity: Commodity,
        problem: Problem,
        address: str,
        scope: Scope | None = None,
        description: str = "",
        supply_id: str | None = None,
        tags: list[str] | None = None,
        # Anonymous reports are welcome: no customer in the state then.
        customer_code: Annotated[str | None, InjectedState("customer_code")] = None,
        identified: Annotated[bool | None, InjectedState("identified")] = None,
        flow: Annotated[dict[str, Any] | None, InjectedState("flow")] = None,
    ) -> str:
        """Open a fault ticket with the distributor for the supply problem the customer has
        just confirmed (what is wrong, where, and whether the neighbours are affected)."""
        slots = (flow or {}).get("slots") or {}
        confirmed = (flow or {}).get("vertical") == "outage" and (flow or {}).get("step") == (
            "confirm"
        )
        if not confirmed or (slots.get("commodity"), slots.get("supply_id")) != (
            commodity,
            supply_id,
        ):
            raise ToolException("the customer has not confirmed this report")
        code = customer_code if identified else None
        customer = deps.backend.get_customer(code) if code else None
        if supply_id and not (
            customer and any(s.supply_id == supply_id for s in customer.supplies)
        ):
            raise ToolException("this supply is not one of the customer's")
        report = Report(
            commodity=commodity,
            problem=problem,
            scope=scope,
            description=description,
            address=address,
            supply_id=supply_id,
            tags=list(tags or []),
        )
        life_support = bool(customer and customer.life_support)
        priority = ticket_priority(str(slots.get("urgency", "normal")), life_support)
        return open_fault_ticket(deps, report, code, priority).model_dump_json()

    return [open_fault_ticket_tool]


def tickets_opened_here(deps: GraphDeps, thread: str) -> list[str]:
    """Ticket numbers this conversation opened (anonymous reports included), oldest first."""
    opened = [
        (event.data or {}).get("ticket_id")
        for event in deps.audit.events(thread_id=thread, kind="tool")
        if event.name == "open_ticket" and event.ok
    ]
    return [str(ticket_id) for ticket_id in opened if ticket_id]


def ticket_kind(ticket: Ticket, language: str) -> str:
    commodity = commodity_of_ticket(ticket)
    if commodity is None:
        return render(TEMPLATES, "kind_other", language)
    key = "kind_emergency" if ticket.category.endswith("_emergency") else "kind_outage"
    return render(TEMPLATES, key, language, commodity=commodity_name(commodity, language))


def local_time(value: datetime) -> datetime:
    return value.astimezone(ITALY)


def push_ticket_update(deps: GraphDeps, ticket_id: str, status: TicketStatus, note: str) -> Ticket:
    """Record a status change from the distributor or back office, and tell the customer.

    Accepted, technician on site and resolved are sent to the ticket's customer through
    `deps.notifier` in the customer's language; anonymous tickets, other statuses or no
    notifier send nothing. Every step is in the audit trail. Backend errors propagate; the
    ticket update is recorded before the message is sent.
    """
    ticket = deps.backend.update_ticket(ticket_id, status, note)
    code = ticket.customer_code
    deps.audit.record(
        PUSH_THREAD,
        "tool",
        "update_ticket",
        f"ticket status set to {status}",
        customer_code=code,
        data={"ticket_id": ticket_id, "status": status},
    )
    if status not in NOTIFIED_STATUSES:
        return ticket
    if code is None or deps.notifier is None:
        deps.audit.record(
            PUSH_THREAD,
            "policy",
            "notify_skipped",
            "anonymous ticket" if code is None else "no notifier configured",
            ok=False,
            customer_code=code,
            data={"ticket_id": ticket_id, "status": status},
        )
        return ticket
    customer = deps.backend.get_customer(code)
    language = customer.language
    supply = next((s for s in customer.supplies if s.supply_id == ticket.supply_id), None)
    name, phone = distributor(commodity_of_ticket(ticket) or "electricity", supply)
    text = render(
        TEMPLATES,
        f"update_{status}",
        language,
        ticket=ticket_id,
        kind=ticket_kind(ticket, language),
        distributor=name,
        phone=phone,
    )
    deps.notifier.notify(code, text, category=NOTIFY_CATEGORY)
    deps.audit.record(
        PUSH_THREAD,
        "tool",
        "notify_customer",
        f"ticket {status}: customer told",
        customer_code=code,
        data={"ticket_id": ticket_id, "status": status, "language": language},
    )
    return ticket


def read_tools(backend: UtilityBackend, customer_code: str) -> list[BaseTool]:
    """The agent's read tools (LLM mode), bound to the identified customer."""

    def list_tickets() -> list[dict[str, object]]:
        """The customer's last 10 fault and emergency reports, newest first: ticket number, category, priority,
        status, summary and the updates so far."""
        return [t.model_dump(mode="json") for t in backend.list_tickets(customer_code)[:10]]

    return [StructuredTool.from_function(list_tickets)]
