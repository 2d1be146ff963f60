"""Ingestion throughput: pages per second on the PDF part of the corpus, and the whole corpus.

    python -m benchmarks.ingest_throughput

Parsing (unstructured, fast strategy) and chunking are timed apart from embedding and upsert.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from benchmarks._corpus import CORPUS
from ingest.pipeline import discover, ingest_paths, prepare, read_document
from knowledge.factory import build_knowledge
from knowledge.settings import Settings


def main() -> None:
    files = discover([CORPUS])
    pdfs = [f for f in files if f.suffix.lower() == ".pdf"]
    pages = sum(len(PdfReader(str(p)).pages) for p in pdfs)
    # Warm up the parsers (imports, spaCy model) so the figures are per-document work.
    first = read_document(pdfs[0])
    prepare(pdfs[0], *first, max_tokens=320, min_tokens=40)

    start = time.perf_counter()
    chunks = 0
    for pdf in pdfs:
        doc = prepare(pdf, *read_document(pdf), max_tokens=320, min_tokens=40)
        chunks += len(doc.chunks)
    parse = time.perf_counter() - start
    print(
        f"PDF parse+chunk: {len(pdfs)} files, {pages} pages, {chunks} chunks in {parse:.2f} s "
        f"= {pages / parse:.1f} pages/s"
    )

    kb = build_knowledge(Settings(sportello_data_dir=Path(tempfile.mkdtemp())))
    start = time.perf_counter()
    report = ingest_paths(kb, pdfs)
    full = time.perf_counter() - start
    print(
        f"PDF full ingest (parse, chunk, embed, upsert): {full:.2f} s = {pages / full:.1f} pages/s"
    )

    start = time.perf_counter()
    report = ingest_paths(kb, [CORPUS])
    total = time.perf_counter() - start
    t = report.totals
    print(
        f"whole corpus: {t['documents']} files ({t['added'] + t['updated']} new), "
        f"{t['chunks']} chunks in {total:.2f} s"
    )
    start = time.perf_counter()
    report = ingest_paths(kb, [CORPUS])
    print(
        f"re-ingest unchanged: {report.totals['unchanged']} files in "
        f"{time.perf_counter() - start:.2f} s"
    )
    kb.close()


if __name__ == "__main__":
    main()
