"""Shared fixtures: offline guard, the packaged embedder, knowledge bases on real stores."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import pytest  # noqa: E402

import knowledge  # noqa: E402,F401  (offline defaults before anything else imports libraries)
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.clock import ITALY, Clock  # noqa: E402
from knowledge.embeddings import E5Embedder  # noqa: E402
from knowledge.registry import DocumentRegistry, make_engine  # noqa: E402
from knowledge.settings import Settings  # noqa: E402
from knowledge.store import EdgeStore, QdrantClientStore  # noqa: E402
from tests.helpers import copy_data_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "knowledge" / "corpus"

# The one clock, frozen for tests: the demo utility's "now". Nothing in the suite reads the
# machine's date, so it passes on any day (CI runs it again with the system clock moved).
DEMO_TODAY = (2026, 11, 26)
DEMO_NOW = datetime(*DEMO_TODAY, 10, 30, tzinfo=ITALY)


def demo_clock() -> Clock:
    """A clock standing at DEMO_NOW until a test moves it."""
    return Clock(DEMO_NOW, frozen=True)


def _is_local(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # unix sockets
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _no_outside_network() -> Iterator[None]:
    """Any connection beyond loopback fails the test: nothing may call a real LLM or hub."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(sock: socket.socket, address: object) -> None:
        if not _is_local(address):
            raise RuntimeError(f"tests may not reach the network: connect to {address!r}")

    def connect(sock: socket.socket, address: object) -> None:
        guard(sock, address)
        return real_connect(sock, address)  # type: ignore[arg-type]

    def connect_ex(sock: socket.socket, address: object) -> int:
        guard(sock, address)
        return real_connect_ex(sock, address)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def embedder() -> E5Embedder:
    return E5Embedder()


@pytest.fixture(params=["edge", "local"])
def store_kind(request: pytest.FixtureRequest) -> str:
    """Every store test runs on Qdrant Edge and on qdrant-client (local mode = server API)."""
    return str(request.param)


@pytest.fixture
def make_kb(tmp_path: Path, embedder: E5Embedder) -> Iterator[Callable[..., KnowledgeBase]]:
    created: list[KnowledgeBase] = []

    def make(kind: str = "edge", db_url: str | None = None) -> KnowledgeBase:
        store = (
            EdgeStore(tmp_path / f"edge-{len(created)}")
            if kind == "edge"
            else QdrantClientStore("test_kb", location=":memory:")
        )
        registry = DocumentRegistry(
            make_engine(db_url or f"sqlite:///{tmp_path / f'kb-{len(created)}.db'}")
        )
        kb = KnowledgeBase(store, embedder, registry)
        created.append(kb)
        return kb

    yield make
    for kb in created:
        kb.close()


def run_cli(
    *args: str, data_dir: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real `sportello` command in a subprocess, on its own data dir."""
    env = {
        **os.environ,
        **(env or {}),
        "SPORTELLO_DATA_DIR": str(data_dir),
        "SPORTELLO_CLOCK_START": DEMO_NOW.isoformat(),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="session")
def corpus_ingest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """The bundled corpus ingested once by the real CLI, then ingested again.

    Returns the data dir and both JSON reports; retrieval tests open the same data dir.
    For local iterations only, SPORTELLO_TEST_CORPUS_CACHE names a folder where the result
    is kept between runs (CI never sets it, so CI always ingests).
    """
    import shutil

    data_dir = tmp_path_factory.mktemp("corpus-data")
    cache = os.environ.get("SPORTELLO_TEST_CORPUS_CACHE")
    if cache and (Path(cache) / "second.json").exists():
        copy_data_dir(Path(cache) / "data", data_dir)
        first_report = json.loads((Path(cache) / "first.json").read_text())
        return data_dir, first_report, json.loads((Path(cache) / "second.json").read_text())
    first = run_cli("ingest", str(CORPUS), "--json", data_dir=data_dir)
    assert first.returncode == 0, first.stderr[-3000:]
    second = run_cli("ingest", str(CORPUS), "--json", data_dir=data_dir)
    assert second.returncode == 0, second.stderr[-3000:]
    if cache:
        shutil.rmtree(cache, ignore_errors=True)
        copy_data_dir(data_dir, Path(cache) / "data")
        (Path(cache) / "first.json").write_text(first.stdout)
        (Path(cache) / "second.json").write_text(second.stdout)
    return data_dir, json.loads(first.stdout), json.loads(second.stdout)


@pytest.fixture(scope="session")
def corpus_kb(corpus_ingest: tuple[Path, dict, dict]) -> Iterator[KnowledgeBase]:
    from knowledge.factory import build_knowledge

    kb = build_knowledge(Settings(sportello_data_dir=corpus_ingest[0]))
    yield kb
    kb.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway database on the machine's PostgreSQL (SQLAlchemy URL), dropped after."""
    import uuid

    from sqlalchemy import create_engine, text

    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    name = f"sportello_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432: {exc}")
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


# --------------------------------------------------------------------------- conversation graph


@pytest.fixture(scope="session")
def classifier(embedder: E5Embedder, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from graph.classifier import OfflineClassifier

    return OfflineClassifier(embedder, tmp_path_factory.mktemp("classifier-cache"))


@pytest.fixture
def make_graph(tmp_path: Path, corpus_kb: KnowledgeBase, classifier):  # type: ignore[no-untyped-def]
    """A fresh graph on a freshly seeded demo backend, with an in-memory checkpointer."""
    from datetime import date

    from langgraph.checkpoint.memory import InMemorySaver

    from graph.audit import AuditTrail
    from graph.backends.demo import DemoBackend
    from graph.backends.demo_seed import seed_demo
    from graph.builder import build_graph
    from graph.deps import GraphDeps

    def make(chat_model=None, **overrides):  # type: ignore[no-untyped-def]
        engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
        clock = overrides.pop("clock", None) or demo_clock()
        backend = DemoBackend(engine, clock=clock)
        if not backend.list_customers():
            seed_demo(backend, date(*DEMO_TODAY))
        deps = GraphDeps(
            backend=backend,
            retriever=corpus_kb.retriever,
            classifier=classifier,
            audit=AuditTrail(engine, clock=clock),
            chat_model=chat_model,
            clock=clock,
            **{"otp_fixed_code": "123456", **overrides},
        )
        return build_graph(deps, checkpointer=InMemorySaver()), deps

    return make


def converse(graph, *texts: str, user: str = "wa-393331234567"):  # type: ignore[no-untyped-def]
    """Several customer turns in one conversation; returns every TurnResult."""
    from graph.turn import run_turn

    return [run_turn(graph, text, user=user, channel="test") for text in texts]


@pytest.fixture
def runtime_dir(tmp_path: Path, corpus_ingest, classifier) -> Path:  # type: ignore[no-untyped-def]
    """A data dir with the ingested corpus and the classifier's cached examples, to run the
    whole system from settings (runtime, CLI) without re-ingesting."""
    import shutil

    data_dir = tmp_path / "data"
    copy_data_dir(corpus_ingest[0], data_dir)
    _ = classifier.matrix  # embed the intent examples once per session, then copy the cache
    cache = data_dir / "cache"
    cache.mkdir(exist_ok=True)
    for cached in classifier.cache_dir.glob("*.npy"):
        shutil.copy(cached, cache / cached.name)
    return data_dir
