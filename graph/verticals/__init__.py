"""The vertical agents, one package each; they never import one another.

REGISTRY is the list every other list of verticals derives from (the graph's nodes, the
drawing, the evaluation's routes); `graph.state.Vertical` spells the same names as a type and
a test keeps the two equal. Each package's `graph.py` has `build(deps)`, which compiles the
vertical as a LangGraph subgraph (see graph.subgraph). Adding a vertical means adding its
package and its name here.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langgraph.graph.state import CompiledStateGraph

    from graph.deps import GraphDeps

REGISTRY: tuple[str, ...] = (
    "billing",
    "payments",
    "instalments",
    "self_reading",
    "bonus",
    "outage",
    "contracts",
    "onboarding",
)


def build_vertical(name: str, deps: GraphDeps) -> CompiledStateGraph:  # type: ignore[type-arg]
    """The compiled subgraph of the vertical `name` (one of REGISTRY)."""
    if name not in REGISTRY:
        raise KeyError(f"unknown vertical {name!r}; known: {', '.join(REGISTRY)}")
    module = import_module(f"graph.verticals.{name}.graph")
    return module.build(deps)  # type: ignore[no-any-return]
