"""The contracts vertical: answers from the knowledge base with citations (procedures: issue 4)."""

from __future__ import annotations

from graph.deps import GraphDeps
from graph.grounded import make_knowledge_node


def make_node(deps: GraphDeps):  # type: ignore[no-untyped-def]
    return make_knowledge_node(deps, "contracts")
