"""The server path builds its collection and hybrid query like the embedded engine: RRF with
k=60, and the shards, replication and write consistency from settings."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from qdrant_client import models as m

from knowledge.factory import build_store
from knowledge.schema import SearchFilters
from knowledge.settings import Settings
from knowledge.store import RRF_K, PointData, QdrantClientStore


class RecordingClient:
    """Stands in for QdrantClient (no server here): records what the store asks for."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def collection_exists(self, name: str) -> bool:
        return False

    def create_collection(self, name: str, **kwargs: Any) -> None:
        self.calls.append(("create_collection", kwargs))

    def create_payload_index(self, *args: Any) -> None:
        self.calls.append(("create_payload_index", {"args": args}))

    def query_points(self, name: str, **kwargs: Any) -> SimpleNamespace:
        self.calls.append(("query_points", kwargs))
        return SimpleNamespace(points=[])


def _server_store(**env: Any) -> tuple[QdrantClientStore, RecordingClient]:
    settings = Settings(qdrant_url="http://qdrant.internal:6333", _env_file=None, **env)  # type: ignore[call-arg,arg-type]
    store = build_store(settings)
    assert isinstance(store, QdrantClientStore) and not store.is_local
    store._client.close()
    client = RecordingClient()
    store._client = client  # type: ignore[assignment]
    return store, client


def test_collection_layout_comes_from_settings() -> None:
    store, client = _server_store(
        qdrant_shards=6, qdrant_replication_factor=3, qdrant_write_consistency=2
    )
    store.ensure_collection(384)
    name, created = client.calls[0]
    assert name == "create_collection"
    assert created["shard_number"] == 6
    assert created["replication_factor"] == 3
    assert created["write_consistency_factor"] == 2
    assert created["vectors_config"]["dense"].size == 384


def test_defaults_are_a_single_copy() -> None:
    store, client = _server_store()
    store.ensure_collection(384)
    created = client.calls[0][1]
    assert (
        created["shard_number"],
        created["replication_factor"],
        created["write_consistency_factor"],
    ) == (1, 1, 1)


def test_hybrid_query_fuses_with_the_embedded_engines_rank_constant() -> None:
    store, client = _server_store()
    store.query([0.1] * 384, ([1, 5], [0.5, 0.5]), SearchFilters(), 5)
    name, query = client.calls[-1]
    assert name == "query_points"
    assert query["query"] == m.RrfQuery(rrf=m.Rrf(k=RRF_K)) and RRF_K == 60
    assert [p.using for p in query["prefetch"]] == ["dense", "sparse"]
    assert all(p.limit == 20 for p in query["prefetch"])


def test_local_mode_accepts_the_same_fusion() -> None:
    """qdrant-client's local mode runs the same RrfQuery (with k) as a server would."""
    store = QdrantClientStore("parity")
    store.ensure_collection(2)
    store.upsert(
        [
            PointData(
                id=f"00000000-0000-0000-0000-00000000000{i}",
                dense=[1.0, float(i)],
                sparse=([i], [1.0]),
                payload={},
            )
            for i in range(1, 4)
        ]
    )
    scored = store.query([1.0, 2.0], ([2], [1.0]), SearchFilters(), 3)
    assert scored[0].id.endswith("2")
    assert abs(scored[0].score - 2 / RRF_K) < 1e-6  # best in both arms: 1/k + 1/k
    store.close()
