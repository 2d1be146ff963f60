"""A fresh knowledge base with the bundled corpus, in a temporary data dir, for benchmarks."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ingest.pipeline import ingest_paths
from knowledge.base import KnowledgeBase
from knowledge.factory import build_knowledge
from knowledge.settings import Settings

CORPUS = Path(__file__).resolve().parent.parent / "knowledge" / "corpus"


def corpus_knowledge_base(data_dir: Path | None = None, **overrides: object) -> KnowledgeBase:
    """The corpus ingested in `data_dir` (re-used: ingestion is idempotent) or a fresh temp dir."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="sportello-bench-"))
    settings = Settings(sportello_data_dir=data_dir, **overrides)  # type: ignore[arg-type]
    kb = build_knowledge(settings)
    report = ingest_paths(kb, [CORPUS])
    if report.failed:
        raise SystemExit(f"corpus ingestion failed: {report.totals}")
    return kb
