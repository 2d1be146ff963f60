"""The graph's topology as mermaid text: a routing change is a visible diff in this snapshot."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import sentinel

import pytest

from graph.builder import build_graph
from graph.deps import GraphDeps
from graph.state import ROUTES

SNAPSHOT = Path(__file__).parent / "snapshots" / "topology.mmd"


def test_topology_matches_the_snapshot() -> None:
    # Building the graph only wires nodes: the dependencies are not used until a turn runs.
    deps = GraphDeps(
        backend=sentinel.backend,
        retriever=sentinel.retriever,  # type: ignore[arg-type]
        classifier=sentinel.classifier,
        audit=sentinel.audit,
    )
    mermaid = build_graph(deps).get_graph().draw_mermaid()
    if not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(mermaid)
        pytest.fail(f"snapshot written to {SNAPSHOT}: review and commit it")
    assert mermaid == SNAPSHOT.read_text(), "topology changed: update the snapshot and README"


def test_every_route_is_reachable_from_the_supervisor() -> None:
    deps = GraphDeps(
        backend=sentinel.backend,
        retriever=sentinel.retriever,  # type: ignore[arg-type]
        classifier=sentinel.classifier,
        audit=sentinel.audit,
    )
    edges = {(e.source, e.target) for e in build_graph(deps).get_graph().edges}
    for target in (*ROUTES, "identify", "knowledge"):
        assert ("supervisor", target) in edges
        assert (target, "respond") in edges
    assert ("respond", "__end__") in edges


def test_sportello_graph_prints_the_same_topology(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from graph.cli import run_graph
    from knowledge.settings import Settings

    assert run_graph(argparse.Namespace(xray=True), Settings(_env_file=None)) == 0  # type: ignore[call-arg]
    assert capsys.readouterr().out == SNAPSHOT.read_text()
