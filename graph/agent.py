"""Every vertical's `agent` step: in LLM mode, the model answers the identified customer's
question about their own data with the vertical's read tools.

The step is the vertical's entry. It acts only with a chat model, an identified customer and
no procedure in progress; otherwise, and whenever the model fails, hands over or states a
figure no tool returned, the turn goes on to the vertical's gate exactly as offline. The
tools are closures bound to the identified customer: the model never chooses whose data it
reads. It has no write tools: a request to change something is handed to the vertical's own
steps, where a consent step stands in front of every write tool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from langgraph.types import Command

from graph.backends.ports import UtilityBackend
from graph.claims import unsupported_figures
from graph.deps import GraphDeps
from graph.llm import LANGUAGE_NAMES, fell_back, run_tool_agent
from graph.reply import Reply, question_text
from graph.state import ConversationState
from graph.subgraph import leave

HAND_OVER = "hand_to_procedure"
AGENT_SYSTEM = """You are Lumea's customer-service assistant on WhatsApp (electricity, gas, \
water in Italy), answering about: {scope}
The customer is identified. The tools read this customer's own data and nobody else's.
Answer in {language_name}, in at most 4 short sentences, friendly and precise. Every figure \
you write (amounts, dates, readings, codes) must come from a tool result.
If the customer asks to do or change something (a request, a payment plan, a reading to \
record, a report, a contract change, a consent), or the tools cannot answer, call \
{hand_over} and write nothing else: the request is then handled step by step."""

ReadTools = Callable[[UtilityBackend, str], list[BaseTool]]


def supply_tools(backend: UtilityBackend, customer_code: str) -> list[BaseTool]:
    """The customer's supplies (codes, address, offer, market, power, bonus, direct debit):
    every vertical's agent may read them."""

    def list_supplies() -> list[dict[str, object]]:
        """The customer's supplies of electricity, gas and water with their codes (POD, PDR,
        water meter), address, status, offer, market, contracted power, social bonus and
        whether bills are paid by direct debit."""
        customer = backend.get_customer(customer_code)
        return [s.model_dump(mode="json", exclude={"customer_code"}) for s in customer.supplies]

    return [StructuredTool.from_function(list_supplies)]


def _hand_over() -> str:
    """Hand the conversation to the step-by-step procedure: the customer wants to do or change
    something, or the tools cannot answer."""
    return "handed over"


def make_agent_step(
    deps: GraphDeps, scope: str, read_tools: ReadTools, *, then: str = "gate"
) -> Callable[[ConversationState], Command]:  # type: ignore[type-arg]
    """The vertical's `agent` step; `scope` says what the vertical answers (its intents'
    description), `read_tools` builds its read tools for one customer, `then` is the step
    the turn goes on to when the model does not answer."""

    def agent(state: ConversationState) -> Command:  # type: ignore[type-arg]
        model = deps.chat_model
        code = state.get("customer_code")
        if (
            model is None
            or not state.get("identified")
            or not code
            or state.get("flow")  # a procedure's question is answered by its own step
            or state.get("urgency") == "emergency"
        ):
            return Command(goto=then)
        language = state.get("language", "it")
        system = AGENT_SYSTEM.format(
            scope=scope,
            language_name=LANGUAGE_NAMES.get(language, "Italian"),
            hand_over=HAND_OVER,
        )
        tools = [
            *supply_tools(deps.backend, code),
            *read_tools(deps.backend, code),
            StructuredTool.from_function(_hand_over, name=HAND_OVER),
        ]
        # A tool's failure goes back to the model as an error result; a model failure is None.
        run = run_tool_agent(model, system, question_text(state), tools, stop_at=HAND_OVER)
        if run is None or run.handed_over or not run.reply:
            return Command(goto=then)
        if unsupported_figures(run.reply, run.evidence):
            fell_back("agent", ValueError("figures not in the tool results"))
            return Command(goto=then)
        reply = Reply(run.reply)
        for name, ok, args in run.actions:
            reply.act(name, ok, args=args)
        reply.evidence += run.evidence
        return leave("respond", reply.update())

    return agent


def agent_steps(
    deps: GraphDeps, vertical: str, read_tools: ReadTools, *, then: str = "gate"
) -> dict[str, tuple[Any, tuple[str, ...]]]:
    """The vertical's `agent` entry step, ready to add to its steps (with `entry="agent"`);
    the model is told what the vertical serves in its intents file's own words."""
    from graph.verticals import description

    step = make_agent_step(deps, description(vertical), read_tools, then=then)
    return {"agent": (step, (then,))}
