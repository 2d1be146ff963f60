"""Each broken input gets its own precise error, and nothing else in the batch is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from tests.helpers import write_markdown, write_pdf, write_scanned_pdf, write_sidecar

GOOD_TEXT = "## Scadenza\n\nLa bolletta del gas di Lumea scade venti giorni dopo l'emissione.\n"


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    write_markdown(folder / "buono.md", "doc-buono", GOOD_TEXT)
    write_pdf(
        folder / "buono.pdf", ["Autolettura", "Il contatore del gas si legge dalle cifre nere."]
    )
    write_sidecar(folder / "buono.pdf", "doc-buono-pdf")
    (folder / "vuoto.md").write_bytes(b"")
    (folder / "rotto.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nnot a pdf at all")
    write_sidecar(folder / "rotto.pdf", "doc-rotto")
    write_scanned_pdf(folder / "scansione.pdf")
    write_sidecar(folder / "scansione.pdf", "doc-scansione")
    (folder / "tariffe.xlsx").write_bytes(b"PK\x03\x04 spreadsheet")
    (folder / "meta-sbagliati.md").write_text(
        "---\ndoc_id: meta-sbagliati\ntitle: Titolo\ncommodity: [gas]\nverticals: [billing]\n"
        "doc_type: guide\nlanguage: it\neffective_from: 2025-13-45\nversion: '1'\n---\ntesto\n"
    )
    write_markdown(folder / "solo-meta.md", "doc-solo-meta", "   \n")
    return folder


EXPECTED = {
    "vuoto.md": ("empty_document", "empty file (0 bytes)"),
    "rotto.pdf": ("corrupt_document", "not a readable PDF"),
    "scansione.pdf": ("scanned_document", "no text layer"),
    "tariffe.xlsx": ("unsupported_format", "unsupported file type .xlsx"),
    "meta-sbagliati.md": ("bad_metadata", "effective_from"),
    "solo-meta.md": ("empty_document", "has metadata but no text"),
}


def test_each_failure_is_precise_and_the_good_documents_go_in(make_kb, batch: Path) -> None:
    kb = make_kb("edge")
    report = ingest_paths(kb, [batch])
    by_name = {Path(d.path).name: d for d in report.documents}

    for name, (code, message) in EXPECTED.items():
        result = by_name[name]
        assert result.status == "failed", name
        assert result.error_code == code, (name, result.error)
        assert message in (result.error or ""), (name, result.error)
        assert result.chunks == 0

    assert by_name["buono.md"].status == "added"
    assert by_name["buono.pdf"].status == "added"
    assert report.totals["failed"] == len(EXPECTED)
    assert report.failed
    assert {r.doc_id for r in kb.documents()} == {"doc-buono", "doc-buono-pdf"}
    hits = kb.retriever.search("quando scade la bolletta del gas?", k=1)
    assert hits[0].doc_id == "doc-buono"


def test_a_failed_document_keeps_its_doc_id_when_metadata_is_fine(make_kb, batch: Path) -> None:
    report = ingest_paths(make_kb("edge"), [batch / "scansione.pdf"])
    assert report.documents[0].doc_id == "doc-scansione"


def test_a_missing_path_is_reported_not_raised(make_kb, tmp_path: Path) -> None:
    report = ingest_paths(make_kb("edge"), [tmp_path / "nope.md"])
    assert report.documents[0].error_code == "not_found"
