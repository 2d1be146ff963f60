"""Qdrant storage for passages: one hybrid collection (dense + sparse), two ways to run it.

- `QdrantClientStore`: qdrant-client against a server or cluster (`QDRANT_URL`), or its
  local mode (`:memory:` or a path) which runs the same API in Python, used by tests.
- `EdgeStore`: Qdrant's own engine in-process (qdrant-edge-py), the embedded default: real
  HNSW and payload indexes, so filtered hybrid queries stay fast at tens of thousands of chunks.

Both take and return the same neutral types, so everything above this module is one code path.

Each collection records the embedding model and dimension it was built with (collection
metadata in Qdrant, a small JSON file inside the Edge shard's folder), and refuses vectors
from any other model: vectors of two models are not comparable, so they must never be mixed.
"""

from __future__ import annotations

import json
import logging
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol

from knowledge.schema import DATETIME_FIELDS, KEYWORD_FIELDS, SearchFilters, to_rfc3339

DENSE = "dense"
SPARSE = "sparse"
SearchMode = Literal["hybrid", "dense", "sparse"]
PREFETCH_FACTOR = 4  # each arm of a hybrid query fetches k * this before fusion
RRF_K = 60
MODEL_KEY = "embedding_model"  # collection metadata: the embedder's `name`
DIM_KEY = "embedding_dim"  # and its `dim`
EDGE_EMBEDDING_FILE = "sportello_embedding.json"  # in the Edge shard's folder

log = logging.getLogger("sportello.knowledge")


class StoreError(RuntimeError):
    """Raised when the vector store cannot be reached or rejects an operation."""


class EmbeddingMismatch(RuntimeError):
    """The collection was built with another embedding model or dimension than the one
    configured. Not a StoreError: it is not an outage to degrade around but a configuration
    to fix, so it stops start-up and ingestion."""


@dataclass(frozen=True)
class CollectionEmbedding:
    """What an existing collection's dense vectors were made with.

    `model` is None for a collection created before the model was recorded; its dimension
    is always known (from the vector configuration itself). `where` names the collection and
    `reset` says how to start it afresh, for the error message.
    """

    model: str | None
    dim: int
    where: str
    reset: str

    def check(self, model: str | None, dim: int | Callable[[], int]) -> None:
        """Raise EmbeddingMismatch unless `model` (when both are known) and `dim` match.

        `dim` may be a callable, evaluated only when the names agree (an endpoint embedder
        probes its endpoint to learn its dimension)."""
        if model is not None and self.model is not None and model != self.model:
            raise EmbeddingMismatch(self._message(model, dim))
        actual = dim() if callable(dim) else dim
        if actual != self.dim:
            raise EmbeddingMismatch(self._message(model, actual))

    def _message(self, model: str | None, dim: int | Callable[[], int]) -> str:
        built = f"{self.model!r}" if self.model else "an unrecorded embedding model"
        size = f" ({dim} dimensions)" if isinstance(dim, int) else ""
        configured = f"is {model!r}{size}" if model else f"makes vectors of {dim} dimensions"
        back = (
            f"; or configure {self.model!r} again (EMBEDDINGS_PROVIDER, EMBEDDINGS_MODEL)"
            if self.model and model != self.model
            else ""
        )
        return (
            f"{self.where} was built with {built} ({self.dim} dimensions), but the configured "
            f"embedder {configured}. Vectors of different models cannot be compared, "
            f"so nothing is mixed into it. Re-ingest with the configured model: {self.reset}, "
            f"then run `sportello ingest` on your documents (registered documents are "
            f"indexed again){back}."
        )


def embedding_metadata(model: str | None, dim: int) -> dict[str, object]:
    """What a new collection records about its vectors."""
    return {DIM_KEY: dim} if model is None else {MODEL_KEY: model, DIM_KEY: dim}


def _unreachable() -> tuple[type[BaseException], ...]:
    """What qdrant-client raises when the server is down, slow or refuses a request (HTTP
    errors, timeouts, a missing collection). Called in `except` clauses, so qdrant-client is
    imported only when something failed."""
    import httpx
    from qdrant_client.http.exceptions import ApiException

    return (ApiException, httpx.HTTPError, OSError)


@dataclass(frozen=True)
class PointData:
    id: str
    dense: Sequence[float]
    sparse: tuple[list[int], list[float]]
    payload: dict[str, object]


@dataclass(frozen=True)
class ScoredPayload:
    id: str
    score: float
    payload: dict[str, object]


class VectorStore(Protocol):
    def ensure_collection(self, dim: int, model: str | None = None) -> None: ...
    def embedding(self) -> CollectionEmbedding | None: ...
    def upsert(self, points: Sequence[PointData]) -> None: ...
    def delete(self, doc_id: str, version: str | None = None) -> None: ...
    def set_payload(self, doc_id: str, version: str, payload: dict[str, object]) -> None: ...
    def count(self, doc_id: str | None = None, version: str | None = None) -> int: ...
    def scroll(self, doc_id: str | None = None) -> Iterator[dict[str, object]]: ...
    def query(
        self,
        dense: Sequence[float] | None,
        sparse: tuple[list[int], list[float]] | None,
        filters: SearchFilters,
        k: int,
        mode: SearchMode = "hybrid",
    ) -> list[ScoredPayload]: ...
    def optimize(self) -> None: ...
    def close(self) -> None: ...


def _ranked(points: Iterable[ScoredPayload]) -> list[ScoredPayload]:
    """Best first; equal scores (frequent with rank fusion) ordered by id, so a search gives
    the same order in every process."""
    return sorted(points, key=lambda p: (-round(p.score, 9), p.id))


def _validity(as_of: date) -> list[tuple[str, dict[str, str]]]:
    """Datetime ranges meaning: in force on `as_of` (open ends are stored as 9999-12-31)."""
    instant = to_rfc3339(as_of)
    return [("effective_from", {"lte": instant}), ("effective_to", {"gte": instant})]


# --------------------------------------------------------------------------- qdrant-client


class QdrantClientStore:
    """qdrant-client: `url` for a server or cluster; `location=":memory:"` or `path` for local mode."""

    def __init__(
        self,
        collection: str,
        *,
        url: str | None = None,
        api_key: str | None = None,
        location: str | None = None,
        path: str | Path | None = None,
        timeout: int = 30,
        shards: int = 1,
        replication_factor: int = 1,
        write_consistency_factor: int = 1,
    ) -> None:
        from qdrant_client import QdrantClient

        self.collection = collection
        # Cluster layout, applied only when this store creates the collection on a server.
        self.shards = shards
        self.replication_factor = replication_factor
        self.write_consistency_factor = write_consistency_factor
        if url:
            self._client = QdrantClient(url=url, api_key=api_key, timeout=timeout)
        elif path is not None:
            self._client = QdrantClient(path=str(path))
        else:
            self._client = QdrantClient(location=location or ":memory:")
        self.is_local = not url

    def _described(self, info: Any) -> CollectionEmbedding:
        """The embedding recorded in a collection's info (`get_collection`)."""
        vectors = info.config.params.vectors
        params = vectors.get(DENSE) if isinstance(vectors, dict) else None
        if params is None:
            raise StoreError(
                f"Qdrant collection {self.collection!r} has no {DENSE!r} vector: "
                "it was not created by Sportello; set QDRANT_COLLECTION to another name"
            )
        model = (info.config.metadata or {}).get(MODEL_KEY)
        return CollectionEmbedding(
            model=str(model) if model else None,
            dim=int(params.size),
            where=f"Qdrant collection {self.collection!r}",
            reset=(
                "set QDRANT_COLLECTION to a new name, or delete this collection "
                f"(DELETE /collections/{self.collection})"
            ),
        )

    def embedding(self) -> CollectionEmbedding | None:
        """What the collection was built with; None before it exists."""
        try:
            if not self._client.collection_exists(self.collection):
                return None
            info = self._client.get_collection(self.collection)
        except Exception as exc:  # connection refused, auth, timeouts
            raise StoreError(f"Qdrant collection {self.collection!r}: {exc}") from exc
        return self._described(info)

    def ensure_collection(self, dim: int, model: str | None = None) -> None:
        """Create the collection (recording `model` and `dim`) or check the existing one
        against them; then create whatever payload index is missing. Safe to call again,
        and from several processes at once."""
        try:
            created = not self._client.collection_exists(self.collection) and self._create(
                dim, model
            )
            self._ensure_payload_indexes(set() if created else self._check(dim, model))
        except (EmbeddingMismatch, StoreError):
            raise
        except Exception as exc:  # connection refused, auth, bad config
            raise StoreError(f"Qdrant collection {self.collection!r}: {exc}") from exc

    def _check(self, dim: int, model: str | None) -> set[str]:
        """Check an existing collection's embedding; returns its indexed payload fields."""
        info = self._client.get_collection(self.collection)
        found = self._described(info)
        found.check(model, dim)
        if model is not None and found.model is None:
            # Created before the model was recorded: from now on it is.
            log.warning(
                "collection had no recorded embedding model; recording the configured one",
                extra={"collection": self.collection, "model": model},
            )
            self._client.update_collection(self.collection, metadata=embedding_metadata(model, dim))
        return set(info.payload_schema or {})

    def _create(self, dim: int, model: str | None) -> bool:
        """Create the collection; False when another process created it meanwhile."""
        from qdrant_client import models as m

        try:
            self._client.create_collection(
                self.collection,
                vectors_config={DENSE: m.VectorParams(size=dim, distance=m.Distance.COSINE)},
                sparse_vectors_config={SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
                shard_number=self.shards,
                replication_factor=self.replication_factor,
                write_consistency_factor=self.write_consistency_factor,
                metadata=embedding_metadata(model, dim),
            )
        except Exception:
            if self._client.collection_exists(self.collection):
                return False
            raise
        return True

    def _ensure_payload_indexes(self, indexed: set[str]) -> None:
        """Index the filtered fields not indexed yet (a server answers an index that exists
        with success too, so a concurrent creator is harmless)."""
        from qdrant_client import models as m

        wanted = [(f, m.PayloadSchemaType.KEYWORD) for f in KEYWORD_FIELDS] + [
            (f, m.PayloadSchemaType.DATETIME) for f in DATETIME_FIELDS
        ]
        with warnings.catch_warnings():
            # Local mode ignores payload indexes (and says so); a server builds them.
            warnings.simplefilter("ignore")
            for field, schema in wanted:
                if field not in indexed:
                    self._client.create_payload_index(self.collection, field, schema)

    def _filter(self, filters: SearchFilters | None = None, **exact: str | None):  # type: ignore[no-untyped-def]
        from qdrant_client import models as m

        must: list[m.Condition] = [
            m.FieldCondition(key=key, match=m.MatchValue(value=value))
            for key, value in exact.items()
            if value is not None
        ]
        if filters is not None:
            for key, values in filters.keyword_conditions().items():
                must.append(m.FieldCondition(key=key, match=m.MatchAny(any=values)))
            if filters.as_of is not None:
                for key, bounds in _validity(filters.as_of):
                    must.append(m.FieldCondition(key=key, range=m.DatetimeRange(**bounds)))  # type: ignore[arg-type]
        return m.Filter(must=must) if must else None

    def upsert(self, points: Sequence[PointData]) -> None:
        from qdrant_client import models as m

        structs = [
            m.PointStruct(
                id=p.id,
                vector={
                    DENSE: list(map(float, p.dense)),
                    SPARSE: m.SparseVector(indices=p.sparse[0], values=p.sparse[1]),
                },
                payload=p.payload,
            )
            for p in points
        ]
        for start in range(0, len(structs), 256):
            self._client.upsert(self.collection, structs[start : start + 256], wait=True)

    def delete(self, doc_id: str, version: str | None = None) -> None:
        from qdrant_client import models as m

        selector = m.FilterSelector(filter=self._filter(doc_id=doc_id, version=version))
        self._client.delete(self.collection, points_selector=selector, wait=True)

    def set_payload(self, doc_id: str, version: str, payload: dict[str, object]) -> None:
        self._client.set_payload(
            self.collection,
            payload=payload,
            points=self._filter(doc_id=doc_id, version=version),
            wait=True,
        )

    def count(self, doc_id: str | None = None, version: str | None = None) -> int:
        flt = self._filter(doc_id=doc_id, version=version)
        try:
            return self._client.count(self.collection, count_filter=flt, exact=True).count
        except _unreachable() as exc:
            raise StoreError(f"Qdrant count on {self.collection!r}: {exc}") from exc

    def scroll(self, doc_id: str | None = None) -> Iterator[dict[str, object]]:
        offset = None
        while True:
            records, offset = self._client.scroll(
                self.collection,
                scroll_filter=self._filter(doc_id=doc_id),
                limit=512,
                offset=offset,
                with_payload=True,
                with_vectors=False,
            )
            for record in records:
                yield dict(record.payload or {})
            if offset is None:
                return

    def query(self, dense, sparse, filters, k, mode="hybrid"):  # type: ignore[no-untyped-def]
        try:
            return self._query(dense, sparse, filters, k, mode)
        except _unreachable() as exc:
            raise StoreError(f"Qdrant query on {self.collection!r}: {exc}") from exc

    def _query(self, dense, sparse, filters, k, mode):  # type: ignore[no-untyped-def]
        from qdrant_client import models as m

        flt = self._filter(filters)
        sparse_q = m.SparseVector(indices=sparse[0], values=sparse[1]) if sparse else None
        if mode == "dense" or (mode == "hybrid" and not (sparse and sparse[0])):
            response = self._client.query_points(
                self.collection,
                query=list(dense),
                using=DENSE,
                query_filter=flt,
                limit=k,
                with_payload=True,
            )
        elif mode == "sparse":
            if not sparse or not sparse[0]:
                return []
            response = self._client.query_points(
                self.collection,
                query=sparse_q,
                using=SPARSE,
                query_filter=flt,
                limit=k,
                with_payload=True,
            )
        else:
            prefetch = [
                m.Prefetch(query=list(dense), using=DENSE, filter=flt, limit=k * PREFETCH_FACTOR),
                m.Prefetch(query=sparse_q, using=SPARSE, filter=flt, limit=k * PREFETCH_FACTOR),
            ]
            response = self._client.query_points(
                self.collection,
                prefetch=prefetch,
                # The same rank constant as the embedded engine (qdrant-client's default is 2).
                query=m.RrfQuery(rrf=m.Rrf(k=RRF_K)),
                query_filter=flt,
                limit=k,
                with_payload=True,
            )
        return _ranked(
            ScoredPayload(id=str(p.id), score=float(p.score), payload=dict(p.payload or {}))
            for p in response.points
        )

    def optimize(self) -> None:
        """Nothing to do: a Qdrant server optimises in the background."""

    def close(self) -> None:
        self._client.close()


# --------------------------------------------------------------------------- qdrant-edge


class EdgeStore:
    """Qdrant Edge: Qdrant's Rust engine in this process, persisted under `path`.

    A shard is single-writer; a lock serialises updates from this process's threads.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._shard: Any = None  # qdrant_edge.EdgeShard once created or loaded
        self._lock = threading.RLock()
        if (self.path / "edge_config.json").exists() or any(self.path.glob("segments*")):
            self._open()

    def _open(self, config=None) -> None:  # type: ignore[no-untyped-def]
        import qdrant_edge as qe

        try:
            self._shard = qe.EdgeShard.load(str(self.path), config)
        except Exception as exc:
            raise StoreError(
                f"cannot open the embedded Qdrant shard at {self.path}: {exc}"
            ) from exc

    @property
    def shard(self):  # type: ignore[no-untyped-def]
        if self._shard is None:
            raise StoreError("the collection does not exist yet: ingest documents first")
        return self._shard

    def embedding(self) -> CollectionEmbedding | None:
        """What the shard was built with; None before it exists.

        The dimension comes from the shard's own `edge_config.json`, the model from
        `sportello_embedding.json` beside it (absent for shards made before it was recorded).
        """
        if self._shard is None:
            return None
        recorded = self._read_json(EDGE_EMBEDDING_FILE)
        config = self._read_json("edge_config.json")
        dim = config.get("vectors", {}).get(DENSE, {}).get("size", recorded.get(DIM_KEY))
        if dim is None:
            return None  # nothing to compare with
        model = recorded.get(MODEL_KEY)
        return CollectionEmbedding(
            model=str(model) if model else None,
            dim=int(dim),
            where=f"the embedded Qdrant shard at {self.path}",
            reset=(
                f"set QDRANT_COLLECTION to a new name, or stop the service and delete "
                f"the folder {self.path}"
            ),
        )

    def _read_json(self, name: str) -> dict[str, Any]:
        try:
            data = json.loads((self.path / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read {self.path / name}: {exc}") from exc
        return data if isinstance(data, dict) else {}

    def _record_embedding(self, model: str | None, dim: int) -> None:
        target = self.path / EDGE_EMBEDDING_FILE
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(embedding_metadata(model, dim)), encoding="utf-8")
        temporary.replace(target)

    def ensure_collection(self, dim: int, model: str | None = None) -> None:
        """Create the shard (recording `model` and `dim`) or check the existing one against
        them; then create whatever payload index is missing. Safe to call again."""
        import qdrant_edge as qe

        with self._lock:
            created = False
            if self._shard is None:
                config = qe.EdgeConfig(
                    vectors={DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)},
                    sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
                )
                self.path.mkdir(parents=True, exist_ok=True)
                try:
                    self._shard = qe.EdgeShard.create(str(self.path), config)
                    created = True
                except Exception:
                    self._open(config)  # created by an earlier run that left no marker we know
            found = None if created else self.embedding()
            if found is not None:
                found.check(model, dim)
            if created or (model is not None and (found is None or found.model is None)):
                if not created:
                    log.warning(
                        "shard had no recorded embedding model; recording the configured one",
                        extra={"path": str(self.path), "model": model},
                    )
                self._record_embedding(model, dim)
            indexed = set(self.shard.info().payload_schema)
            wanted = [(f, qe.PayloadSchemaType.Keyword) for f in KEYWORD_FIELDS] + [
                (f, qe.PayloadSchemaType.Datetime) for f in DATETIME_FIELDS
            ]
            for field, schema in wanted:
                if field not in indexed:
                    self.shard.update(qe.UpdateOperation.create_field_index(field, schema))

    def _filter(self, filters: SearchFilters | None = None, **exact: str | None):  # type: ignore[no-untyped-def]
        import qdrant_edge as qe

        must: list = [
            qe.FieldCondition(key=key, match=qe.MatchValue(value))
            for key, value in exact.items()
            if value is not None
        ]
        if filters is not None:
            for key, values in filters.keyword_conditions().items():
                must.append(qe.FieldCondition(key=key, match=qe.MatchAny(values)))
            if filters.as_of is not None:
                for key, bounds in _validity(filters.as_of):
                    must.append(qe.FieldCondition(key=key, range=qe.RangeDateTime(**bounds)))
        return qe.Filter(must=must) if must else None

    def upsert(self, points: Sequence[PointData]) -> None:
        import qdrant_edge as qe

        with self._lock:
            for start in range(0, len(points), 512):
                batch = [
                    qe.Point(
                        id=p.id,
                        vector={
                            DENSE: list(map(float, p.dense)),
                            SPARSE: qe.SparseVector(list(p.sparse[0]), list(p.sparse[1])),
                        },
                        payload=p.payload,
                    )
                    for p in points[start : start + 512]
                ]
                self.shard.update(qe.UpdateOperation.upsert_points(batch))
            self.shard.flush()

    def delete(self, doc_id: str, version: str | None = None) -> None:
        import qdrant_edge as qe

        if self._shard is None:
            return
        with self._lock:
            flt = self._filter(doc_id=doc_id, version=version)
            self.shard.update(qe.UpdateOperation.delete_points_by_filter(flt))
            self.shard.flush()

    def set_payload(self, doc_id: str, version: str, payload: dict[str, object]) -> None:
        import qdrant_edge as qe

        with self._lock:
            flt = self._filter(doc_id=doc_id, version=version)
            self.shard.update(qe.UpdateOperation.set_payload_by_filter(flt, payload))
            self.shard.flush()

    def count(self, doc_id: str | None = None, version: str | None = None) -> int:
        import qdrant_edge as qe

        if self._shard is None:
            return 0
        flt = self._filter(doc_id=doc_id, version=version)
        return int(self.shard.count(qe.CountRequest(exact=True, filter=flt)))

    def scroll(self, doc_id: str | None = None) -> Iterator[dict[str, object]]:
        import qdrant_edge as qe

        if self._shard is None:
            return
        offset = None
        while True:
            records, offset = self.shard.scroll(
                qe.ScrollRequest(
                    offset=offset,
                    limit=512,
                    filter=self._filter(doc_id=doc_id),
                    with_payload=True,
                    with_vector=False,
                )
            )
            for record in records:
                yield dict(record.payload or {})
            if offset is None:
                return

    def query(self, dense, sparse, filters, k, mode="hybrid"):  # type: ignore[no-untyped-def]
        import qdrant_edge as qe

        if self._shard is None:
            return []
        flt = self._filter(filters)
        sparse_q = qe.SparseVector(list(sparse[0]), list(sparse[1])) if sparse else None
        if mode == "dense" or (mode == "hybrid" and not (sparse and sparse[0])):
            request = qe.QueryRequest(
                limit=k,
                query=qe.Query.Nearest(list(dense), using=DENSE),
                filter=flt,
                with_payload=True,
            )
        elif mode == "sparse":
            if not sparse or not sparse[0]:
                return []
            request = qe.QueryRequest(
                limit=k,
                query=qe.Query.Nearest(sparse_q, using=SPARSE),
                filter=flt,
                with_payload=True,
            )
        else:
            request = qe.QueryRequest(
                limit=k,
                prefetches=[
                    qe.Prefetch(
                        limit=k * PREFETCH_FACTOR,
                        filter=flt,
                        query=qe.Query.Nearest(list(dense), using=DENSE),
                    ),
                    qe.Prefetch(
                        limit=k * PREFETCH_FACTOR,
                        filter=flt,
                        query=qe.Query.Nearest(sparse_q, using=SPARSE),
                    ),
                ],
                query=qe.Fusion.Rrf(k=RRF_K),
                filter=flt,
                with_payload=True,
            )
        return _ranked(
            ScoredPayload(id=str(p.id), score=float(p.score), payload=dict(p.payload or {}))
            for p in self.shard.query(request)
        )

    def optimize(self) -> None:
        """Merge segments and build the HNSW and payload indexes (blocking, in-process).

        Edge has no background optimiser: without this, searches scan appendable segments.
        """
        with self._lock:
            if self._shard is not None:
                self._shard.optimize()

    def close(self) -> None:
        with self._lock:
            if self._shard is not None:
                self._shard.close()
                self._shard = None
