"""Builders for test documents, and copies of data dirs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
META = {
    "title": "Documento di prova",
    "commodity": ["gas"],
    "verticals": ["billing"],
    "doc_type": "guide",
    "language": "it",
    "effective_from": "2025-01-01",
    "version": "1",
}


def meta(doc_id: str, **overrides: object) -> dict[str, object]:
    return {"doc_id": doc_id, **META, **overrides}


def write_markdown(path: Path, doc_id: str, body: str, **overrides: object) -> Path:
    front = yaml.safe_dump(meta(doc_id, **overrides), allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path


def write_sidecar(path: Path, doc_id: str, **overrides: object) -> Path:
    sidecar = path.with_name(path.name + ".meta.yaml")
    sidecar.write_text(yaml.safe_dump(meta(doc_id, **overrides), sort_keys=False), "utf-8")
    return sidecar


def write_pdf(path: Path, paragraphs: list[str], *, lines: bool = False) -> Path:
    """A PDF of paragraphs (wrapped by fpdf), or with `lines` each one placed as a layout
    put it (a bullet wrapped over two lines). With the core font (Latin-1 only, enough for
    test text without the euro sign) bullets are written as dashes."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    if Path(DEJAVU).exists():
        pdf.add_font("DejaVu", "", DEJAVU)
        pdf.set_font("DejaVu", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
        paragraphs = [p.replace("•", "-") for p in paragraphs]
    for paragraph in paragraphs:
        if lines:
            pdf.cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(3)
    pdf.output(str(path))
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF whose only page is a picture of text: no text layer, as a scanner makes."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image_path = path.with_suffix(".png")
    image = Image.new("RGB", (800, 1000), "white")
    ImageDraw.Draw(image).text((60, 60), "Bolletta n. 123 - totale 84,20 euro", fill="black")
    image.save(image_path)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(image_path), x=10, y=10, w=180)
    pdf.output(str(path))
    image_path.unlink()
    return path


def copy_data_dir(
    source: Path, target: Path, ignore: Callable[[str, list[str]], set[str]] | None = None
) -> Path:
    """A copy of a data dir whose files stay sparse.

    Qdrant Edge preallocates its write-ahead log and memory-mapped files: the ingested corpus
    takes 3 MB on disk but 220 MB once every hole is written out, which a plain copy does.
    About a hundred tests copy it, and the suite once filled 17 GB of /tmp and ran CI out of
    disk."""
    shutil.copytree(source, target, ignore=ignore, copy_function=_copy_sparse, dirs_exist_ok=True)
    return target


def _copy_sparse(source: str, target: str) -> str:
    block_size = 1 << 16
    with open(source, "rb") as src, open(target, "wb") as dst:
        while block := src.read(block_size):
            if block.count(0) == len(block):
                dst.seek(len(block), os.SEEK_CUR)  # leave a hole
            else:
                dst.write(block)
        dst.truncate()  # a file that ends in a hole keeps its length
    shutil.copystat(source, target)
    return target
