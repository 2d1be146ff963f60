"""One customer turn through the graph, and the result every interface returns."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel


class CitationOut(BaseModel):
    doc_id: str
    title: str
    section: str
    source: str


class ActionOut(BaseModel):
    tool: str
    ok: bool
    args: dict[str, Any] = {}


class ProcedureOut(BaseModel):
    name: str  # the vertical that owns the procedure
    step: str | None


class TurnResult(BaseModel):
    """The stable result of `sportello ask --json`, `POST /v1/chat` and the evaluations.

    `route` is the vertical or node that handles the turn, also while identification for it
    is under way; `awaiting` says what the assistant now waits for from the customer:
    `identification` (the customer code), `otp`, `consent` (a yes to a write), `choice` (one
    of `choices`), `slot:<name>` (a value the procedure needs) or null.
    """

    thread_id: str
    reply: str | None
    route: str | None
    urgency: str
    language: str
    handoff: bool
    citations: list[CitationOut]
    actions: list[ActionOut]
    choices: list[dict[str, str]] = []
    attachments: list[dict[str, str]] = []
    awaiting: str | None = None
    procedure: ProcedureOut | None = None


_CONSENT_STEPS = ("confirm", "consent")


def public_route(state: dict[str, Any]) -> str | None:
    """The route a customer's turn is about: during identification, the vertical it is for."""
    route = state.get("route")
    if route == "identify":
        return state.get("pending_route") or "general"
    return route


def awaiting(state: dict[str, Any]) -> str | None:
    """What the assistant waits for after this turn (see TurnResult)."""
    if state.get("handoff"):
        return None
    waiting = not state.get("identified") and (state.get("otp") or state.get("pending_route"))
    if state.get("route") == "identify" or waiting:  # (also after a question answered meanwhile)
        return "otp" if state.get("otp") else "identification"
    flow = state.get("flow") or {}
    step = str(flow.get("step") or "")
    if not flow:
        return "choice" if state.get("choices") else None
    if any(word in step for word in _CONSENT_STEPS):
        return "consent"
    if state.get("choices"):
        return "choice"
    return f"slot:{step}" if step else None


def thread_for(channel: str, user: str) -> str:
    """Threads are keyed by channel user: one conversation per WhatsApp user, web user..."""
    return f"{channel}:{user}"


def run_turn(
    graph: CompiledStateGraph,  # type: ignore[type-arg]
    text: str,
    *,
    user: str,
    thread_id: str | None = None,
    channel: str = "cli",
) -> TurnResult:
    thread = thread_id or thread_for(channel, user)
    state: dict[str, Any] = graph.invoke(
        {"messages": [HumanMessage(text)], "user_id": thread, "channel": channel},
        config={"configurable": {"thread_id": thread}},
    )
    return TurnResult(
        thread_id=thread,
        reply=state.get("reply"),
        route=public_route(state),
        urgency=state.get("urgency", "normal"),
        language=state.get("language", "it"),
        handoff=bool(state.get("handoff")),
        citations=[CitationOut(**c) for c in state.get("citations", [])],
        actions=[ActionOut(**a) for a in state.get("actions", [])],
        choices=list(state.get("choices", [])),
        attachments=list(state.get("attachments", [])),
        awaiting=awaiting(state),
        procedure=(
            ProcedureOut(name=str(flow["vertical"]), step=flow.get("step"))
            if (flow := state.get("flow"))
            else None
        ),
    )
