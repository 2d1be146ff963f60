"""Build the knowledge base from settings: the one place that maps configuration to clients."""

from __future__ import annotations

import logging

from knowledge.base import KnowledgeBase
from knowledge.clock import Clock
from knowledge.embeddings import E5Embedder, Embedder, EmbeddingError, OpenAIEmbedder
from knowledge.registry import DocumentRegistry, make_engine
from knowledge.settings import Settings
from knowledge.store import EdgeStore, QdrantClientStore, StoreError, VectorStore

log = logging.getLogger("sportello.knowledge")


def build_embedder(settings: Settings) -> Embedder:
    if settings.embeddings_provider == "openai":
        assert settings.embeddings_base_url and settings.embeddings_model  # settings validated
        key = settings.embeddings_api_key
        return OpenAIEmbedder(
            str(settings.embeddings_base_url),
            settings.embeddings_model,
            key.get_secret_value() if key else None,
        )
    return E5Embedder()


def build_store(settings: Settings) -> VectorStore:
    if settings.qdrant_url is not None:
        key = settings.qdrant_api_key
        return QdrantClientStore(
            settings.qdrant_collection,
            url=str(settings.qdrant_url),
            api_key=key.get_secret_value() if key else None,
            shards=settings.qdrant_shards,
            replication_factor=settings.qdrant_replication_factor,
            write_consistency_factor=settings.qdrant_write_consistency,
        )
    root = settings.sportello_data_dir / "qdrant"
    if settings.qdrant_embedded == "local":
        return QdrantClientStore(settings.qdrant_collection, path=root / "local")
    return EdgeStore(root / "edge" / settings.qdrant_collection)


def build_knowledge(settings: Settings, clock: Clock | None = None) -> KnowledgeBase:
    """The knowledge base, its collection checked against the configured embedder.

    Raises store.EmbeddingMismatch when the collection was built with another embedding
    model or dimension. Qdrant or the embeddings endpoint being down does not stop start-up:
    the check is then repeated on the first ingestion."""
    settings.sportello_data_dir.mkdir(parents=True, exist_ok=True)
    kb = KnowledgeBase(
        build_store(settings),
        build_embedder(settings),
        DocumentRegistry(make_engine(settings.sqlalchemy_url)),
        clock=clock or settings.make_clock(),
    )
    try:
        kb.check_embedding()
    except (StoreError, EmbeddingError) as exc:
        log.warning("embedding check deferred", extra={"reason": type(exc).__name__})
    except BaseException:
        kb.close()
        raise
    return kb
