"""Hybrid retrieval (dense + BM25-style sparse, fused with RRF) with filters and citations."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from knowledge.clock import SYSTEM_CLOCK, Clock
from knowledge.embeddings import Embedder, EmbeddingError
from knowledge.glossary import expand_query
from knowledge.language import detect_language
from knowledge.schema import Chunk, Hit, SearchFilters
from knowledge.sparse import encode_query
from knowledge.store import SearchMode, StoreError, VectorStore

log = logging.getLogger("sportello.knowledge")
Dependency = Literal["qdrant", "embeddings"]

# Answers given without the documents because a dependency was down (this process), by
# dependency: counted by the graph when it degrades, read by /metrics.
DEGRADED_ANSWERS: Counter[str] = Counter()
_degraded_lock = threading.Lock()


class KnowledgeUnavailable(RuntimeError):
    """Raised by a search when the vector store or the embeddings endpoint cannot be reached
    (down, timing out, refusing): the documents cannot be consulted right now. Anything
    that can answer without them carries on."""

    def __init__(self, dependency: Dependency, detail: str) -> None:
        super().__init__(f"knowledge base unavailable ({dependency}): {detail}")
        self.dependency: Dependency = dependency


def count_degraded_answer(dependency: str) -> None:
    """Record one answer given without the documents (for /metrics)."""
    with _degraded_lock:
        DEGRADED_ANSWERS[dependency] += 1
    log.warning("documents unavailable, degraded answer", extra={"dependency": dependency})


class Citation(BaseModel):
    doc_id: str
    title: str
    section: str
    source: str

    @classmethod
    def from_hit(cls, hit: Hit) -> Citation:
        return cls(doc_id=hit.doc_id, title=hit.title, section=hit.section, source=hit.source)


class SearchQuery(BaseModel):
    query: str
    k: int = 5
    filters: SearchFilters = SearchFilters()


class Retriever:
    """Searches the passages in force on a date (today unless `as_of` says otherwise)."""

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        *,
        expand_queries: bool = True,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.expand_queries = expand_queries
        self.clock = clock  # today's date in Italy decides which tariff or rule is in force

    def embed_ahead(self, query: str) -> None:
        """Embed `query` now, for a search that may follow (the embedder keeps its vector):
        the graph calls this while a chat model decides the route, so the search that
        follows finds the vector ready. Nothing happens with an embedder that keeps no
        vectors, and a failure is left for the search itself to report."""
        if not getattr(self.embedder, "caches_queries", False):
            return
        try:
            self.embedder.embed_queries([expand_query(query) if self.expand_queries else query])
        except EmbeddingError:
            log.debug("embedding ahead failed; the search will try again")

    def search(
        self,
        query: str,
        k: int = 5,
        filters: SearchFilters | None = None,
        *,
        mode: SearchMode = "hybrid",
        language: str | None = None,
    ) -> list[Hit]:
        return self.search_many(
            [SearchQuery(query=query, k=k, filters=filters or SearchFilters())],
            mode=mode,
            language=language,
        )[0]

    def search_many(
        self,
        queries: Sequence[SearchQuery],
        *,
        mode: SearchMode = "hybrid",
        language: str | None = None,
    ) -> list[list[Hit]]:
        """Several searches with one batched embedding call.

        Raises KnowledgeUnavailable when the embeddings endpoint or the store is down."""
        if not queries:
            return []
        expanded = [expand_query(q.query) if self.expand_queries else q.query for q in queries]
        try:
            dense = self.embedder.embed_queries(expanded) if mode != "sparse" else None
        except EmbeddingError as exc:
            raise KnowledgeUnavailable("embeddings", str(exc)) from exc
        results: list[list[Hit]] = []
        for index, q in enumerate(queries):
            filters = q.filters
            if filters.as_of is None:
                filters = filters.model_copy(update={"as_of": self.clock.today()})
            sparse = encode_query(expanded[index], language or detect_language(q.query))
            try:
                scored = self.store.query(
                    dense[index].tolist() if dense is not None else None,
                    sparse,
                    filters,
                    q.k,
                    mode=mode,
                )
            except StoreError as exc:
                raise KnowledgeUnavailable("qdrant", str(exc)) from exc
            results.append([Hit.from_chunk(Chunk.from_payload(s.payload), s.score) for s in scored])
        return results
