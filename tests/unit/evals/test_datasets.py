"""The question sets are well formed and agree with the corpus they are about."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evals.datasets import DATASETS, DatasetError, RetrievalCase, RoutingCase, load_jsonl
from knowledge.sparse import fold
from tests.conftest import CORPUS

RETRIEVAL_SETS = sorted(p.name for p in DATASETS.glob("retrieval_*.jsonl"))


def _corpus_doc_ids() -> set[str]:
    import yaml

    ids = set()
    for path in CORPUS.rglob("*"):
        if path.name.endswith(".meta.yaml"):
            ids.add(yaml.safe_load(path.read_text())["doc_id"])
        elif path.suffix in (".md", ".txt"):
            ids.add(yaml.safe_load(path.read_text().split("---")[1])["doc_id"])
    return ids


@pytest.mark.parametrize("name", RETRIEVAL_SETS)
def test_retrieval_sets_reference_real_documents(name: str) -> None:
    cases = load_jsonl(DATASETS / name, RetrievalCase)
    known = _corpus_doc_ids()
    assert all(set(c.expected_doc_ids) <= known for c in cases), name


def test_dev_set_size_and_languages() -> None:
    cases = load_jsonl(DATASETS / "retrieval_dev.jsonl", RetrievalCase)
    languages = Counter(c.language for c in cases)
    assert len(cases) >= 60 and set(languages) == {"it", "en", "fr"}


def test_routing_set_covers_every_route_and_emergencies_in_each_language() -> None:
    cases = load_jsonl(DATASETS / "routing.jsonl", RoutingCase)
    assert len(cases) >= 150
    assert {c.route for c in cases} == set(RoutingCase.model_fields["route"].annotation.__args__)  # type: ignore[union-attr]
    emergencies = Counter(c.language for c in cases if c.urgency == "emergency")
    assert min(emergencies[lang] for lang in ("it", "en", "fr")) >= 5


@pytest.mark.parametrize("name", RETRIEVAL_SETS)
def test_facts_appear_in_an_expected_document(name: str, corpus_kb) -> None:
    """Each key fact is in the indexed text of one of its expected documents (valid at as_of)."""
    texts: dict[tuple[str, str], str] = {}
    for payload in corpus_kb.store.scroll():
        key = (str(payload["doc_id"]), str(payload["effective_from"])[:10])
        texts[key] = texts.get(key, "") + " " + fold(str(payload["text"]))
    missing = []
    for case in load_jsonl(DATASETS / name, RetrievalCase):
        for fact in case.facts:
            docs = [
                t
                for (doc_id, start), t in texts.items()
                if doc_id in case.expected_doc_ids
                and (case.as_of is None or start <= case.as_of.isoformat())
            ]
            if not any(fold(fact) in " ".join(t.split()) for t in docs):
                missing.append((case.id, fact))
    assert not missing


def test_a_malformed_case_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = '{"id": "a", "text": "ciao", "language": "it", "route": "general", "urgency": "normal"}'
    path.write_text(good + "\n" + good.replace('"general"', '"weather"') + "\n")
    with pytest.raises(DatasetError, match=r"bad\.jsonl:2"):
        load_jsonl(path, RoutingCase)
