"""Assemble the running system from settings: knowledge base, backend, models, checkpointer."""

from __future__ import annotations

import sqlite3
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph

from api.locks import LocalThreadLocks, ThreadLocks, thread_locks
from graph.audit import AuditTrail
from graph.backends.ports import UtilityBackend
from graph.builder import build_graph
from graph.classifier import OfflineClassifier
from graph.deps import GraphDeps
from graph.llm import make_chat_model
from graph.ratelimit import RateLimiter
from graph.turn import TurnResult, run_turn
from knowledge.base import KnowledgeBase
from knowledge.clock import Clock
from knowledge.factory import build_knowledge
from knowledge.registry import make_engine
from knowledge.settings import Settings


def build_backend(settings: Settings, engine: Any, clock: Clock) -> UtilityBackend:
    if settings.backend == "rest":
        from graph.backends.rest import RestBackend

        token = settings.backend_token.get_secret_value() if settings.backend_token else None
        return RestBackend(str(settings.backend_url), token, clock=clock)
    from graph.backends.demo import DemoBackend
    from graph.backends.demo_seed import seed_demo

    backend = DemoBackend(engine, clock=clock)
    if not backend.list_customers():
        seed_demo(backend, clock.today())
    return backend


def build_checkpointer(settings: Settings, stack: ExitStack) -> BaseCheckpointSaver:  # type: ignore[type-arg]
    """SQLite in the data dir by default; PostgreSQL when DATABASE_URL says so, on a pool of
    DATABASE_POOL_SIZE connections shared by every worker thread (one connection would
    serialise all conversations). Old checkpoints are removed by api.prune."""
    url = settings.database_url or ""
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        plain = "postgresql://" + url.split("://", 1)[1]
        pool = ConnectionPool(
            plain,
            min_size=1,
            max_size=settings.database_pool_size,
            # What PostgresSaver expects of its connections (as from_conn_string sets them).
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            open=True,
            name="sportello-checkpoints",
        )
        stack.callback(pool.close)
        saver = PostgresSaver(pool)  # type: ignore[arg-type]  # dict_row is set in kwargs
        saver.setup()
        return saver
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = settings.sportello_data_dir / "checkpoints.db"
    connection = sqlite3.connect(str(path), check_same_thread=False)
    stack.callback(connection.close)
    sqlite_saver = SqliteSaver(connection)
    sqlite_saver.setup()
    return sqlite_saver


@dataclass
class Runtime:
    settings: Settings
    knowledge: KnowledgeBase
    deps: GraphDeps
    graph: CompiledStateGraph  # type: ignore[type-arg]
    stack: ExitStack = field(default_factory=ExitStack)
    # One turn at a time per thread, whichever channel or process runs it (api/locks.py).
    locks: ThreadLocks = field(default_factory=LocalThreadLocks)

    def ask(
        self, text: str, *, user: str, thread_id: str | None = None, channel: str = "cli"
    ) -> TurnResult:
        return run_turn(self.graph, text, user=user, thread_id=thread_id, channel=channel)

    def warm_up(self) -> None:
        """Load what the first customer would otherwise wait for (about 4 s): the intent
        examples' vectors and the embedding model itself. With the embeddings endpoint down
        this raises EmbeddingError; the service starts anyway (callers log it)."""
        _ = self.deps.classifier.matrix
        self.deps.retriever.embedder.embed_queries(["avvio"])

    def close(self) -> None:
        self.stack.close()
        self.knowledge.close()


def build_limiter(settings: Settings, clock: Clock | None = None) -> RateLimiter:
    """Every rate limit of the service, in Redis (REDIS_URL) or in memory."""
    return RateLimiter(
        {
            "otp_send": settings.rate_otp_send,
            "otp_verify": settings.rate_otp_verify,
            "chat_client": settings.rate_chat_client,
            "chat_thread": settings.rate_chat_thread,
            "chat_session": settings.rate_chat_session,
            "api_token": settings.rate_api_token,
        },
        settings.redis_url,
        clock=clock or settings.make_clock(),
    )


def build_runtime(
    settings: Settings, *, chat_model: Any = None, clock: Clock | None = None
) -> Runtime:
    """Everything a turn needs, on one clock (from settings unless one is given)."""
    clock = clock or settings.make_clock()
    stack = ExitStack()
    knowledge = build_knowledge(settings, clock)
    engine = make_engine(settings.sqlalchemy_url)
    stack.callback(engine.dispose)
    if chat_model is None and settings.llm_configured:
        assert settings.llm_base_url and settings.llm_model
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        chat_model = make_chat_model(
            str(settings.llm_base_url), settings.llm_model, key, timeout=settings.llm_timeout
        )
    deps = GraphDeps(
        backend=build_backend(settings, engine, clock),
        retriever=knowledge.retriever,
        classifier=OfflineClassifier(knowledge.embedder, settings.sportello_data_dir / "cache"),
        audit=AuditTrail(engine, clock=clock),
        chat_model=chat_model,
        clock=clock,
        otp_fixed_code=settings.otp_fixed_code,
        llm_structured_method=settings.llm_structured_method,
        ecb_rate=settings.ecb_reference_rate,
        secret=settings.server_secret(),
        limiter=build_limiter(settings, clock),
        identification_idle_minutes=settings.identification_idle_minutes,
        identification_max_minutes=settings.identification_max_minutes,
    )
    graph = build_graph(deps, checkpointer=build_checkpointer(settings, stack))
    locks = thread_locks(settings.sqlalchemy_url)
    stack.callback(locks.close)
    return Runtime(settings, knowledge, deps, graph, stack, locks)
