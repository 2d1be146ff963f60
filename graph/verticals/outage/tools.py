"""Outage tools: safety steps from the knowledge base and emergency tickets."""

from __future__ import annotations

import re

from graph.backends.ports import BackendError, Ticket
from graph.deps import GraphDeps
from graph.grounded import retrieve
from knowledge.schema import Hit

_STEP = re.compile(r"^\s*(?:-|•|\d+[.)])\s*(.+)$")


def safety_steps(
    deps: GraphDeps, question: str, commodity: str, language: str
) -> tuple[list[str], list[Hit]]:
    """The fixed safety steps of the commodity's safety sheet, in the customer's language
    when the knowledge base has it, else in Italian."""
    hits = retrieve(deps, question, commodity=commodity, doc_type=["safety"], k=6)
    hits.sort(key=lambda h: h.language != language)
    for hit in hits:
        steps = [m.group(1).strip() for line in hit.text.splitlines() if (m := _STEP.match(line))]
        if len(steps) >= 2:
            return steps[:6], [hit]
    return [], hits[:1]


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
