"""`sportello ingest` and `sportello docs`: the knowledge manager's commands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from knowledge.settings import Settings


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ingest = sub.add_parser(
        "ingest", help="ingest documents (PDF, DOCX, HTML, Markdown, text) into the knowledge base"
    )
    ingest.add_argument("paths", nargs="+", type=Path, help="files or folders")
    ingest.add_argument("--json", action="store_true", help="print one JSON report")
    ingest.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
    )
    ingest.set_defaults(run=run_ingest)

    docs = sub.add_parser("docs", help="list or delete ingested documents")
    docs_sub = docs.add_subparsers(dest="docs_command", required=True)
    listing = docs_sub.add_parser("list", help="documents and their versions")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=run_docs_list)
    remove = docs_sub.add_parser("delete", help="delete a document (all versions, or one)")
    remove.add_argument("doc_id")
    remove.add_argument("--version", help="only this version")
    remove.add_argument("--json", action="store_true")
    remove.set_defaults(run=run_docs_delete)


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from ingest.pipeline import ingest_paths
    from knowledge.factory import build_knowledge

    kb = build_knowledge(settings)
    try:
        report = ingest_paths(
            kb,
            args.paths,
            dry_run=args.dry_run,
            max_tokens=settings.chunk_max_tokens,
            min_tokens=settings.chunk_min_tokens,
            progress=lambda files: tqdm(
                files, desc="ingest", unit="doc", disable=not sys.stderr.isatty(), file=sys.stderr
            ),
        )
    finally:
        kb.close()
    if args.json:
        print(report.model_dump_json())
    else:
        prefix = "would be " if args.dry_run else ""
        for doc in report.documents:
            detail = f"{doc.chunks} chunks" if doc.status != "failed" else doc.error
            print(f"{prefix}{doc.status:9} {doc.path} [{doc.doc_id or '-'}] {detail}")
        t = report.totals
        print(
            f"{t['documents']} documents: {t['added']} added, {t['updated']} updated, "
            f"{t['unchanged']} unchanged, {t['failed']} failed; {t['chunks']} chunks"
            + (" (dry run: nothing changed)" if args.dry_run else "")
        )
    return 2 if report.failed else 0


def _record_json(record) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "doc_id": record.doc_id,
        "version": record.version,
        "title": record.title,
        "path": record.path,
        "source": record.source,
        "doc_type": record.doc_type,
        "language": record.language,
        "chunks": record.chunks,
        "effective_from": record.declared_from.isoformat(),
        "effective_to": record.effective_to.isoformat() if record.effective_to else None,
        "ingested_at": record.ingested_at.isoformat(),
    }


def run_docs_list(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.factory import build_knowledge

    kb = build_knowledge(settings)
    try:
        records = kb.documents()
    finally:
        kb.close()
    if args.json:
        print(json.dumps([_record_json(r) for r in records]))
    else:
        for r in records:
            until = r.effective_to.isoformat() if r.effective_to else "open"
            print(
                f"{r.doc_id:45} v{r.version:8} {r.declared_from} .. {until:10} "
                f"{r.chunks:3} chunks  {r.title}"
            )
    return 0


def run_docs_delete(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.factory import build_knowledge

    kb = build_knowledge(settings)
    try:
        removed = kb.remove(args.doc_id, args.version)
    finally:
        kb.close()
    if args.json:
        print(json.dumps({"deleted": [_record_json(r) for r in removed]}))
    elif removed:
        print(f"deleted {args.doc_id}: versions {', '.join(r.version for r in removed)}")
    else:
        version = f" version {args.version!r}" if args.version else ""
        print(f"no document {args.doc_id!r}{version}", file=sys.stderr)
    return 0 if removed else 1
