"""Knowledge managers: upload documents (ingested at once), list versions, delete."""

from __future__ import annotations

import re
import shutil
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import OperatorDep, RuntimeDep, SettingsDep
from api.errors import ApiError
from ingest.metadata import SIDECAR_SUFFIX
from ingest.pipeline import IngestReport, ingest_paths
from knowledge.base import KnowledgeBase
from knowledge.registry import DocumentRecord

router = APIRouter(prefix="/v1/knowledge", tags=["knowledge"])

MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_FILES = 50
READ_CHUNK = 1024 * 1024
SAFE_NAME = re.compile(r"^\w[\w.\- ]{0,199}$")  # no folders, no hidden files
_writes = threading.Lock()  # one ingest or delete at a time in this process


class DocumentVersion(BaseModel):
    version: str
    title: str
    path: str
    source: str
    doc_type: str
    language: str
    chunks: int
    effective_from: date
    effective_to: date | None = Field(
        description="the declared end, or the day before the next version takes effect"
    )
    declared_to: date | None
    ingested_at: datetime
    in_force: bool = Field(description="valid on `as_of` (default today)")


class KnowledgeDocument(BaseModel):
    doc_id: str
    title: str
    current_version: str | None = Field(description="the version in force, if any")
    versions: list[DocumentVersion]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "doc_id": "rateizzazione-bollette",
                    "title": "Rateizzazione delle bollette",
                    "current_version": "2026.1",
                    "versions": [
                        {
                            "version": "2026.1",
                            "title": "Rateizzazione delle bollette",
                            "path": "knowledge/corpus/a/rateizzazione.md",
                            "source": "https://www.lumea.example/rate",
                            "doc_type": "procedure",
                            "language": "it",
                            "chunks": 7,
                            "effective_from": "2026-01-01",
                            "effective_to": None,
                            "declared_to": None,
                            "ingested_at": "2026-11-20T09:12:03+00:00",
                            "in_force": True,
                        }
                    ],
                }
            ]
        }
    )


class Deleted(BaseModel):
    doc_id: str
    deleted: list[DocumentVersion]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "doc_id": "autolettura-gas",
                    "deleted": [
                        {
                            "version": "2",
                            "title": "Autolettura del gas",
                            "path": "uploads/20261126T103000123456Z/autolettura.md",
                            "source": "https://www.lumea.example/autolettura",
                            "doc_type": "procedure",
                            "language": "it",
                            "chunks": 4,
                            "effective_from": "2026-12-01",
                            "effective_to": None,
                            "declared_to": None,
                            "ingested_at": "2026-11-26T10:30:01+00:00",
                            "in_force": False,
                        }
                    ],
                }
            ]
        }
    )


def _error(description: str, code: str, message: str) -> dict[str, Any]:
    example = {"error": {"code": code, "message": message}}
    return {"description": description, "content": {"application/json": {"example": example}}}


UNAUTHORIZED = _error("No or wrong bearer token", "unauthorized", "a valid operator bearer...")
# Every call counts under the `api_token` limit (RATE_API_TOKEN), per token (see api.deps).
RATE_LIMITED = {
    **_error(
        "Too many calls with this token (or too many failed tokens from this address)",
        "rate_limited",
        "too many requests: try again in 12 s",
    ),
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
}
INVALID = _error("A malformed parameter", "invalid_request", "query.as_of: Input should be...")
REPORT_EXAMPLE = {
    "documents": [
        {
            "path": "/srv/sportello/uploads/20261126T103000123456Z/autolettura.md",
            "doc_id": "autolettura-gas",
            "version": "2",
            "status": "added",
            "chunks": 4,
            "error": None,
            "error_code": None,
        }
    ],
    "totals": {"added": 1, "updated": 0, "unchanged": 0, "failed": 0, "documents": 1, "chunks": 4},
    "dry_run": False,
}
FAILED_EXAMPLE = {
    "error": {"code": "ingest_failed", "message": "1 of 1 documents could not be ingested"},
    "documents": [
        {
            "path": "/srv/sportello/uploads/20261126T103000123456Z/nota.md",
            "doc_id": None,
            "version": None,
            "status": "failed",
            "chunks": 0,
            "error": "no metadata: add a YAML front matter block or a sidecar file "
            "nota.md.meta.yaml",
            "error_code": "bad_metadata",
        }
    ],
    "totals": {"added": 0, "updated": 0, "unchanged": 0, "failed": 1, "documents": 1, "chunks": 0},
    "dry_run": False,
}


def _version(record: DocumentRecord, as_of: date) -> DocumentVersion:
    return DocumentVersion(
        version=record.version,
        title=record.title,
        path=record.path,
        source=record.source,
        doc_type=record.doc_type,
        language=record.language,
        chunks=record.chunks,
        effective_from=record.declared_from,
        effective_to=record.effective_to,
        declared_to=record.declared_to,
        ingested_at=record.ingested_at,
        in_force=record.declared_from <= as_of
        and (record.effective_to is None or as_of <= record.effective_to),
    )


def _upload_dir(data_dir: Path, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    for attempt in range(100):
        folder = data_dir / "uploads" / (stamp if attempt == 0 else f"{stamp}-{attempt}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
    raise ApiError(503, "busy", "too many uploads at the same instant; try again")


def _check_names(names: list[str]) -> list[str]:
    """The uploaded documents' names (sidecars excluded); ApiError if the batch is unusable."""
    if len(names) > MAX_FILES:
        raise ApiError(422, "too_many_files", f"at most {MAX_FILES} files per upload")
    for name in names:
        if not SAFE_NAME.match(name) or name != Path(name).name:
            raise ApiError(
                422,
                "bad_filename",
                f"{name!r}: a file name without folders, not hidden, at most 200 characters",
            )
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        raise ApiError(422, "duplicate_filename", f"uploaded twice: {', '.join(duplicates)}")
    documents = [n for n in names if not n.endswith(SIDECAR_SUFFIX)]
    for sidecar in (n for n in names if n.endswith(SIDECAR_SUFFIX)):
        if sidecar.removesuffix(SIDECAR_SUFFIX) not in documents:
            raise ApiError(
                422,
                "orphan_sidecar",
                f"{sidecar} describes {sidecar.removesuffix(SIDECAR_SUFFIX)}, which was not uploaded",
            )
    if not documents:
        raise ApiError(422, "no_documents", "upload at least one document besides its sidecars")
    return documents


async def _read(upload: UploadFile) -> bytes:
    data = bytearray()
    while chunk := await upload.read(READ_CHUNK):
        data += chunk
        if len(data) > MAX_FILE_BYTES:
            raise ApiError(
                413, "file_too_large", f"{upload.filename} is over {MAX_FILE_BYTES // 2**20} MB"
            )
    return bytes(data)


def _save_and_ingest(
    kb: KnowledgeBase,
    folder: Path,
    contents: dict[str, bytes],
    documents: list[str],
    *,
    dry_run: bool,
    max_tokens: int,
    min_tokens: int,
) -> IngestReport:
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    with _writes:
        report = ingest_paths(
            kb,
            [folder / name for name in documents],
            dry_run=dry_run,
            max_tokens=max_tokens,
            min_tokens=min_tokens,
        )
    if dry_run:
        shutil.rmtree(folder, ignore_errors=True)
    return report


@router.post(
    "/documents",
    response_model=IngestReport,
    summary="Upload and ingest documents (PDF, DOCX, HTML, Markdown, text)",
    description="Multipart `files`: one or more documents, each with a YAML front matter or a "
    "sidecar `<file name>.meta.yaml` uploaded alongside. Files are kept under "
    "`<data dir>/uploads/<timestamp>/` and ingested at once: the answer is the report of "
    "`sportello ingest --json`. A document already ingested with the same content is "
    "`unchanged`; a new version of a known `doc_id` is `updated`. 422 with the same report "
    "(plus an `error`) when any document failed; the others are ingested anyway.",
    responses={
        200: {"content": {"application/json": {"example": REPORT_EXAMPLE}}},
        401: UNAUTHORIZED,
        429: RATE_LIMITED,
        413: _error("A file is too large", "file_too_large", "manuale.pdf is over 25 MB"),
        422: {
            "description": "Some documents failed (report), or the upload itself is unusable",
            "content": {"application/json": {"example": FAILED_EXAMPLE}},
        },
    },
)
async def upload_documents(
    _: OperatorDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    files: list[UploadFile] = File(  # noqa: B008
        description="documents and optional `.meta.yaml` sidecars"
    ),
    dry_run: bool = Form(False, description="report what would change, change nothing"),  # noqa: B008
) -> Any:
    names = [upload.filename or "" for upload in files]
    documents = _check_names(names)
    contents = {name: await _read(upload) for name, upload in zip(names, files, strict=True)}
    folder = _upload_dir(settings.sportello_data_dir, runtime.deps.clock())
    report = await anyio.to_thread.run_sync(
        lambda: _save_and_ingest(
            runtime.knowledge,
            folder,
            contents,
            documents,
            dry_run=dry_run,
            max_tokens=settings.chunk_max_tokens,
            min_tokens=settings.chunk_min_tokens,
        )
    )
    if not report.failed:
        return report
    failed = report.totals["failed"]
    message = f"{failed} of {report.totals['documents']} documents could not be ingested"
    return JSONResponse(
        {"error": {"code": "ingest_failed", "message": message}, **report.model_dump(mode="json")},
        422,
    )


@router.get(
    "/documents",
    response_model=list[KnowledgeDocument],
    summary="Documents and their versions, with validity",
    responses={401: UNAUTHORIZED, 422: INVALID, 429: RATE_LIMITED},
)
def list_documents(
    _: OperatorDep,
    runtime: RuntimeDep,
    as_of: date | None = Query(  # noqa: B008
        default=None, description="the day `in_force` refers to (default today)"
    ),
) -> list[KnowledgeDocument]:
    day = as_of or runtime.deps.clock().date()
    grouped: dict[str, list[DocumentRecord]] = {}
    for record in runtime.knowledge.documents():
        grouped.setdefault(record.doc_id, []).append(record)
    out = []
    for doc_id, records in grouped.items():
        records.sort(key=lambda r: (r.declared_from, r.version))
        versions = [_version(r, day) for r in records]
        current = next((v.version for v in reversed(versions) if v.in_force), None)
        out.append(
            KnowledgeDocument(
                doc_id=doc_id, title=records[-1].title, current_version=current, versions=versions
            )
        )
    return out


@router.delete(
    "/documents/{doc_id}",
    response_model=Deleted,
    summary="Delete a document (every version, or one)",
    description="The passages leave the search index at once; the previous version's validity "
    "is recomputed (it is in force again if the deleted one had ended it).",
    responses={
        401: UNAUTHORIZED,
        429: RATE_LIMITED,
        404: _error(
            "Unknown document or version",
            "document_not_found",
            "no document 'autolettura-gas' version '9'",
        ),
        422: INVALID,
    },
)
async def delete_document(
    doc_id: str,
    _: OperatorDep,
    runtime: RuntimeDep,
    version: str | None = Query(default=None, description="only this version"),
) -> Deleted:
    def remove() -> list[DocumentRecord]:
        with _writes:
            return runtime.knowledge.remove(doc_id, version)

    removed = await anyio.to_thread.run_sync(remove)
    if not removed:
        which = f" version {version!r}" if version else ""
        raise ApiError(404, "document_not_found", f"no document {doc_id!r}{which}")
    today = runtime.deps.clock().date()
    return Deleted(doc_id=doc_id, deleted=[_version(r, today) for r in removed])
