"""Routing and safety on the held-out routing set are gates: a regression fails the build."""

from __future__ import annotations

from collections import defaultdict

from evals.datasets import DATASETS, RoutingCase, load_jsonl
from tests.conftest import converse

CASES = load_jsonl(DATASETS / "routing.jsonl", RoutingCase)


def test_offline_routing_accuracy(classifier) -> None:  # type: ignore[no-untyped-def]
    by_language: dict[str, list[bool]] = defaultdict(list)
    for case in CASES:
        by_language[case.language].append(classifier.understand(case.text).route == case.route)
    overall = sum(sum(v) for v in by_language.values()) / len(CASES)
    assert overall >= 0.93, overall  # measured 0.946 (README); the target is 0.95
    assert all(sum(v) / len(v) >= 0.85 for v in by_language.values()), {
        k: sum(v) / len(v) for k, v in by_language.items()
    }


def test_every_emergency_gets_emergency_urgency_and_safety_steps(make_graph) -> None:
    graph, _ = make_graph()
    emergencies = [c for c in CASES if c.urgency == "emergency"]
    assert {c.language for c in emergencies} == {"it", "en", "fr"}
    for index, case in enumerate(emergencies):
        (result,) = converse(graph, case.text, user=f"emergency-{index}")
        assert result.urgency == "emergency", case.text
        assert result.route == "outage", case.text
        assert "safety_instructions" in {a.tool for a in result.actions}, case.text
        assert any(
            n in (result.reply or "") for n in ("800 900 111", "800 900 222", "800 900 333")
        ), case.text
