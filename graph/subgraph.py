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
from typing import Annotated, Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from langchain_core.tools import BaseTool, ToolException
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode
from langgraph.types import Command

from graph.backends.ports import BackendError
from graph.prompts import render
from graph.prompts.common import TEMPLATES as COMMON
from graph.reply import Reply
from graph.state import Choice, ConversationState

# Where a vertical may hand the turn back to in the main graph.
EXITS: tuple[str, ...] = ("respond", "handoff", "identify")


def leave(goto: str, update: Mapping[str, Any] | None = None) -> Command:  # type: ignore[type-arg]
    """End the vertical's part of the turn: go to `goto` in the main graph with `update`.

    Everything the turn decided must be in `update`: the vertical's private keys stay
    behind."""
    return Command(graph=Command.PARENT, goto=goto, update=dict(update or {}))


def backend_failed(language: str) -> Command:  # type: ignore[type-arg]
    """End the turn with the apology for a backend that failed (nothing was written)."""
    return leave("respond", Reply(render(COMMON, "error", language)).update())


def ask_identity(route: str, text: str) -> Command:  # type: ignore[type-arg]
    """The identify step in front of a step that needs the customer's own data or a write:
    the question is kept and continued once the customer is identified."""
    return leave("identify", {"pending_route": route, "pending_text": text, "route": "identify"})


def yes_no(language: str, yes: str | None = None) -> list[Choice]:
    """The two buttons under a question that takes a yes or a no (`yes` replaces the yes
    button's label where the question needs its own, as "Sì, aprila")."""
    return [
        Choice(id="yes", title=yes or render(COMMON, "yes", language)),
        Choice(id="no", title=render(COMMON, "no", language)),
    ]


Step = Callable[..., Command]  # type: ignore[type-arg]


class ToolSteps(ConversationState, total=False):
    """A vertical's state when it has write tools: the tool calls of this turn and their
    results, kept inside the subgraph (the conversation's messages stay the customer's)."""

    turn_messages: Annotated[list[AnyMessage], add_messages]


def call_tool(name: str, **args: Any) -> dict[str, Any]:
    """The update that asks the `tools` step to run `name` with `args`: the same tool call an
    LLM would emit, so both brains go through the same ToolNode and the same checks. The
    customer is never among the arguments: tools read it from the state."""
    return call_tools((name, args))


def call_tools(*calls: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """Several tool calls in one message (a withdrawal of several consents), run together."""
    tool_calls = [
        {"name": name, "args": args, "id": f"call_{name}_{n}", "type": "tool_call"}
        for n, (name, args) in enumerate(calls)
    ]
    return {"turn_messages": [AIMessage("", tool_calls=tool_calls)]}


def tool_node(tools: Sequence[BaseTool]) -> ToolNode:
    """Runs the tool calls of `turn_messages`. A tool's refusal (ToolException) or a backend
    failure becomes an error result for the next step to explain, never a crashed turn."""
    return ToolNode(
        list(tools), messages_key="turn_messages", handle_tool_errors=(ToolException, BackendError)
    )


def tool_result(state: Mapping[str, Any]) -> tuple[bool, str]:
    """(ok, content) of the last tool call's result."""
    message = state["turn_messages"][-1]
    assert isinstance(message, ToolMessage), "a result step must follow the tools step"
    return message.status != "error", str(message.content)


def tool_results(state: Mapping[str, Any]) -> list[tuple[bool, str]]:
    """(ok, content) of every result of the last tool-calling message, in call order."""
    results: list[tuple[bool, str]] = []
    for message in reversed(state["turn_messages"]):
        if not isinstance(message, ToolMessage):
            break
        results.append((message.status != "error", str(message.content)))
    assert results, "a result step must follow the tools step"
    return results[::-1]


def compile_vertical(
    name: str,
    steps: Mapping[str, tuple[Step | ToolNode, Sequence[str]]],
    *,
    state: type = ConversationState,
    entry: str = "gate",
) -> CompiledStateGraph:  # type: ignore[type-arg]
    """The vertical's subgraph: `steps` maps a step's name to its function and the steps it
    may go to within the vertical (a ToolNode goes on to its one next step). Leaving for the
    main graph is drawn as an edge to the subgraph's end. The turn enters at `entry`."""
    builder: StateGraph = StateGraph(  # type: ignore[type-arg]
        state, input_schema=ConversationState, output_schema=ConversationState
    )
    for step, (function, goes_to) in steps.items():
        if isinstance(function, ToolNode):  # runs the calls, then always the one next step
            (after,) = goes_to
            builder.add_node(step, function)
            builder.add_edge(step, after)
            continue
        # Every step may leave for the main graph: drawn as the subgraph's end.
        builder.add_node(step, function, destinations=(*goes_to, END))
    builder.add_edge(START, entry)
    return builder.compile(name=name)
