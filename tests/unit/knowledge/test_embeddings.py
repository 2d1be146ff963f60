from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import numpy as np
import pytest

from knowledge.embeddings import E5Embedder, EmbeddingError, OpenAIEmbedder


def test_packaged_model_embeds_multilingual_text(embedder: E5Embedder) -> None:
    passages = embedder.embed_passages(
        [
            "In caso di odore di gas non accendere luci, apri le finestre e chiama il pronto intervento.",
            "La bolletta può essere pagata con domiciliazione bancaria o bollettino.",
        ]
    )
    assert passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-4)
    for question in ("I can smell gas in the kitchen", "ça sent le gaz dans la cuisine"):
        q = embedder.embed_queries([question])[0]
        assert q @ passages[0] > q @ passages[1]


def _fake_embeddings(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    assert request.headers["authorization"] == "Bearer k"
    data = [
        {"index": i, "embedding": [float(len(t)), 1.0, 0.0]} for i, t in enumerate(body["input"])
    ]
    return httpx.Response(200, json={"data": list(reversed(data)), "model": body["model"]})


def test_openai_embedder_orders_and_normalises() -> None:
    embedder = OpenAIEmbedder(
        "http://emb.test/v1",
        "m",
        "k",
        batch_size=2,
        transport=httpx.MockTransport(_fake_embeddings),
    )
    vectors = embedder.embed_passages(["a", "bbb", "cc"])
    assert vectors.shape == (3, 3)
    assert vectors[1][0] > vectors[2][0] > vectors[0][0]
    assert embedder.dim == 3


def test_openai_embedder_errors_are_clear() -> None:
    failing = OpenAIEmbedder(
        "http://emb.test/v1",
        "m",
        transport=httpx.MockTransport(lambda r: httpx.Response(503, json={"error": "down"})),
    )
    with pytest.raises(EmbeddingError, match="503"):
        failing.embed_queries(["x"])
    short = OpenAIEmbedder(
        "http://emb.test/v1",
        "m",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"data": []})),
    )
    with pytest.raises(EmbeddingError, match="asked 1 embeddings, got 0"):
        short.embed_queries(["x"])


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        payload = json.dumps(
            {
                "data": [
                    {"index": i, "embedding": [1.0, float(i)]} for i, _ in enumerate(body["input"])
                ]
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def embeddings_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_openai_embedder_over_real_http(embeddings_server: str) -> None:
    vectors = OpenAIEmbedder(embeddings_server, "e5").embed_queries(["uno", "due"])
    assert vectors.shape == (2, 2)
    assert vectors[0].tolist() == [1.0, 0.0]


def test_repeated_queries_come_from_the_cache_and_match(embedder) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    first = embedder.embed_queries(["soglia ISEE bonus", "autolettura gas", "soglia ISEE bonus"])
    again = embedder.embed_queries(["autolettura gas"])
    assert np.array_equal(first[0], first[2]) and np.array_equal(first[1], again[0])
    assert first.shape == (3, embedder.dim)
    fresh = embedder._embed(["autolettura gas"], "query")  # the model itself, no cache
    assert np.allclose(fresh[0], again[0])
