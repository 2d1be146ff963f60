"""Dependency outages degrade, never crash: Qdrant or the embeddings endpoint down at start-up
or in the middle of a conversation, through the real graph, the CLI, /readyz and /metrics."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from knowledge.embeddings import OpenAIEmbedder
from knowledge.retriever import DEGRADED_ANSWERS, KnowledgeUnavailable, Retriever
from knowledge.schema import SearchFilters
from knowledge.store import QdrantClientStore, ScoredPayload, StoreError, VectorStore
from tests.conftest import converse, run_cli

QUESTION = "Come si fa l'autolettura del gas?"
UNAVAILABLE = {
    "it": "non riesco a consultare i nostri documenti",
    "en": "can't consult our documents right now",
    "fr": "ne peux pas consulter nos documents",
}
GIULIA = "LM00010001"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dead_qdrant() -> QdrantClientStore:
    return QdrantClientStore("sportello_kb", url=f"http://127.0.0.1:{closed_port()}", timeout=2)


def dead_embedder() -> OpenAIEmbedder:
    return OpenAIEmbedder(f"http://127.0.0.1:{closed_port()}/v1", "text-embedding-3-small")


class FlakyStore:
    """A working store until `down` is set: then it fails as a Qdrant server that went away."""

    def __init__(self, store: VectorStore) -> None:
        self.store = store
        self.down = False

    def query(  # type: ignore[no-untyped-def]
        self, dense, sparse, filters, k, mode="hybrid"
    ) -> list[ScoredPayload]:
        if self.down:
            raise StoreError("Qdrant query: [Errno 111] Connection refused")
        return self.store.query(dense, sparse, filters, k, mode=mode)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.store, name)


# --------------------------------------------------------------------------- retriever


def test_server_down_is_one_clear_exception(embedder) -> None:  # type: ignore[no-untyped-def]
    store = dead_qdrant()  # start-up: constructing the client does not fail
    retriever = Retriever(store, embedder)
    with pytest.raises(KnowledgeUnavailable) as caught:
        retriever.search(QUESTION, filters=SearchFilters(verticals=["self_reading"]))
    assert caught.value.dependency == "qdrant"
    assert isinstance(caught.value.__cause__, StoreError)
    with pytest.raises(StoreError):
        store.count()
    store.close()


def test_embeddings_down_is_one_clear_exception(corpus_kb) -> None:  # type: ignore[no-untyped-def]
    retriever = Retriever(corpus_kb.store, dead_embedder())
    with pytest.raises(KnowledgeUnavailable) as caught:
        retriever.search(QUESTION)
    assert caught.value.dependency == "embeddings"
    # Keyword search needs no embeddings and still works.
    assert retriever.search(QUESTION, mode="sparse")


# --------------------------------------------------------------------------- the graph


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("it", QUESTION),
        ("en", "How do I send a gas meter reading myself?"),
        ("fr", "Comment faire l'autorelève du compteur de gaz ?"),
    ],
)
def test_qdrant_down_from_start_gives_the_degraded_reply(  # type: ignore[no-untyped-def]
    make_graph, language: str, question: str
) -> None:
    graph, deps = make_graph()
    deps.retriever = Retriever(dead_qdrant(), deps.retriever.embedder, clock=deps.retriever.clock)
    before = DEGRADED_ANSWERS["qdrant"]
    (result,) = converse(graph, question, user=f"wa-down-{language}")
    assert result.language == language
    assert UNAVAILABLE[language] in (result.reply or "")
    assert not result.citations and not result.handoff
    assert [a.ok for a in result.actions if a.tool == "search_knowledge"] == [False]
    assert DEGRADED_ANSWERS["qdrant"] > before


def test_qdrant_failing_in_the_middle_of_a_conversation(make_graph) -> None:  # type: ignore[no-untyped-def]
    graph, deps = make_graph()
    flaky = FlakyStore(deps.retriever.store)
    deps.retriever = Retriever(flaky, deps.retriever.embedder, clock=deps.retriever.clock)
    (answered,) = converse(graph, QUESTION, user="wa-flaky")
    assert answered.citations and UNAVAILABLE["it"] not in (answered.reply or "")
    flaky.down = True
    degraded, handed = converse(
        graph, "e per la luce come si fa l'autolettura?", "OPERATORE", user="wa-flaky"
    )
    assert UNAVAILABLE["it"] in (degraded.reply or "") and not degraded.citations
    assert handed.handoff  # the operator offered is one word away
    flaky.down = False
    (back,) = converse(graph, QUESTION, user="wa-back")
    assert back.citations


def test_embeddings_down_gives_the_degraded_reply(make_graph) -> None:  # type: ignore[no-untyped-def]
    graph, deps = make_graph()
    deps.retriever = Retriever(deps.retriever.store, dead_embedder(), clock=deps.retriever.clock)
    (result,) = converse(graph, QUESTION, user="wa-no-embeddings")
    assert UNAVAILABLE["it"] in (result.reply or "")
    assert DEGRADED_ANSWERS["embeddings"] >= 1


def test_procedures_without_documents_carry_on_with_qdrant_down(make_graph) -> None:  # type: ignore[no-untyped-def]
    graph, deps = make_graph()
    deps.retriever = Retriever(dead_qdrant(), deps.retriever.embedder, clock=deps.retriever.clock)
    results = converse(
        graph,
        "vorrei pagare a rate la bolletta del gas",
        GIULIA,
        "123456",
        "6",
        "sì",
        user="wa-inst-down",
    )
    offer, done = results[2], results[4]
    assert offer.route == "instalments" and offer.choices
    assert "create_instalment_plan" in {a.tool for a in done.actions}
    assert any(
        p.status == "active" and len(p.instalments) == 6 for p in deps.backend.list_plans(GIULIA)
    )


def test_every_document_lookup_in_the_verticals_survives_qdrant_down(make_graph) -> None:  # type: ignore[no-untyped-def]
    """Verticals that quote or cite documents directly (bonus, onboarding, contracts,
    billing, outage) answer without them instead of failing the turn."""
    graph, deps = make_graph()
    deps.retriever = Retriever(dead_qdrant(), deps.retriever.embedder, clock=deps.retriever.clock)
    for index, text in enumerate(
        [
            "chi ha diritto al bonus sociale?",
            "sono un nuovo cliente, come funziona la prima bolletta?",
            "quali offerte avete per il gas?",
            "perché la bolletta è così alta?",
            "manca la luce in casa",
        ]
    ):
        (result,) = converse(graph, text, user=f"wa-verticals-{index}")
        assert result.reply


# --------------------------------------------------------------------------- the CLI


def _ask(runtime_dir: Path, env: dict[str, str], text: str = QUESTION):  # type: ignore[no-untyped-def]
    return run_cli("ask", text, data_dir=runtime_dir, env={"DO_NOT_TRACK": "1", **env})


def test_sportello_ask_with_qdrant_down(runtime_dir: Path) -> None:
    out = _ask(runtime_dir, {"QDRANT_URL": f"http://127.0.0.1:{closed_port()}"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert UNAVAILABLE["it"] in out.stdout
    assert "Traceback" not in out.stderr


def test_sportello_ask_with_embeddings_down(runtime_dir: Path) -> None:
    # A deployment whose documents were indexed through the endpoint's model, which is now
    # down. (The bundled shard was built with the embedded model: start-up refuses to mix
    # the two, tested in test_collection_metadata, so this one gets its own collection.)
    from knowledge.store import EdgeStore

    shard = EdgeStore(runtime_dir / "qdrant" / "edge" / "kb_endpoint")
    shard.ensure_collection(1536, dead_embedder().name)
    shard.close()
    env = {
        "EMBEDDINGS_PROVIDER": "openai",
        "EMBEDDINGS_BASE_URL": f"http://127.0.0.1:{closed_port()}/v1",
        "EMBEDDINGS_MODEL": "text-embedding-3-small",
        "QDRANT_COLLECTION": "kb_endpoint",
    }
    out = _ask(runtime_dir, env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert UNAVAILABLE["it"] in out.stdout
    assert "Traceback" not in out.stderr


# --------------------------------------------------------------------------- /readyz and /metrics


def test_readyz_and_metrics_name_the_dependency_down(runtime_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from knowledge.settings import Settings

    settings = Settings(
        sportello_data_dir=runtime_dir,
        qdrant_url=f"http://127.0.0.1:{closed_port()}",  # type: ignore[arg-type]
        _env_file=None,
    )  # type: ignore[call-arg]
    with TestClient(create_app(settings, run_worker=False)) as client:  # start-up survives
        ready = client.get("/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert body["down"] == ["qdrant"]
        assert body["checks"]["qdrant"]["error"] == "StoreError"
        assert body["checks"]["database"]["ok"] and body["checks"]["embeddings"]["ok"]
        metrics = client.get("/metrics").text
    assert 'sportello_dependency_up{dependency="qdrant"} 0.0' in metrics
    assert 'sportello_dependency_up{dependency="database"} 1.0' in metrics
    assert 'sportello_dependency_up{dependency="embeddings"} 1.0' in metrics
    assert 'sportello_degraded_answers_total{dependency="qdrant"}' in metrics


def test_readyz_is_ready_when_everything_answers(runtime_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from knowledge.settings import Settings

    settings = Settings(sportello_data_dir=runtime_dir, _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings, run_worker=False)) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["down"] == [] and ready.json()["checks"]["qdrant"]["points"] > 0
