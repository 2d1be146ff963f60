"""Filtered hybrid top-5 search latency at 5k and 50k chunks, given the query's vectors.

    python -m benchmarks.search_latency [--sizes 5000 50000] [--queries 300] [--local-max 5000]

Synthetic chunks: random unit 384-d vectors, Zipf-distributed sparse terms (like words), and
payloads with commodity, doc type, language and validity dates. Each query filters by
commodity and an `as_of` date, as the assistant does. Qdrant Edge (the embedded default) is
timed after an ingest as it leaves the shard (optimised into HNSW segments); qdrant-client's
local mode, which runs the same API as a server but brute force in Python, for comparison.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import date, timedelta

import numpy as np

from knowledge.schema import SearchFilters, to_rfc3339
from knowledge.store import EdgeStore, PointData, QdrantClientStore, VectorStore

COMMODITIES = ("electricity", "gas", "water")
DOC_TYPES = ("regulation", "procedure", "tariff", "faq", "guide")


def synthetic_points(n: int, seed: int = 7) -> list[PointData]:
    rng = np.random.default_rng(seed)
    dense = rng.normal(size=(n, 384)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    words = rng.zipf(1.3, size=(n, 60)) % 40_000
    points = []
    for i in range(n):
        terms, counts = np.unique(words[i], return_counts=True)
        start = date(2023, 1, 1) + timedelta(days=int(rng.integers(0, 1000)))
        end = None if rng.random() < 0.7 else start + timedelta(days=int(rng.integers(30, 700)))
        points.append(
            PointData(
                id=str(uuid.UUID(int=i + 1)),
                dense=dense[i],
                sparse=(terms.tolist(), (counts * 2.2 / (counts + 1.2)).tolist()),
                payload={
                    "doc_id": f"doc-{i // 8}",
                    "version": "1",
                    "commodity": [COMMODITIES[i % 3]],
                    "verticals": ["billing"],
                    "doc_type": DOC_TYPES[i % 5],
                    "language": "it",
                    "effective_from": to_rfc3339(start),
                    "effective_to": to_rfc3339(end),
                    "text": "x" * 600,
                    "title": "t",
                    "section": "s",
                },
            )
        )
    return points


def time_queries(store: VectorStore, points: list[PointData], queries: int) -> tuple[float, float]:
    rng = np.random.default_rng(11)
    latencies = []
    for q in range(queries):
        source = points[int(rng.integers(0, len(points)))]
        noisy = np.asarray(source.dense) + rng.normal(scale=0.05, size=384)
        terms = source.sparse[0][:6]
        filters = SearchFilters(commodity=[COMMODITIES[q % 3]], as_of=date(2025, 6, 1))
        started = time.perf_counter()
        store.query(noisy.tolist(), (terms, [1.0] * len(terms)), filters, 5, mode="hybrid")
        latencies.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(latencies, 50)), float(np.percentile(latencies, 95))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--local-max",
        type=int,
        default=5000,
        help="largest size to also time in qdrant-client local mode (slow)",
    )
    args = parser.parse_args()
    print("| store | chunks | upsert s | index s | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        points = synthetic_points(n)
        edge = EdgeStore(tempfile.mkdtemp(prefix="edge-bench-"))
        edge.ensure_collection(384)
        started = time.perf_counter()
        edge.upsert(points)
        upsert = time.perf_counter() - started
        p50, p95 = time_queries(edge, points, args.queries)
        print(f"| Qdrant Edge, unindexed | {n} | {upsert:.1f} | - | {p50:.2f} | {p95:.2f} |")
        started = time.perf_counter()
        edge.optimize()
        index = time.perf_counter() - started
        p50, p95 = time_queries(edge, points, args.queries)
        print(
            f"| Qdrant Edge, optimised | {n} | {upsert:.1f} | {index:.1f} | {p50:.2f} | {p95:.2f} |"
        )
        edge.close()
        if n <= args.local_max:
            local = QdrantClientStore("bench")
            local.ensure_collection(384)
            started = time.perf_counter()
            local.upsert(points)
            upsert = time.perf_counter() - started
            p50, p95 = time_queries(local, points, min(args.queries, 50))
            print(f"| qdrant-client local mode | {n} | {upsert:.1f} | - | {p50:.2f} | {p95:.2f} |")
            local.close()


if __name__ == "__main__":
    main()
