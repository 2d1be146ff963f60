"""The registry and the whole ingest path on the machine's PostgreSQL, as in production."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from tests.helpers import write_markdown

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.mark.postgres
def test_ingest_and_versions_on_postgres(make_kb, postgres_url: str, tmp_path: Path) -> None:
    kb = make_kb("edge", db_url=postgres_url)
    write_markdown(
        tmp_path / "v1.md",
        "tariffa",
        "## P\n\nPrezzo 0,40 €/Smc.\n",
        version="1",
        effective_from="2025-01-01",
    )
    write_markdown(
        tmp_path / "v2.md",
        "tariffa",
        "## P\n\nPrezzo 0,45 €/Smc.\n",
        version="2",
        effective_from="2026-01-01",
    )
    assert ingest_paths(kb, [tmp_path]).totals["failed"] == 0
    assert [(r.version, r.effective_to) for r in kb.documents()] == [
        ("1", date(2025, 12, 31)),
        ("2", None),
    ]
    assert ingest_paths(kb, [tmp_path]).totals["unchanged"] == 2
    kb.remove("tariffa", "2")
    assert [(r.version, r.effective_to) for r in kb.documents()] == [("1", None)]
