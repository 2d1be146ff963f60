"""Ingestion is idempotent, versioned by effective date, and reversible; on both stores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ingest.pipeline import ingest_paths
from knowledge.schema import SearchFilters
from tests.helpers import write_markdown

TARIFF_2025 = "## Prezzo\n\nIl prezzo della luce fissa è 0,1290 €/kWh con quota fissa 108 €/anno.\n"
TARIFF_2026 = "## Prezzo\n\nIl prezzo della luce fissa è 0,1185 €/kWh con quota fissa 114 €/anno.\n"


def _tariffs(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    write_markdown(
        folder / "luce-2025.md",
        "luce-fissa",
        TARIFF_2025,
        version="2025",
        effective_from="2025-01-01",
        commodity=["electricity"],
        doc_type="tariff",
    )
    write_markdown(
        folder / "luce-2026.md",
        "luce-fissa",
        TARIFF_2026,
        version="2026",
        effective_from="2026-01-01",
        commodity=["electricity"],
        doc_type="tariff",
    )


def _price(kb, as_of: date) -> str:  # type: ignore[no-untyped-def]
    hits = kb.retriever.search("prezzo luce fissa", k=3, filters=SearchFilters(as_of=as_of))
    return " | ".join(h.text for h in hits)


def test_second_ingest_is_unchanged_and_writes_nothing(make_kb, store_kind, tmp_path: Path) -> None:
    kb = make_kb(store_kind)
    _tariffs(tmp_path / "docs")
    first = ingest_paths(kb, [tmp_path / "docs"])
    assert [d.status for d in first.documents] == ["added", "updated"]
    points = kb.store.count()
    ingested_at = {r.version: r.ingested_at for r in kb.documents()}

    second = ingest_paths(kb, [tmp_path / "docs"])
    assert [d.status for d in second.documents] == ["unchanged", "unchanged"]
    assert second.totals["chunks"] == first.totals["chunks"]
    assert kb.store.count() == points
    assert {r.version: r.ingested_at for r in kb.documents()} == ingested_at


def test_new_version_supersedes_the_old_from_its_effective_date(
    make_kb, store_kind, tmp_path
) -> None:
    kb = make_kb(store_kind)
    _tariffs(tmp_path / "docs")
    ingest_paths(kb, [tmp_path / "docs"])
    old = next(r for r in kb.documents() if r.version == "2025")
    assert old.declared_to is None
    assert old.effective_to == date(2025, 12, 31)
    assert "0,1290" in _price(kb, date(2025, 6, 1)) and "0,1185" not in _price(kb, date(2025, 6, 1))
    assert "0,1185" in _price(kb, date(2026, 3, 1)) and "0,1290" not in _price(kb, date(2026, 3, 1))
    assert _price(kb, date(2024, 6, 1)) == ""


def test_versions_ingested_out_of_order_end_up_the_same(make_kb, tmp_path: Path) -> None:
    kb = make_kb("edge")
    _tariffs(tmp_path / "docs")
    ingest_paths(kb, [tmp_path / "docs" / "luce-2026.md"])
    ingest_paths(kb, [tmp_path / "docs" / "luce-2025.md"])
    assert {r.version: r.effective_to for r in kb.documents()} == {
        "2025": date(2025, 12, 31),
        "2026": None,
    }
    assert "0,1290" in _price(kb, date(2025, 6, 1))


def test_deleting_the_new_version_reopens_the_old(make_kb, store_kind, tmp_path: Path) -> None:
    kb = make_kb(store_kind)
    _tariffs(tmp_path / "docs")
    ingest_paths(kb, [tmp_path / "docs"])
    removed = kb.remove("luce-fissa", "2026")
    assert [r.version for r in removed] == ["2026"]
    assert [(r.version, r.effective_to) for r in kb.documents()] == [("2025", None)]
    assert "0,1290" in _price(kb, date(2026, 3, 1))
    kb.remove("luce-fissa")
    assert kb.documents() == [] and kb.store.count() == 0


def test_changed_content_replaces_its_passages(make_kb, tmp_path: Path) -> None:
    kb = make_kb("edge")
    path = write_markdown(
        tmp_path / "a.md", "doc-a", "## Uno\n\nIl deposito cauzionale vale 50 euro.\n"
    )
    ingest_paths(kb, [path])
    write_markdown(path, "doc-a", "## Uno\n\nIl deposito cauzionale vale 77 euro.\n")
    report = ingest_paths(kb, [path])
    assert report.documents[0].status == "updated"
    texts = [h.text for h in kb.retriever.search("deposito cauzionale", k=5)]
    assert texts and all("77 euro" in t for t in texts)


def test_a_new_parsing_reindexes_an_unchanged_file(make_kb, tmp_path: Path, monkeypatch) -> None:
    """After an upgrade that parses files differently, the same file is indexed again."""
    kb = make_kb("edge")
    path = write_markdown(tmp_path / "a.md", "doc-a", "## Uno\n\nIl deposito vale 50 euro.\n")
    ingest_paths(kb, [path])
    assert ingest_paths(kb, [path]).documents[0].status == "unchanged"
    monkeypatch.setattr("ingest.pipeline.PARSING_VERSION", "next")
    assert ingest_paths(kb, [path]).documents[0].status == "updated"
    assert ingest_paths(kb, [path]).documents[0].status == "unchanged"


def test_dry_run_reports_and_changes_nothing(make_kb, tmp_path: Path) -> None:
    kb = make_kb("edge")
    _tariffs(tmp_path / "docs")
    report = ingest_paths(kb, [tmp_path / "docs"], dry_run=True)
    assert report.dry_run and [d.status for d in report.documents] == ["added", "added"]
    assert report.totals["chunks"] > 0
    assert kb.documents() == [] and kb.store.count() == 0


def test_the_same_version_twice_in_a_batch_is_refused(make_kb, tmp_path: Path) -> None:
    kb = make_kb("edge")
    write_markdown(tmp_path / "a.md", "doc-a", "## A\n\nTesto uno sulla bolletta.\n")
    write_markdown(tmp_path / "b.md", "doc-a", "## A\n\nTesto due sulla bolletta.\n")
    report = ingest_paths(kb, [tmp_path / "a.md", tmp_path / "b.md"])
    assert [d.status for d in report.documents] == ["added", "failed"]
    assert report.documents[1].error_code == "duplicate_version"
    assert "a.md" in (report.documents[1].error or "")


def test_wiped_store_is_detected_and_reindexed(make_kb, tmp_path: Path) -> None:
    kb = make_kb("edge")
    path = write_markdown(tmp_path / "a.md", "doc-a", "## A\n\nTesto sulla bolletta del gas.\n")
    ingest_paths(kb, [path])
    kb.store.delete("doc-a")
    assert ingest_paths(kb, [path]).documents[0].status == "updated"
    assert kb.store.count("doc-a") == 1
