"""The same behaviour from Qdrant Edge and from qdrant-client (local mode runs the server API)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from knowledge.schema import SearchFilters, to_rfc3339
from knowledge.store import EdgeStore, PointData, QdrantClientStore, VectorStore

DIM = 8


def _vector(seed: int) -> list[float]:
    v = np.random.default_rng(seed).normal(size=DIM)
    return (v / np.linalg.norm(v)).tolist()


def _point(i: int, doc_id: str, commodity: str, start: date, end: date | None, terms: list[int]):
    return PointData(
        id=str(uuid.UUID(int=i + 1)),
        dense=_vector(i),
        sparse=(terms, [1.0] * len(terms)),
        payload={
            "doc_id": doc_id,
            "version": "1",
            "commodity": [commodity],
            "verticals": ["billing"],
            "doc_type": "tariff",
            "language": "it",
            "effective_from": to_rfc3339(start),
            "effective_to": to_rfc3339(end),
            "n": i,
        },
    )


@pytest.fixture
def store(store_kind: str, tmp_path: Path) -> VectorStore:
    s: VectorStore = (
        EdgeStore(tmp_path / "edge") if store_kind == "edge" else QdrantClientStore("t")
    )
    s.ensure_collection(DIM)
    s.upsert(
        [
            _point(0, "luce-2025", "electricity", date(2025, 1, 1), date(2025, 12, 31), [1, 2]),
            _point(1, "luce-2026", "electricity", date(2026, 1, 1), None, [1, 3]),
            _point(2, "gas", "gas", date(2024, 1, 1), None, [4, 5]),
            _point(3, "gas", "gas", date(2024, 1, 1), None, [4, 6]),
        ]
    )
    return s


def _ids(results) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.payload["doc_id"] for r in results]


@pytest.mark.parametrize("mode", ["dense", "sparse", "hybrid"])
def test_query_finds_the_matching_point_first(store: VectorStore, mode: str) -> None:
    results = store.query(_vector(2), ([4, 5], [1.0, 1.0]), SearchFilters(), 3, mode=mode)  # type: ignore[arg-type]
    assert results[0].payload["n"] == 2
    assert all(r.score > 0 for r in results)


def test_keyword_filter(store: VectorStore) -> None:
    results = store.query(_vector(2), ([1], [1.0]), SearchFilters(commodity=["electricity"]), 10)
    assert set(_ids(results)) == {"luce-2025", "luce-2026"}


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2025, 6, 1), "luce-2025"),
        (date(2026, 3, 1), "luce-2026"),
        (date(2025, 12, 31), "luce-2025"),
    ],
)
def test_as_of_selects_the_version_in_force(store: VectorStore, as_of: date, expected: str) -> None:
    flt = SearchFilters(commodity=["electricity"], as_of=as_of)
    assert _ids(store.query(_vector(0), ([1], [1.0]), flt, 10)) == [expected]


def test_nothing_in_force_before_the_first_version(store: VectorStore) -> None:
    flt = SearchFilters(commodity=["electricity"], as_of=date(2020, 1, 1))
    assert store.query(_vector(0), ([1], [1.0]), flt, 10) == []


def test_count_set_payload_delete_scroll(store: VectorStore) -> None:
    assert store.count() == 4
    assert store.count("gas") == 2
    store.set_payload("gas", "1", {"effective_to": to_rfc3339(date(2024, 6, 30))})
    flt = SearchFilters(doc_id=["gas"], as_of=date(2025, 1, 1))
    assert store.query(_vector(2), ([4], [1.0]), flt, 10) == []
    store.delete("gas")
    assert store.count() == 2
    assert sorted(_ids_from(store.scroll())) == ["luce-2025", "luce-2026"]


def _ids_from(payloads) -> list[str]:  # type: ignore[no-untyped-def]
    return [p["doc_id"] for p in payloads]


def test_hybrid_without_sparse_terms_falls_back_to_dense(store: VectorStore) -> None:
    results = store.query(_vector(3), ([], []), SearchFilters(), 1)
    assert results[0].payload["n"] == 3


def test_edge_store_persists_across_reopen(tmp_path: Path) -> None:
    first = EdgeStore(tmp_path / "edge")
    first.ensure_collection(DIM)
    first.upsert([_point(0, "d", "gas", date(2025, 1, 1), None, [1])])
    first.close()
    reopened = EdgeStore(tmp_path / "edge")
    assert reopened.count() == 1
    reopened.close()


def test_edge_store_is_empty_before_any_ingest(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "never")
    assert store.count() == 0
    assert store.query(_vector(0), ([1], [1.0]), SearchFilters(), 5) == []
