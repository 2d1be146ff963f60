"""LangGraph Studio / `langgraph dev`: langgraph.json names a factory that builds the graph
with its dependencies from settings, and the graph answers a turn offline."""

from __future__ import annotations

import json
import shutil
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.graph.state import CompiledStateGraph

from graph.turn import run_turn
from knowledge.settings import get_settings
from tests.conftest import DEMO_NOW, ROOT
from tests.helpers import copy_data_dir


@pytest.fixture
def studio(
    corpus_ingest: tuple[Path, dict, dict],
    classifier: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    """api.studio with settings from the environment, on a copy of the ingested corpus."""
    data_dir = tmp_path / "data"
    copy_data_dir(corpus_ingest[0], data_dir)
    _ = classifier.matrix  # the intent examples, embedded once for the session
    shutil.copytree(classifier.cache_dir, data_dir / "cache", dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("SPORTELLO_DATA_DIR", str(data_dir))
    monkeypatch.setenv("SPORTELLO_ENV", "demo")
    monkeypatch.setenv("SPORTELLO_CLOCK_START", DEMO_NOW.isoformat())
    monkeypatch.setenv("OTP_FIXED_CODE", "123456")
    for name in ("DATABASE_URL", "QDRANT_URL", "LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    from api import studio

    studio.shared_runtime.cache_clear()
    yield studio
    if studio.shared_runtime.cache_info().currsize:
        studio.shared_runtime().close()
    studio.shared_runtime.cache_clear()
    get_settings.cache_clear()


def test_langgraph_json_names_the_factory() -> None:
    config = json.loads((ROOT / "langgraph.json").read_text())
    module, _, attribute = config["graphs"]["sportello"].partition(":")
    assert (ROOT / module).is_file() and attribute == "make_graph"
    assert config["dependencies"] == ["."] and config["env"] == ".env"


def test_make_graph_answers_a_turn_offline(studio: Any) -> None:
    graph = studio.make_graph({})
    assert isinstance(graph, CompiledStateGraph)
    assert graph.checkpointer is not None  # outside the server: the settings' checkpointer
    result = run_turn(graph, "Come si fa l'autolettura del gas?", user="studio")
    assert result.reply and result.citations
    assert studio.make_graph({}).checkpointer is graph.checkpointer  # one runtime per process


def test_under_the_langgraph_server_the_graph_has_no_checkpointer(
    studio: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server refuses graphs compiled with their own checkpointer: it persists threads."""
    monkeypatch.setitem(sys.modules, "langgraph_api", types.ModuleType("langgraph_api"))
    graph = studio.make_graph({"configurable": {}})
    assert isinstance(graph, CompiledStateGraph)
    assert graph.checkpointer is None
    result = run_turn(graph, "C'è un guasto a Torino?", user="studio-server")
    assert result.reply
