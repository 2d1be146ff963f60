"""Retrieval quality on the development question set: dense vs sparse vs hybrid.

python -m benchmarks.retrieval_quality [--dataset evals/datasets/retrieval_dev.jsonl]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from benchmarks._corpus import corpus_knowledge_base
from evals.datasets import DATASETS, RetrievalCase, load_jsonl
from evals.retrieval import score_retrieval


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=DATASETS / "retrieval_dev.jsonl")
    parser.add_argument("--data-dir", type=Path, help="re-use this data dir (default: a fresh one)")
    parser.add_argument(
        "--no-glossary",
        action="store_true",
        help="search without the domain glossary's query expansion (ablation)",
    )
    args = parser.parse_args()
    cases = load_jsonl(args.dataset, RetrievalCase)
    kb = corpus_knowledge_base(args.data_dir)
    kb.retriever.expand_queries = not args.no_glossary
    by_language: dict[str, list[RetrievalCase]] = defaultdict(list)
    for case in cases:
        by_language[case.language].append(case)
    print(f"{len(cases)} questions, {len(kb.documents())} document versions, k=5\n")
    print("| mode | hit@1 | hit@5 | MRR | fact recall@5 |")
    print("|---|---|---|---|---|")
    hybrid = None
    for mode in ("dense", "sparse", "hybrid"):
        s = score_retrieval(kb.retriever, cases, mode)  # type: ignore[arg-type]
        hybrid = s if mode == "hybrid" else hybrid
        print(
            f"| {mode} | {s.hit_at_1:.3f} | {s.hit_at_5:.3f} | {s.mrr:.3f} | "
            f"{s.fact_recall_at_5:.3f} |"
        )
    print("\nhybrid by language:")
    print("| language | questions | hit@1 | hit@5 | MRR |")
    print("|---|---|---|---|---|")
    for language, group in sorted(by_language.items()):
        s = score_retrieval(kb.retriever, group, "hybrid")
        print(f"| {language} | {s.cases} | {s.hit_at_1:.3f} | {s.hit_at_5:.3f} | {s.mrr:.3f} |")
    if hybrid and hybrid.misses:
        print(f"\nhybrid misses at 5: {', '.join(hybrid.misses)}")
    kb.close()


if __name__ == "__main__":
    main()
