"""Ingest files into the knowledge base: versioned, idempotent, and honest about failures."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ingest.chunking import chunk_blocks
from ingest.errors import DuplicateVersionError, IngestError, MissingFileError
from ingest.metadata import SIDECAR_SUFFIX, load_metadata, sidecar_path
from ingest.partition import (
    PARSING_VERSION,
    TEXT_FORMATS,
    check_file,
    partition_file,
    read_text,
)
from knowledge.base import KnowledgeBase
from knowledge.schema import Chunk, DocumentMeta

log = logging.getLogger("sportello.ingest")

Status = Literal["added", "updated", "unchanged", "failed"]


class DocumentResult(BaseModel):
    path: str
    doc_id: str | None = None
    version: str | None = None
    status: Status
    chunks: int = 0
    error: str | None = None
    error_code: str | None = None


class IngestReport(BaseModel):
    documents: list[DocumentResult]
    totals: dict[str, int]
    dry_run: bool = False

    @property
    def failed(self) -> bool:
        return self.totals.get("failed", 0) > 0


@dataclass(frozen=True)
class PreparedDocument:
    meta: DocumentMeta
    chunks: list[Chunk]
    content_hash: str


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files named, plus every file under folders named, minus sidecars and hidden files."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and not p.name.endswith(SIDECAR_SUFFIX)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def content_hash(path: Path) -> str:
    """The file, its sidecar and the parsing version (a new parsing re-indexes the file)."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(b"\0parsing\0" + PARSING_VERSION.encode())
    sidecar = sidecar_path(path)
    if sidecar.exists():
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    return digest.hexdigest()


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_document(path: Path) -> tuple[DocumentMeta, str | None, str]:
    """Metadata, text body (text formats) and content hash of a file; no parsing yet."""
    if not path.exists():
        raise MissingFileError(f"{path} does not exist")
    check_file(path)
    text = read_text(path) if path.suffix.lower() in TEXT_FORMATS else None
    meta, body = load_metadata(path, text)
    return meta, body, content_hash(path)


def prepare(
    path: Path,
    meta: DocumentMeta,
    body: str | None,
    digest: str,
    *,
    max_tokens: int,
    min_tokens: int,
) -> PreparedDocument:
    """Partition and chunk one file; raise an IngestError saying what is wrong with it."""
    blocks = partition_file(path, body, meta.language)
    pieces = chunk_blocks(blocks, meta.title, max_tokens=max_tokens, min_tokens=min_tokens)
    source = meta.source_url or display_path(path)
    chunks = [
        Chunk(
            doc_id=meta.doc_id,
            version=meta.version,
            title=meta.title,
            section=piece.section,
            text=piece.text,
            source=source,
            path=display_path(path),
            commodity=list(meta.commodity),
            verticals=list(meta.verticals),
            doc_type=meta.doc_type,
            language=meta.language,
            effective_from=meta.effective_from,
            effective_to=meta.effective_to,
            content_hash=digest,
            chunk_index=index,
            page=piece.page,
        )
        for index, piece in enumerate(pieces)
    ]
    return PreparedDocument(meta, chunks, digest)


def ingest_paths(
    kb: KnowledgeBase,
    paths: Iterable[Path],
    *,
    dry_run: bool = False,
    max_tokens: int = 320,
    min_tokens: int = 40,
    progress: Callable[[Iterable[Path]], Iterable[Path]] = lambda it: it,
) -> IngestReport:
    """Ingest every file; a bad file is reported as failed and the others still go in."""
    results: list[DocumentResult] = []
    seen: dict[tuple[str, str], str] = {}
    for path in progress(discover(paths)):
        shown = display_path(path)
        meta: DocumentMeta | None = None
        try:
            meta, body, digest = read_document(path)
            key = (meta.doc_id, meta.version)
            if key in seen:
                raise DuplicateVersionError(
                    f"doc_id {key[0]!r} version {key[1]!r} is also declared by {seen[key]}"
                )
            seen[key] = shown
            if kb.is_indexed(meta.doc_id, meta.version, digest):
                record = kb.registry.get(meta.doc_id, meta.version)
                status: Status = "unchanged"
                chunks = record.chunks if record else 0
            else:
                doc = prepare(
                    path, meta, body, digest, max_tokens=max_tokens, min_tokens=min_tokens
                )
                status = "updated" if kb.registry.versions(meta.doc_id) else "added"
                chunks = len(doc.chunks)
                if not dry_run:
                    kb.index_document(meta, doc.chunks, path=shown, content_hash=digest)
            results.append(
                DocumentResult(
                    path=shown,
                    doc_id=meta.doc_id,
                    version=meta.version,
                    status=status,
                    chunks=chunks,
                )
            )
        except IngestError as exc:
            results.append(
                DocumentResult(
                    path=shown,
                    doc_id=meta.doc_id if meta else None,
                    status="failed",
                    error=str(exc),
                    error_code=exc.code,
                )
            )
            log.warning("document rejected", extra={"path": shown, "code": exc.code})
    if not dry_run and any(r.status in ("added", "updated") for r in results):
        kb.store.optimize()  # build indexes once per batch, not per document
    counts = Counter(r.status for r in results)
    totals = {s: counts.get(s, 0) for s in ("added", "updated", "unchanged", "failed")}
    totals["documents"] = len(results)
    totals["chunks"] = sum(r.chunks for r in results)
    return IngestReport(documents=results, totals=totals, dry_run=dry_run)
