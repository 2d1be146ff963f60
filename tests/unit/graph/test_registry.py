"""The registry is the one list of verticals, and a vertical is one folder: its subgraph,
tools, texts and intents live in graph/verticals/<name>/ and nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graph.classifier import INTENTS_FILE, load_examples
from graph.state import ROUTES
from graph.verticals import REGISTRY

VERTICALS_DIR = Path(__file__).parents[3] / "graph" / "verticals"
PROMPTS_DIR = Path(__file__).parents[3] / "graph" / "prompts"


@pytest.mark.parametrize("name", REGISTRY)
def test_a_vertical_is_one_folder(name: str) -> None:
    folder = VERTICALS_DIR / name
    for part in ("graph.py", "tools.py", "texts.py", "intents.yaml"):
        assert (folder / part).is_file(), f"{name} lacks {part}"
    intents = yaml.safe_load((folder / "intents.yaml").read_text(encoding="utf-8"))
    assert intents["description"]
    for language in ("it", "en", "fr"):
        assert len(intents[language]) >= 10, f"{name}: too few {language} examples"


def test_no_vertical_keeps_texts_or_intents_elsewhere() -> None:
    assert not [p.stem for p in PROMPTS_DIR.glob("*.py") if p.stem in REGISTRY]
    shared = yaml.safe_load(INTENTS_FILE.read_text(encoding="utf-8"))["routes"]
    assert not set(shared) & set(REGISTRY)
    assert set(shared) | set(REGISTRY) == set(ROUTES)


def test_the_classifier_reads_every_vertical_from_its_folder() -> None:
    routes = load_examples()["routes"]
    assert list(routes)[: len(REGISTRY)] == list(REGISTRY)
    lexicon = yaml.safe_load((VERTICALS_DIR / "bonus" / "intents.yaml").read_text())["lexicon"]
    assert routes["bonus"]["lexicon"] == lexicon
