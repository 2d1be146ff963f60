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


class TurnResult(BaseModel):
    """The stable result of `sportello ask --json`, `POST /v1/chat` and the evaluations."""

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
        route=state.get("route"),
        urgency=state.get("urgency", "normal"),
        language=state.get("language", "it"),
        handoff=bool(state.get("handoff")),
        citations=[CitationOut(**c) for c in state.get("citations", [])],
        actions=[ActionOut(**a) for a in state.get("actions", [])],
        choices=list(state.get("choices", [])),
        attachments=list(state.get("attachments", [])),
    )
