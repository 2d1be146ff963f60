"""Retrieval quality: hit@1, hit@5 and MRR per search mode, and fact recall in the top passages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evals.datasets import RetrievalCase
from knowledge.retriever import Retriever, SearchQuery
from knowledge.schema import SearchFilters
from knowledge.store import SearchMode


@dataclass(frozen=True)
class RetrievalScores:
    mode: str
    cases: int
    hit_at_1: float
    hit_at_5: float
    mrr: float
    fact_recall_at_5: float
    misses: tuple[str, ...]


def score_retrieval(
    retriever: Retriever, cases: Sequence[RetrievalCase], mode: SearchMode, k: int = 5
) -> RetrievalScores:
    queries = [
        SearchQuery(query=c.question, k=k, filters=SearchFilters(as_of=c.as_of)) for c in cases
    ]
    results = retriever.search_many(queries, mode=mode)
    hit1 = hit5 = rr = facts_found = facts_total = 0.0
    misses: list[str] = []
    for case, hits in zip(cases, results, strict=True):
        expected = set(case.expected_doc_ids)
        rank = next((i for i, h in enumerate(hits, 1) if h.doc_id in expected), None)
        hit1 += rank == 1
        hit5 += rank is not None and rank <= k
        rr += 1 / rank if rank else 0
        if rank is None:
            misses.append(case.id)
        text = " ".join(h.text.lower() for h in hits)
        facts_total += len(case.facts)
        facts_found += sum(f.lower() in text for f in case.facts)
    n = len(cases) or 1
    return RetrievalScores(
        mode=mode,
        cases=len(cases),
        hit_at_1=hit1 / n,
        hit_at_5=hit5 / n,
        mrr=rr / n,
        fact_recall_at_5=facts_found / facts_total if facts_total else 1.0,
        misses=tuple(misses),
    )
