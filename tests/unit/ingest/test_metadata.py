from pathlib import Path

import pytest

from ingest.errors import MetadataError
from ingest.metadata import load_metadata, split_front_matter
from tests.helpers import write_markdown, write_sidecar


def test_front_matter_is_split_from_the_body() -> None:
    front, body = split_front_matter("---\ndoc_id: a\n---\n# Title\n")
    assert front == "doc_id: a\n"
    assert body == "# Title\n"


def test_text_without_front_matter_is_all_body() -> None:
    assert split_front_matter("# Title\n---\n") == (None, "# Title\n---\n")


def test_unclosed_front_matter_is_an_error() -> None:
    with pytest.raises(MetadataError, match="never closed"):
        split_front_matter("---\ndoc_id: a\n# Title\n")


def test_front_matter_metadata(tmp_path: Path) -> None:
    path = write_markdown(tmp_path / "a.md", "doc-a", "# A\n\ntesto\n")
    meta, body = load_metadata(path, path.read_text())
    assert meta.doc_id == "doc-a"
    assert body == "# A\n\ntesto\n"


def test_sidecar_metadata(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF")
    write_sidecar(path, "doc-pdf", language="en")
    meta, body = load_metadata(path, None)
    assert (meta.doc_id, meta.language, body) == ("doc-pdf", "en", None)


def test_both_front_matter_and_sidecar_is_ambiguous(tmp_path: Path) -> None:
    path = write_markdown(tmp_path / "a.md", "doc-a", "testo\n")
    write_sidecar(path, "doc-b")
    with pytest.raises(MetadataError, match="metadata given twice"):
        load_metadata(path, path.read_text())


def test_missing_metadata_names_the_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "a.docx"
    path.write_bytes(b"PK")
    with pytest.raises(MetadataError, match=r"a\.docx\.meta\.yaml"):
        load_metadata(path, None)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ndoc_id: a\ntitle: [open\n---\ntesto\n")
    with pytest.raises(MetadataError, match="not valid YAML at line"):
        load_metadata(path, path.read_text())


def test_invalid_values_name_every_field(tmp_path: Path) -> None:
    path = write_markdown(tmp_path / "a.md", "doc-a", "testo\n", language="de", commodity=[])
    with pytest.raises(MetadataError) as info:
        load_metadata(path, path.read_text())
    assert "language" in str(info.value) and "commodity" in str(info.value)
