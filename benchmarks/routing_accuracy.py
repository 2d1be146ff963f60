"""Offline routing accuracy on evals/datasets/routing.jsonl (never used for training).

    python -m benchmarks.routing_accuracy [--dataset PATH] [--show-errors]

Prints overall and per-language accuracy, urgency accuracy, emergency recall and the
confusion matrix of the offline brain (rules + soft vote of the examples in
graph/verticals/<name>/intents.yaml and graph/prompts/intents.yaml).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from evals.datasets import DATASETS, RoutingCase, load_jsonl
from graph.classifier import ROUTES, OfflineClassifier
from knowledge.embeddings import E5Embedder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=DATASETS / "routing.jsonl")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    cases = load_jsonl(args.dataset, RoutingCase)
    classifier = OfflineClassifier(E5Embedder(), Path(tempfile.gettempdir()) / "sportello-bench")
    started = time.perf_counter()
    _ = classifier.matrix
    print(
        f"{len(classifier.phrases)} training phrases embedded in "
        f"{time.perf_counter() - started:.1f} s (cached afterwards)"
    )
    correct: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    urgency_ok = 0
    emergency_total = emergency_found = 0
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    errors = []
    latencies = []
    for case in cases:
        started = time.perf_counter()
        u = classifier.understand(case.text)
        latencies.append(time.perf_counter() - started)
        totals[case.language] += 1
        totals["all"] += 1
        confusion[case.route][u.route] += 1
        if u.route == case.route:
            correct[case.language] += 1
            correct["all"] += 1
        else:
            errors.append((case.id, case.route, u.route, case.text))
        urgency_ok += u.urgency == case.urgency
        if case.urgency == "emergency":
            emergency_total += 1
            emergency_found += u.urgency == "emergency"
    print(
        f"\n{len(cases)} messages; p50 {sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms "
        "per message\n"
    )
    print("| language | messages | route accuracy |")
    print("|---|---|---|")
    for language in ("it", "en", "fr", "all"):
        print(f"| {language} | {totals[language]} | {correct[language] / totals[language]:.3f} |")
    print(
        f"\nurgency accuracy {urgency_ok / len(cases):.3f}; emergency recall "
        f"{emergency_found}/{emergency_total}"
    )
    print("\nconfusion (rows: expected, columns: predicted)")
    print("| | " + " | ".join(r[:6] for r in ROUTES) + " |")
    print("|---" * (len(ROUTES) + 1) + "|")
    for route in ROUTES:
        print(f"| {route} | " + " | ".join(str(confusion[route][p] or "") for p in ROUTES) + " |")
    if args.show_errors:
        for error in errors:
            print(*error, sep=" | ")


if __name__ == "__main__":
    main()
