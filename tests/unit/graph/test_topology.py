"""The graph's topology as mermaid text: a routing change is a visible diff in the snapshots,
and the README's diagram is the drawing itself.

Set SPORTELLO_UPDATE_SNAPSHOTS=1 to rewrite the snapshots and the README's diagram after a
deliberate change (then review the diff)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from unittest.mock import sentinel

import pytest
from langgraph.graph.state import CompiledStateGraph

from graph.builder import build_graph
from graph.deps import GraphDeps
from graph.state import ROUTES
from graph.verticals import REGISTRY, build_vertical

SNAPSHOTS = Path(__file__).parent / "snapshots"
README = Path(__file__).parents[3] / "README.md"
# The README's diagram: the mermaid block right after this heading's introduction.
README_BLOCK = re.compile(r"(### The conversation graph\n.*?```mermaid\n)(.*?)(```)", re.S)
UPDATE = os.environ.get("SPORTELLO_UPDATE_SNAPSHOTS") == "1"


def _graph_deps() -> GraphDeps:
    # Building the graph only wires nodes: the dependencies are not used until a turn runs.
    return GraphDeps(
        backend=sentinel.backend,
        retriever=sentinel.retriever,  # type: ignore[arg-type]
        classifier=sentinel.classifier,
        audit=sentinel.audit,
    )


def _graph() -> CompiledStateGraph:  # type: ignore[type-arg]
    return build_graph(_graph_deps())


def _matches(name: str, mermaid: str) -> None:
    snapshot = SNAPSHOTS / name
    if UPDATE or not snapshot.exists():
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(mermaid)
        if not UPDATE:
            pytest.fail(f"snapshot written to {snapshot}: review and commit it")
    assert mermaid == snapshot.read_text(), f"topology changed: review, then update {name}"


def test_topology_matches_the_snapshot() -> None:
    _matches("topology.mmd", _graph().get_graph().draw_mermaid())


def test_xray_topology_matches_the_snapshot() -> None:
    _matches("topology-xray.mmd", _graph().get_graph(xray=True).draw_mermaid())


def test_readme_diagram_is_the_generated_drawing() -> None:
    drawing = (SNAPSHOTS / "topology-xray.mmd").read_text()
    drawing = drawing.split("---\n", 2)[-1]  # the front matter (layout settings) stays out
    text = README.read_text()
    block = README_BLOCK.search(text)
    assert block is not None, "README lost its conversation graph section"
    if UPDATE:
        README.write_text(text[: block.start(2)] + drawing + text[block.end(2) :])
        return
    assert block.group(2) == drawing, "README's diagram is stale: SPORTELLO_UPDATE_SNAPSHOTS=1"


def test_every_route_is_reachable_from_the_supervisor() -> None:
    edges = {(e.source, e.target) for e in _graph().get_graph().edges}
    for target in (*ROUTES, "identify", "knowledge"):
        assert ("supervisor", target) in edges
        assert (target, "respond") in edges
    assert ("respond", "__end__") in edges


def test_an_unknown_vertical_is_refused_by_name() -> None:
    with pytest.raises(KeyError, match="unknown vertical 'gardening'"):
        build_vertical("gardening", _graph_deps())


@pytest.mark.parametrize("name", REGISTRY)
def test_every_vertical_is_a_subgraph_of_steps(name: str) -> None:
    """Each vertical is drawn with its own steps, entered at its agent step (the LLM's, with
    the vertical's read tools), which goes on to its gate; every step can hand the turn back
    to the main graph (except a ToolNode, `tools` or `<step>_tools`, which always goes on to
    the step that explains its result)."""
    drawn = _graph().get_graph(xray=True)
    steps = {node for node in drawn.nodes if node.startswith(f"{name}:")}
    assert {f"{name}:agent", f"{name}:gate"} <= steps and len(steps) >= 4, steps
    edges = {(e.source, e.target) for e in drawn.edges}
    assert ("supervisor", f"{name}:agent") in edges
    assert (f"{name}:agent", f"{name}:gate") in edges
    own = build_vertical(name, _graph_deps()).get_graph()
    ends = {e.source for e in own.edges if e.target == "__end__"}
    tool_nodes = {n for n in own.nodes if n == "tools" or n.endswith("_tools")}
    assert ends == set(own.nodes) - {"__start__", "__end__"} - tool_nodes
    for tools in tool_nodes:
        (after,) = [e.target for e in own.edges if e.source == tools]
        assert (after, "__end__") in {(e.source, e.target) for e in own.edges}


def test_sportello_graph_prints_the_same_topology(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from graph.cli import run_graph
    from knowledge.settings import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert run_graph(argparse.Namespace(xray=True), settings) == 0
    assert capsys.readouterr().out == (SNAPSHOTS / "topology-xray.mmd").read_text()
    assert run_graph(argparse.Namespace(xray=False), settings) == 0
    assert capsys.readouterr().out == (SNAPSHOTS / "topology.mmd").read_text()
