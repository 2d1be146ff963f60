"""The conversation state one LangGraph thread keeps for one channel user."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict, get_args

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

Route = Literal[
    "billing",
    "payments",
    "instalments",
    "self_reading",
    "bonus",
    "outage",
    "contracts",
    "onboarding",
    "handoff",
    "general",
]
ROUTES: tuple[str, ...] = get_args(Route)
Urgency = Literal["emergency", "high", "normal"]
Vertical = Literal[
    "billing",
    "payments",
    "instalments",
    "self_reading",
    "bonus",
    "outage",
    "contracts",
    "onboarding",
]
VERTICALS: tuple[str, ...] = get_args(Vertical)
# Verticals that show personal data and therefore need an identified customer.
PERSONAL_DATA_ROUTES = frozenset({"billing", "payments", "instalments", "self_reading"})


class Citation(TypedDict):
    doc_id: str
    title: str
    section: str
    source: str


class Action(TypedDict, total=False):
    tool: str
    ok: bool
    args: dict[str, Any]  # what a write was called with (the customer is never among them)


class Choice(TypedDict):
    id: str
    title: str


class Flow(TypedDict, total=False):
    """A procedure in progress: which vertical owns it, its step and what it collected."""

    vertical: str
    step: str
    slots: dict[str, Any]


class SuspendedFlow(TypedDict):
    flow: Flow
    question: str  # what the procedure last asked the customer, asked again on resuming
    choices: list[Choice]


class OtpChallenge(TypedDict):
    customer_code: str
    code_hash: str
    expires_at: str  # ISO datetime
    attempts: int


class Handoff(TypedDict):
    reason: str
    summary: dict[str, Any]
    at: str


class ConversationState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    user_id: str
    channel: str
    # What the supervisor decided for this turn.
    language: str
    route: Route
    urgency: Urgency
    hazard: str | None  # the danger of an emergency turn (graph.safety.HAZARDS)
    confidence: float
    # Identity and consent.
    customer_code: str | None
    identified: bool
    identified_at: str | None  # when the one-time code was verified (ISO, the graph's clock)
    active_at: str | None  # the customer's last message while identified
    otp: OtpChallenge | None
    otp_failures: int
    locked_until: str | None
    pending_route: Route | None
    pending_text: str | None  # the question asked before identification interrupted it
    # {route, text, offered}: after a documents answer, a customer code (or a yes to the offer
    # made in words) continues that question with identification.
    identity_offer: dict[str, str] | None
    # The last reply found no answer and offered an operator: a yes now is the handoff.
    operator_offered: bool
    disclosed: bool
    opted_out: bool
    # Procedures and escalation.
    flow: Flow | None
    # Procedures interrupted by a topic switch or an emergency, most recent last (the
    # dialogue stack); nothing was written for them. When no procedure is active, the top
    # one is offered again.
    suspended: list[SuspendedFlow]
    resume_offered: bool
    handoff: Handoff | None
    handoff_reason: str | None  # why a node asked for a handoff this turn
    not_understood: int
    last_route: Route | None
    follow_up_of: str | None  # the message this turn's follows up on (searches read both)
    # The procedure the last reply concluded, with its details (an outage report answered
    # with planned works): a follow-up about it ("e quando torna?") is answered from them.
    answered_flow: Flow | None
    tools_called: list[str]
    # This turn's output (reset by the supervisor at the start of every turn).
    notice: str | None  # a line to put before the reply (e.g. "you're identified")
    reply: str | None
    choices: list[Choice]
    citations: list[Citation]
    actions: list[Action]
    evidence: list[str]  # texts a reply's figures may come from: passages and tool results
    attachments: list[dict[str, str]]  # documents to send (e.g. a bill PDF)
