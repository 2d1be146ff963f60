"""The outage vertical: emergencies get the fixed safety steps at once, then a ticket."""

from __future__ import annotations

from langgraph.types import Command

from graph.deps import GraphDeps
from graph.grounded import commodity_in, knowledge_reply
from graph.prompts import render
from graph.prompts.outage import DISTRIBUTORS, TEMPLATES
from graph.reply import Reply, question_text
from graph.state import ConversationState
from graph.verticals.outage.tools import open_emergency_ticket, safety_steps


def emergency_reply(deps: GraphDeps, state: ConversationState) -> Reply:
    language = state.get("language", "it")
    text = question_text(state)
    commodity = commodity_in(text) or "gas"
    distributor, phone = DISTRIBUTORS[commodity]
    steps, hits = safety_steps(deps, text, commodity, language)
    lines = [render(TEMPLATES, "emergency_intro", language)]
    lines += [f"{i}. {step}" for i, step in enumerate(steps, 1)] or [
        render(TEMPLATES, "emergency_no_steps", language)
    ]
    lines.append(
        render(TEMPLATES, "emergency_call", language, distributor=distributor, phone=phone)
    )
    reply = Reply("").cite(hits)
    reply.act("safety_instructions", bool(steps), "\n".join(steps))
    ticket = open_emergency_ticket(deps, commodity, state.get("customer_code"), text)
    reply.act("open_ticket", ticket is not None, ticket.ticket_id if ticket else None)
    if ticket is not None:
        lines.append(render(TEMPLATES, "emergency_ticket", language, ticket=ticket.ticket_id))
        deps.audit.record(
            state.get("user_id", ""),
            "tool",
            "open_ticket",
            f"{commodity} emergency reported",
            customer_code=state.get("customer_code"),
            data={"ticket_id": ticket.ticket_id},
        )
    reply.text = "\n".join(lines)
    reply.evidence.append(f"{distributor} {phone}")
    return reply


def make_node(deps: GraphDeps):  # type: ignore[no-untyped-def]
    def outage(state: ConversationState) -> Command:  # type: ignore[type-arg]
        if state.get("urgency") == "emergency":
            return Command(goto="respond", update=emergency_reply(deps, state).update())
        question = question_text(state)
        reply = knowledge_reply(
            deps,
            question,
            state.get("language", "it"),
            verticals=["outage"],
            commodity=commodity_in(question),
        )
        return Command(goto="respond", update=reply.update())

    return outage
