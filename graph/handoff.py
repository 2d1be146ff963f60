"""Handing a conversation to a human operator, with a summary they can act on at once."""

from __future__ import annotations

from typing import Any

from langgraph.types import Command

from graph.deps import GraphDeps
from graph.prompts import render
from graph.prompts.common import TEMPLATES
from graph.reply import Reply, user_text
from graph.state import ConversationState


def handoff_summary(state: ConversationState, reason: str) -> dict[str, Any]:
    """Who, what they want, what was tried and what is still open."""
    flow = state.get("flow") or {}
    return {
        "reason": reason,
        "customer_code": state.get("customer_code"),
        "identified": bool(state.get("identified")),
        "language": state.get("language", "it"),
        "urgency": state.get("urgency", "normal"),
        "intent": state.get("last_route") or state.get("route"),
        "procedure": {
            "vertical": flow.get("vertical"),
            "step": flow.get("step"),
            "collected": sorted((flow.get("slots") or {}).keys()),
        }
        if flow
        else None,
        "tools_called": list(state.get("tools_called", [])),
        "open_question": state.get("pending_text") or user_text(state),
    }


def make_handoff(deps: GraphDeps):  # type: ignore[no-untyped-def]
    def handoff(state: ConversationState) -> Command:  # type: ignore[type-arg]
        reason = state.get("handoff_reason") or "customer asked for a person"
        summary = handoff_summary(state, reason)
        at = deps.clock().isoformat()
        deps.audit.record(
            state.get("user_id", ""),
            "handoff",
            "handoff",
            reason,
            customer_code=state.get("customer_code"),
            data=summary,
        )
        reply = Reply(render(TEMPLATES, "handoff", state.get("language", "it")))
        reply.act("handoff_to_operator", True)
        return Command(
            goto="respond",
            update={
                **reply.update(),
                "handoff": {"reason": reason, "summary": summary, "at": at},
                "flow": None,
                "handoff_reason": None,
                "route": "handoff",
            },
        )

    return handoff
