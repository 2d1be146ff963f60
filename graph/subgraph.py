"""What every vertical's subgraph is made of: typed steps, and the way back to the main graph.

A vertical is a compiled LangGraph subgraph. Its steps are nodes that return
`Command[Literal[...]]`: either the next step of the vertical, or - through `leave` - a node of
the main graph (`respond` with the reply, `handoff`, `identify` in front of a step that needs
the customer, or another vertical the customer asked for). The subgraph's own state extends
the conversation state with private keys that never reach the checkpoint of the conversation:
only the keys of `ConversationState` flow out, through `leave`'s update.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from graph.state import ConversationState

# Where a vertical may hand the turn back to in the main graph.
Exit = Literal["respond", "handoff", "identify"]
EXITS: tuple[str, ...] = ("respond", "handoff", "identify")


def leave(goto: str, update: Mapping[str, Any] | None = None) -> Command:  # type: ignore[type-arg]
    """End the vertical's part of the turn: go to `goto` in the main graph with `update`.

    Everything the turn decided must be in `update`: the vertical's private keys stay
    behind."""
    return Command(graph=Command.PARENT, goto=goto, update=dict(update or {}))


def ask_identity(route: str, text: str) -> Command:  # type: ignore[type-arg]
    """The identify step in front of a step that needs the customer's own data or a write:
    the question is kept and continued once the customer is identified."""
    return leave("identify", {"pending_route": route, "pending_text": text})


Step = Callable[..., Command]  # type: ignore[type-arg]


def compile_vertical(
    name: str,
    steps: Mapping[str, tuple[Step, Sequence[str]]],
    *,
    state: type = ConversationState,
    entry: str = "gate",
) -> CompiledStateGraph:  # type: ignore[type-arg]
    """The vertical's subgraph: `steps` maps a step's name to its function and the steps it
    may go to within the vertical (for the drawing; leaving for the main graph is drawn as
    an edge to the subgraph's end, then from there). The turn enters at `entry`."""
    builder: StateGraph = StateGraph(  # type: ignore[type-arg]
        state, input_schema=ConversationState, output_schema=ConversationState
    )
    for step, (function, goes_to) in steps.items():
        # Every step may leave for the main graph: drawn as the subgraph's end.
        builder.add_node(step, function, destinations=(*goes_to, END))
    builder.add_edge(START, entry)
    return builder.compile(name=name)
