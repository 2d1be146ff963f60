"""pass^k (τ²-bench) over repeated evaluation runs."""

from __future__ import annotations

import pytest

from evals.runner import CaseResult, pass_hat_k


def _result(case: str, success: float | None) -> CaseResult:
    scores = {} if success is None else {"backend_state": success}
    return CaseResult(
        id=case,
        dataset="procedures",
        kind="procedures",
        language="it",
        vertical="x",
        expected={},
        turns=[],
        scores=scores,
    )


def test_pass_hat_k_counts_cases_that_succeed_in_every_draw() -> None:
    # Case a: 3 of 3 runs succeed; b: 2 of 3; c: 0 of 3; d has no backend state (not counted).
    outcomes = {"a": (1, 1, 1), "b": (1, 0, 1), "c": (0, 0, 0), "d": (None, None, None)}
    runs = [[_result(case, values[i]) for case, values in outcomes.items()] for i in range(3)]
    passes = pass_hat_k(runs)
    assert passes[1] == pytest.approx((1 + 2 / 3 + 0) / 3)  # the plain success rate
    assert passes[2] == pytest.approx((1 + 1 / 3 + 0) / 3)  # C(2,2)/C(3,2) for b
    assert passes[3] == pytest.approx(1 / 3)  # only a succeeds every time


def test_a_single_run_is_its_success_rate() -> None:
    runs = [[_result("a", 1.0), _result("b", 0.0)]]
    assert pass_hat_k(runs) == {1: 0.5}
