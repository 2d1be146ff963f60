"""The verticals' writes are tools run by a ToolNode: the customer is injected from the state
(never an argument the model sees or can set), and each tool refuses a write the customer
has not confirmed, whoever emits the call (the offline brain or an LLM)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest.mock import sentinel

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.graph import START, StateGraph

from graph.backends.demo import DemoBackend
from graph.backends.demo_seed import seed_demo
from graph.deps import GraphDeps
from graph.subgraph import ToolSteps, tool_node
from graph.verticals.billing.tools import write_tools as billing_tools
from graph.verticals.contracts.tools import write_tools as contracts_tools
from graph.verticals.instalments.tools import assess, candidate_bill
from graph.verticals.instalments.tools import write_tools as instalments_tools
from graph.verticals.onboarding.tools import latest_consents
from graph.verticals.onboarding.tools import write_tools as onboarding_tools
from graph.verticals.outage.tools import emergency_tools
from graph.verticals.outage.tools import write_tools as outage_tools
from graph.verticals.payments.tools import unpaid_bills
from graph.verticals.payments.tools import write_tools as payments_tools
from graph.verticals.self_reading.tools import write_tools as reading_tools
from knowledge.registry import make_engine
from tests.conftest import DEMO_TODAY, demo_clock

GIULIA = "LM00010001"
OTHER = "LM00010009"


@pytest.fixture
def backend(tmp_path: Path) -> DemoBackend:
    backend = DemoBackend(make_engine(f"sqlite:///{tmp_path / 'demo.db'}"), clock=demo_clock())
    seed_demo(backend, date(*DEMO_TODAY))
    return backend


@pytest.fixture
def deps(backend: DemoBackend) -> GraphDeps:
    return GraphDeps(
        backend=backend,
        retriever=sentinel.retriever,  # type: ignore[arg-type]
        classifier=sentinel.classifier,
        audit=sentinel.audit,
        clock=demo_clock(),
    )


def run(tools: list[Any], name: str, args: dict[str, Any], **state: Any) -> ToolMessage:
    """One tool call through the ToolNode, as the `tools` step runs it."""
    call = {"name": name, "args": args, "id": "call_1", "type": "tool_call"}
    builder = StateGraph(ToolSteps)
    builder.add_node("tools", tool_node(tools))
    builder.add_edge(START, "tools")
    out = builder.compile().invoke({"turn_messages": [AIMessage("", tool_calls=[call])], **state})
    message = out["turn_messages"][-1]
    assert isinstance(message, ToolMessage)
    return message


@pytest.mark.parametrize(
    ("make", "hidden"),
    [
        (lambda d: instalments_tools(d.backend), {"customer_code", "flow"}),
        (lambda d: reading_tools(d), {"customer_code", "flow"}),
        (lambda d: contracts_tools(d.backend), {"customer_code", "flow"}),
        (lambda d: billing_tools(d.backend), {"customer_code", "flow"}),
        (lambda d: payments_tools(d.backend), {"customer_code"}),
        (lambda d: outage_tools(d), {"customer_code", "identified", "flow"}),
        (lambda d: emergency_tools(d), {"customer_code", "urgency"}),
        (lambda d: onboarding_tools(d), {"customer_code", "flow", "language"}),
    ],
)
def test_the_model_never_sees_the_customer(deps: GraphDeps, make: Any, hidden: set[str]) -> None:
    for tool in make(deps):
        schema = tool.tool_call_schema.model_json_schema()
        assert not hidden & set(schema["properties"]), schema
        assert tool.description


def _consented_plan(backend: DemoBackend) -> tuple[str, dict[str, Any]]:
    customer = backend.get_customer(GIULIA)
    bill = candidate_bill(backend, GIULIA)
    assert bill is not None
    eligibility, plans = assess(backend, customer, bill, date(*DEMO_TODAY), Decimal("0.02"))
    assert eligibility.eligible and plans
    return bill.bill_id, plans[0].model_dump(mode="json")


def test_a_plan_is_created_only_as_confirmed(backend: DemoBackend) -> None:
    bill_id, option = _consented_plan(backend)
    tools = instalments_tools(backend)
    flow = {"vertical": "instalments", "step": "consent", "slots": {"bill_id": bill_id}}
    args = {"bill_id": bill_id, "instalments": option["count"]}
    # No summary confirmed yet (the choice step), or another number of instalments: refused.
    for step, count in (("choose", option["count"]), ("consent", option["count"] + 1)):
        refused = run(
            tools,
            "create_instalment_plan",
            {**args, "instalments": count},
            customer_code=GIULIA,
            flow={**flow, "step": step, "slots": {"bill_id": bill_id, "option": option}},
        )
        assert refused.status == "error" and "not confirmed" in str(refused.content)
    assert backend.list_plans(GIULIA) == []
    created = run(
        tools,
        "create_instalment_plan",
        args,
        customer_code=GIULIA,
        flow={**flow, "slots": {"bill_id": bill_id, "option": option}},
    )
    assert created.status == "success"
    (plan,) = backend.list_plans(GIULIA)
    assert plan.bill_id == bill_id and len(plan.instalments) == option["count"]


def test_a_customer_argument_from_the_model_is_overridden(backend: DemoBackend) -> None:
    bill_id, option = _consented_plan(backend)
    flow = {
        "vertical": "instalments",
        "step": "consent",
        "slots": {"bill_id": bill_id, "option": option},
    }
    # A model that adds a customer of its choosing: the state's customer is used.
    args = {"bill_id": bill_id, "instalments": option["count"], "customer_code": OTHER}
    created = run(
        instalments_tools(backend), "create_instalment_plan", args, customer_code=GIULIA, flow=flow
    )
    assert created.status == "success"
    assert len(backend.list_plans(GIULIA)) == 1 and backend.list_plans(OTHER) == []


def test_a_reading_is_recorded_only_on_the_customers_meter_and_when_valid(
    deps: GraphDeps, backend: DemoBackend
) -> None:
    tools = reading_tools(deps)
    mine = backend.get_customer(GIULIA).supplies[0]
    theirs = backend.get_customer(OTHER).supplies[0]
    latest = max(backend.list_readings(mine.supply_id), key=lambda r: r.read_on)
    before = {s: len(backend.list_readings(s)) for s in (mine.supply_id, theirs.supply_id)}
    state = {"customer_code": GIULIA, "flow": None}
    other = run(
        tools, "record_reading", {"supply_id": theirs.supply_id, "values": {"total": "1"}}, **state
    )
    assert other.status == "error" and "not one of the customer's" in str(other.content)
    # A reading lower than the last one fails the rules, whoever asks.
    lower = {band: str(value - 1) for band, value in latest.values.items()}
    refused = run(tools, "record_reading", {"supply_id": mine.supply_id, "values": lower}, **state)
    assert refused.status == "error" and "did not pass validation" in str(refused.content)
    assert {s: len(backend.list_readings(s)) for s in before} == before
    higher = {band: str(value + 5) for band, value in latest.values.items()}
    saved = run(tools, "record_reading", {"supply_id": mine.supply_id, "values": higher}, **state)
    assert saved.status == "success", saved.content
    assert len(backend.list_readings(mine.supply_id)) == before[mine.supply_id] + 1


def test_a_case_is_opened_only_as_confirmed(backend: DemoBackend) -> None:
    tools = contracts_tools(backend)
    slots = {"kind": "termination", "supply_id": None, "request": "disdetta"}
    args = {"kind": "termination", "supply_id": None, "data": {"date": "2026-12-31"}}
    flow = {"vertical": "contracts", "step": "consent", "slots": slots}
    cases = len(backend.list_cases(GIULIA))
    for wrong in ({**flow, "step": "date"}, {**flow, "slots": {**slots, "kind": "voltura"}}):
        refused = run(tools, "open_case", args, customer_code=GIULIA, flow=wrong)
        assert refused.status == "error"
    assert len(backend.list_cases(GIULIA)) == cases
    opened = run(tools, "open_case", args, customer_code=GIULIA, flow=flow)
    assert opened.status == "success"
    assert len(backend.list_cases(GIULIA)) == cases + 1


def test_a_bill_check_is_opened_only_when_agreed_to(backend: DemoBackend) -> None:
    tools = billing_tools(backend)
    bill = backend.list_bills(GIULIA)[0]
    slots = {"bill_id": bill.bill_id, "summary": "Bill twice the average"}
    flow = {"vertical": "billing", "step": "confirm_ticket", "slots": slots}
    tickets = len(backend.list_tickets(GIULIA))
    for wrong in (
        {**flow, "step": "offer_instalments"},
        {**flow, "slots": {**slots, "bill_id": "x"}},
    ):
        refused = run(
            tools, "open_ticket", {"bill_id": bill.bill_id}, customer_code=GIULIA, flow=wrong
        )
        assert refused.status == "error"
    # Another customer's bill, even with a matching agreement, is not found for this one.
    theirs = backend.list_bills(OTHER)[0]
    other = {**flow, "slots": {**slots, "bill_id": theirs.bill_id}}
    foreign = run(
        tools, "open_ticket", {"bill_id": theirs.bill_id}, customer_code=GIULIA, flow=other
    )
    assert foreign.status == "error"
    assert len(backend.list_tickets(GIULIA)) == tickets
    opened = run(tools, "open_ticket", {"bill_id": bill.bill_id}, customer_code=GIULIA, flow=flow)
    assert opened.status == "success"
    assert len(backend.list_tickets(GIULIA)) == tickets + 1


def test_a_payment_claim_only_for_the_customers_unpaid_bill(backend: DemoBackend) -> None:
    tools = payments_tools(backend)
    tickets = len(backend.list_tickets(GIULIA))
    paid = next(b for b in backend.list_bills(GIULIA) if b.status == "paid")
    theirs = unpaid_bills(backend, OTHER)[0]
    for bill_id in (paid.bill_id, theirs.bill_id, "nonexistent"):
        refused = run(tools, "open_ticket", {"bill_id": bill_id}, customer_code=GIULIA)
        assert refused.status == "error" and "unpaid bills" in str(refused.content)
    assert len(backend.list_tickets(GIULIA)) == tickets
    due = unpaid_bills(backend, GIULIA)[0]
    opened = run(tools, "open_ticket", {"bill_id": due.bill_id}, customer_code=GIULIA)
    assert opened.status == "success"
    (ticket,) = [t for t in backend.list_tickets(GIULIA) if t.category == "payment_claim"]
    assert due.number in ticket.summary


def test_a_fault_ticket_only_for_the_confirmed_report_with_the_rules_priority(
    deps: GraphDeps, backend: DemoBackend
) -> None:
    tools = outage_tools(deps)
    giovanni = backend.get_customer("LM00010018")  # life-support equipment at home
    (supply,) = [s for s in giovanni.supplies if s.commodity == "electricity"]
    slots = {"commodity": "electricity", "supply_id": supply.supply_id, "urgency": "normal"}
    flow = {"vertical": "outage", "step": "confirm", "slots": slots}
    args = {
        "commodity": "electricity",
        "problem": "no_supply",
        "address": supply.address,
        "scope": "home",
        "supply_id": supply.supply_id,
    }
    me = {"customer_code": giovanni.code, "identified": True}
    tickets = len(backend.list_tickets(giovanni.code))
    for wrong in ({**flow, "step": "scope"}, {**flow, "slots": {**slots, "commodity": "gas"}}):
        refused = run(tools, "open_ticket", args, **me, flow=wrong)
        assert refused.status == "error" and "not confirmed" in str(refused.content)
    # Someone else's supply, even confirmed, is not this customer's to report as theirs.
    other = run(tools, "open_ticket", args, customer_code=GIULIA, identified=True, flow=flow)
    assert other.status == "error" and "not one of the customer's" in str(other.content)
    assert len(backend.list_tickets(giovanni.code)) == tickets
    opened = run(tools, "open_ticket", args, **me, flow=flow)
    assert opened.status == "success", opened.content
    (ticket,) = backend.list_tickets(giovanni.code)[tickets:]
    assert ticket.priority == "high"  # the rule: life support at home, whatever was asked


def test_an_anonymous_fault_report_needs_no_customer(deps: GraphDeps) -> None:
    flow = {"vertical": "outage", "step": "confirm", "slots": {"commodity": "gas"}}
    args = {"commodity": "gas", "problem": "no_supply", "address": "Via Roma 1, Figline"}
    opened = run(outage_tools(deps), "open_ticket", args, flow=flow)
    assert opened.status == "success", opened.content
    assert '"customer_code":null' in str(opened.content).replace(" ", "")


def test_preferences_are_saved_only_as_confirmed(deps: GraphDeps, backend: DemoBackend) -> None:
    tools = onboarding_tools(deps)
    before = backend.get_preferences(GIULIA)
    change = {"bill_delivery": "paper" if before.bill_delivery == "email" else "email"}
    flow = {"vertical": "onboarding", "step": "confirm_preferences", "slots": {"changes": change}}
    for wrong_flow, args in (
        ({**flow, "step": "choose_preference"}, change),  # not confirmed yet
        (flow, {**change, "reminder_channel": "sms"}),  # more than was confirmed
    ):
        refused = run(tools, "set_preferences", args, customer_code=GIULIA, flow=wrong_flow)
        assert refused.status == "error" and "not confirmed" in str(refused.content)
    assert backend.get_preferences(GIULIA).bill_delivery == before.bill_delivery
    saved = run(tools, "set_preferences", change, customer_code=GIULIA, flow=flow)
    assert saved.status == "success", saved.content
    assert backend.get_preferences(GIULIA).bill_delivery == change["bill_delivery"]


def test_a_consent_is_given_only_to_the_wording_shown_and_withdrawn_at_once(
    deps: GraphDeps, backend: DemoBackend
) -> None:
    tools = onboarding_tools(deps)
    shown = "Acconsento a ricevere sondaggi di gradimento da Lumea."
    slots = {"category": "surveys", "wording": shown, "queue": []}
    flow = {"vertical": "onboarding", "step": "confirm_consent", "slots": slots}
    grant = {"category": "surveys", "granted": True}
    for wrong in ({**flow, "step": "menu"}, {**flow, "slots": {**slots, "category": "profiling"}}):
        refused = run(tools, "record_consent", grant, customer_code=GIULIA, flow=wrong)
        assert refused.status == "error"
    assert "surveys" not in latest_consents(backend.list_consents(GIULIA))
    given = run(tools, "record_consent", grant, customer_code=GIULIA, flow=flow)
    assert given.status == "success", given.content
    consent = latest_consents(backend.list_consents(GIULIA))["surveys"]
    assert consent.granted and consent.wording == shown
    # Withdrawing needs no confirmation, in any step, and records its own wording.
    withdrawn = run(
        tools,
        "record_consent",
        {"category": "surveys", "granted": False},
        customer_code=GIULIA,
        flow=None,
        language="en",
    )
    assert withdrawn.status == "success", withdrawn.content
    consent = latest_consents(backend.list_consents(GIULIA))["surveys"]
    assert not consent.granted and consent.wording != shown


def test_the_tool_calls_stay_inside_the_vertical(make_graph) -> None:  # type: ignore[no-untyped-def]
    """Through the whole graph: the plan is created by the ToolNode, and neither the tool
    call nor its result joins the conversation's messages (or reaches the next turn)."""
    from tests.conftest import converse

    graph, deps = make_graph()
    *_, done = converse(
        graph, "vorrei pagare a rate la bolletta del gas", GIULIA, "123456", "6", "sì", user="wa-t"
    )
    assert "create_instalment_plan" in {a.tool for a in done.actions}
    assert len(deps.backend.list_plans(GIULIA)) == 1
    config = {"configurable": {"thread_id": "test:wa-t"}}
    values = graph.get_state(config).values
    assert {type(m).__name__ for m in values["messages"]} == {"HumanMessage", "AIMessage"}
    assert not any(getattr(m, "tool_calls", None) for m in values["messages"])
    assert "turn_messages" not in values


def test_an_emergency_ticket_only_for_a_message_the_rules_judged_an_emergency(
    deps: GraphDeps, backend: DemoBackend
) -> None:
    before = len(backend.list_tickets(GIULIA))
    args = {"commodity": "gas", "description": "forte odore di gas in cantina"}
    refused = run(emergency_tools(deps), "open_ticket", args, urgency="high")
    assert refused.status == "error" and len(backend.list_tickets(GIULIA)) == before
    opened = run(
        emergency_tools(deps), "open_ticket", args, urgency="emergency", customer_code=GIULIA
    )
    assert opened.status != "error", opened.content
    (ticket,) = [t for t in backend.list_tickets(GIULIA) if t.category == "gas_emergency"]
    assert ticket.priority == "emergency" and ticket.customer_code == GIULIA
