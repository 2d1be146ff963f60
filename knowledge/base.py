"""The knowledge base: passages in Qdrant, versions in the registry, and the validity of each version."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from knowledge.clock import SYSTEM_CLOCK, Clock
from knowledge.embeddings import Embedder
from knowledge.registry import DocumentRecord, DocumentRegistry
from knowledge.retriever import Retriever
from knowledge.schema import Chunk, DocumentMeta, to_rfc3339
from knowledge.sparse import encode_passage
from knowledge.store import PointData, VectorStore

log = logging.getLogger("sportello.knowledge")


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the passage with its document title and section for context."""
    head = chunk.title if chunk.section == chunk.title else f"{chunk.title} — {chunk.section}"
    return f"{head}\n{chunk.text}"


class KnowledgeBase:
    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        registry: DocumentRegistry,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.registry = registry
        self.clock = clock
        self.retriever = Retriever(store, embedder, clock=clock)
        self._collection_ready = False

    def check_embedding(self) -> None:
        """At start: refuse a collection built with another embedding model or dimension.

        Raises store.EmbeddingMismatch (naming both models and how to re-ingest); StoreError
        or EmbeddingError when the store or the embeddings endpoint cannot be asked, in which
        case the check happens again on the first ingestion. Nothing to check before the
        collection exists."""
        found = self.store.embedding()
        if found is not None:
            found.check(self.embedder.name, lambda: self.embedder.dim)

    def _ensure_collection(self) -> None:
        """Create the collection recording the embedder, or check the existing one."""
        if not self._collection_ready:
            self.store.ensure_collection(self.embedder.dim, self.embedder.name)
            self._collection_ready = True

    def is_indexed(self, doc_id: str, version: str, content_hash: str) -> bool:
        """True when this exact content is registered and all its passages are in the store."""
        record = self.registry.get(doc_id, version)
        if record is None or record.content_hash != content_hash:
            return False
        return self.store.count(doc_id, version) == record.chunks

    def index_document(
        self, meta: DocumentMeta, chunks: Sequence[Chunk], *, path: str, content_hash: str
    ) -> None:
        """Replace the passages of (doc_id, version) and register the version."""
        self._ensure_collection()
        dense = self.embedder.embed_passages([embedding_text(c) for c in chunks])
        points = [
            PointData(
                id=chunk.point_id,
                dense=dense[i].tolist(),
                sparse=encode_passage(embedding_text(chunk), chunk.language),
                payload=chunk.payload(),
            )
            for i, chunk in enumerate(chunks)
        ]
        self.store.delete(meta.doc_id, meta.version)
        self.store.upsert(points)
        self.registry.upsert(
            DocumentRecord(
                doc_id=meta.doc_id,
                version=meta.version,
                title=meta.title,
                path=path,
                source=meta.source_url or path,
                doc_type=meta.doc_type,
                language=meta.language,
                content_hash=content_hash,
                chunks=len(chunks),
                declared_from=meta.effective_from,
                declared_to=meta.effective_to,
                effective_to=meta.effective_to,
                ingested_at=self.clock.utcnow(),
            )
        )
        self.refresh_validity(meta.doc_id)

    def refresh_validity(self, doc_id: str) -> None:
        """A newer version ends the one before it the day before it takes effect.

        Recomputed from the declared dates of all versions, so ingesting out of order or
        deleting a version gives the same result as ingesting in order.
        """
        versions = self.registry.versions(doc_id)
        for index, record in enumerate(versions):
            end = record.declared_to
            if index + 1 < len(versions):
                cap = versions[index + 1].declared_from - timedelta(days=1)
                end = cap if end is None else min(end, cap)
            if end != record.effective_to:
                self.registry.set_effective_to(doc_id, record.version, end)
                self.store.set_payload(doc_id, record.version, {"effective_to": to_rfc3339(end)})
                log.info("validity changed", extra={"doc_id": doc_id, "version": record.version})

    def remove(self, doc_id: str, version: str | None = None) -> list[DocumentRecord]:
        """Delete a document (every version, or one); returns what was removed."""
        removed = [
            r for r in self.registry.versions(doc_id) if version is None or r.version == version
        ]
        if removed:
            self.store.delete(doc_id, version)
            self.registry.remove(doc_id, version)
            self.refresh_validity(doc_id)
        return removed

    def documents(self) -> list[DocumentRecord]:
        return self.registry.all()

    def close(self) -> None:
        self.store.close()
        self.registry.engine.dispose()
