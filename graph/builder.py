"""build_graph(deps) -> the compiled conversation graph; one factory, no module-level graph."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graph.deps import GraphDeps
from graph.grounded import make_knowledge
from graph.handoff import make_handoff
from graph.policy import make_identify
from graph.respond import make_general, make_respond
from graph.state import VERTICALS, ConversationState
from graph.subgraph import EXITS
from graph.supervisor import make_supervisor
from graph.verticals import REGISTRY, build_vertical

ROUTED = (*VERTICALS, "handoff", "general", "identify", "knowledge")


def build_graph(
    deps: GraphDeps,
    checkpointer: BaseCheckpointSaver | None = None,  # type: ignore[type-arg]
    disabled: frozenset[str] = frozenset(),
) -> CompiledStateGraph:  # type: ignore[type-arg]
    """The graph: supervisor -> (identify) -> one vertical/handoff/general -> respond.

    Each vertical is a compiled subgraph of its own steps (`sportello graph --xray`).

    `disabled` replaces verticals by the general node (used by evaluations to prove a gate
    catches a regression).
    """
    builder = StateGraph(ConversationState)
    builder.add_node("supervisor", make_supervisor(deps), destinations=(*ROUTED, "respond", END))
    builder.add_node(
        "identify", make_identify(deps), destinations=(*VERTICALS, "general", "respond")
    )
    for name in REGISTRY:
        if name in disabled:
            builder.add_node(name, make_general(deps), destinations=("respond",))
            continue
        # billing hands a yes to its instalments offer straight to the instalments vertical
        onward = ("instalments",) if name == "billing" else ()
        builder.add_node(name, build_vertical(name, deps), destinations=(*EXITS, *onward))
    builder.add_node("handoff", make_handoff(deps), destinations=("respond",))
    builder.add_node("general", make_general(deps), destinations=("respond",))
    builder.add_node("knowledge", make_knowledge(deps), destinations=("respond",))
    builder.add_node("respond", make_respond(deps))
    builder.add_edge(START, "supervisor")
    builder.add_edge("respond", END)
    return builder.compile(checkpointer=checkpointer)
