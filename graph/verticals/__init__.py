"""The vertical agents, one package each; they never import one another.

REGISTRY is the list every other list of verticals derives from (the graph's nodes, the
drawing, the classifier's intents); it is read off `graph.state.Vertical`, the names as a
type, so they are written once. Each package's `graph.py` has `build(deps)`, which compiles
the vertical as a LangGraph subgraph (see graph.subgraph). Adding a vertical means adding its
package and its name to `Vertical`.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from graph.state import VERTICALS

if TYPE_CHECKING:
    from langgraph.graph.state import CompiledStateGraph

    from graph.deps import GraphDeps

REGISTRY: tuple[str, ...] = VERTICALS


def build_vertical(name: str, deps: GraphDeps) -> CompiledStateGraph:  # type: ignore[type-arg]
    """The compiled subgraph of the vertical `name` (one of REGISTRY)."""
    if name not in REGISTRY:
        raise KeyError(f"unknown vertical {name!r}; known: {', '.join(REGISTRY)}")
    module = import_module(f"graph.verticals.{name}.graph")
    return module.build(deps)  # type: ignore[no-any-return]


def cancelled_text(name: str) -> dict[str, str] | None:
    """The vertical's own words for a procedure dropped before any write ("non ho attivato
    nessun piano"), when it has them (its texts' `cancelled` entry)."""
    if name not in REGISTRY:
        return None
    texts = import_module(f"graph.verticals.{name}.texts")
    found = getattr(texts, "TEMPLATES", {}).get("cancelled")
    return dict(found) if found else None


def description(name: str) -> str:
    """What the vertical serves, from its intents file (the classifier reads the same words)."""
    import yaml

    path = Path(__file__).parent / name / "intents.yaml"
    return str(yaml.safe_load(path.read_text(encoding="utf-8")).get("description", name))


def continues_answer(name: str, text: str) -> bool:
    """Whether a message follows up on the vertical's last answer by its own rules (its
    rules' `continues_answer`, when it has one): "any news?" after a fault report."""
    if name not in REGISTRY:
        return False
    try:
        rules = import_module(f"graph.verticals.{name}.rules")
    except ModuleNotFoundError:
        return False
    check = getattr(rules, "continues_answer", None)
    return bool(check and check(text))
