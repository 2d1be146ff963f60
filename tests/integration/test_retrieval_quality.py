"""Retrieval quality on the question sets is a gate: a regression here fails the build."""

from __future__ import annotations

from collections import defaultdict

import pytest

from evals.datasets import DATASETS, RetrievalCase, load_jsonl
from evals.retrieval import score_retrieval


def _cases(name: str) -> list[RetrievalCase]:
    return load_jsonl(DATASETS / name, RetrievalCase)


def test_hybrid_meets_the_target_on_the_dev_set(corpus_kb) -> None:
    hybrid = score_retrieval(corpus_kb.retriever, _cases("retrieval_dev.jsonl"), "hybrid")
    dense = score_retrieval(corpus_kb.retriever, _cases("retrieval_dev.jsonl"), "dense")
    assert hybrid.hit_at_5 >= 0.9, hybrid.misses
    assert hybrid.mrr >= dense.mrr - 0.02  # fusion must not cost ranking quality


def test_held_out_set_stays_above_the_floor(corpus_kb) -> None:
    path = DATASETS / "retrieval_test.jsonl"
    if not path.exists():
        pytest.skip("no held-out set")
    hybrid = score_retrieval(corpus_kb.retriever, load_jsonl(path, RetrievalCase), "hybrid")
    assert hybrid.hit_at_5 >= 0.85, hybrid.misses


def test_every_language_is_served(corpus_kb) -> None:
    groups: dict[str, list[RetrievalCase]] = defaultdict(list)
    for case in _cases("retrieval_dev.jsonl"):
        groups[case.language].append(case)
    for language, cases in groups.items():
        assert score_retrieval(corpus_kb.retriever, cases, "hybrid").hit_at_5 >= 0.8, language
