"""The graph for LangGraph Studio and `langgraph dev` (langgraph.json points here).

`make_graph(config)` builds the runtime from settings (the environment and `.env`, like every
entry point) once per process and returns the compiled graph with its dependencies: the
knowledge base, the utility backend, the classifier, the chat model or the offline brain.
Under the LangGraph server the platform owns persistence and refuses a graph compiled with
its own checkpointer, so there the graph is compiled without one; anywhere else it keeps the
checkpointer from settings (SQLite in the data dir, or PostgreSQL).
"""

from __future__ import annotations

import atexit
import sys
from functools import cache

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from api.db import ensure_schema
from api.runtime import Runtime, build_runtime
from graph.builder import build_graph
from knowledge.logs import install_redaction, secrets_of
from knowledge.settings import get_settings


@cache
def shared_runtime() -> Runtime:
    """One runtime per process: the server calls the factory for every run."""
    settings = get_settings()
    install_redaction(sensitive=settings.log_sensitive, secrets=secrets_of(settings))
    ensure_schema(settings)
    runtime = build_runtime(settings)
    atexit.register(runtime.close)
    return runtime


def under_langgraph_server() -> bool:
    """Whether the LangGraph API server (`langgraph dev`, the platform) loaded this module."""
    return "langgraph_api" in sys.modules


def make_graph(config: RunnableConfig | None = None) -> CompiledStateGraph:  # type: ignore[type-arg]
    """The compiled Sportello graph; `config` is the run's configuration (unused: every
    dependency comes from settings, identity from the state)."""
    runtime = shared_runtime()
    if under_langgraph_server():
        return build_graph(runtime.deps)  # the platform checkpoints the threads itself
    return runtime.graph
