"""PDF text comes back line by line: a wrapped line is joined to its bullet or paragraph."""

from __future__ import annotations

from pathlib import Path

from ingest.partition import partition_file
from tests.helpers import write_pdf


def test_a_wrapped_line_stays_with_its_bullet(tmp_path: Path) -> None:
    pdf = write_pdf(
        tmp_path / "reclami.pdf",
        [
            "Tempi di risposta al reclamo",
            "Il venditore risponde entro 30 giorni di calendario dal ricevimento del reclamo.",
            "• Se il reclamo arriva a un indirizzo sbagliato, deve essere inoltrato entro",
            "7 giorni; i 30 giorni partono dall'arrivo all'indirizzo giusto.",
            "• Per i reclami presentati da un'associazione il termine è di 40",
            "giorni.",
            "Indennizzo per la risposta in ritardo",
            "Se Lumea risponde in ritardo, ricevi un indennizzo automatico.",
        ],
        lines=True,
    )
    blocks = partition_file(pdf, None, "it")
    texts = [b.text for b in blocks]
    assert any(
        t.endswith(
            "inoltrato entro 7 giorni; i 30 giorni partono dall'arrivo all'indirizzo giusto."
        )
        for t in texts
    ), texts
    assert any(t.endswith("il termine è di 40 giorni.") for t in texts), texts
    titles = [b.text for b in blocks if b.kind == "title"]
    assert not any(t.startswith(("7 giorni", "giorni")) for t in titles), titles
    # A heading after a finished sentence is still a heading, and a new bullet its own block.
    assert not any("ritardo Se Lumea" in t or "giusto. •" in t for t in texts), texts


def test_the_lines_a_page_break_puts_at_the_top_are_kept(tmp_path: Path) -> None:
    """unstructured types the top lines of a page as a Header: a table row and the figure
    that ends a row were dropped. Only page furniture is dropped: the running footer."""
    from fpdf import FPDF

    class Sheet(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.cell(0, 10, f"Lumea Multiservizi S.p.A. - Offerta - pagina {self.page_no()}")

    pdf = Sheet()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 6, "Offerta Lumea Luce Fissa - Scheda sintetica", new_x="LMARGIN", new_y="NEXT")
    rows = 36  # two pages: rows and their totals fall on both sides of the break
    for i in range(rows):
        row = f"- {1000 + i * 100} kWh: Spesa energia {i},00 EUR; Totale corrispettivi Lumea"
        pdf.cell(0, 6, row, new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 6, f"{200 + i},75 EUR", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "offerta.pdf"))

    texts = [b.text for b in partition_file(tmp_path / "offerta.pdf", None, "it")]
    for i in range(rows):
        assert any(
            f"{1000 + i * 100} kWh" in t
            and t.endswith(f"Totale corrispettivi Lumea {200 + i},75 EUR")
            for t in texts
        ), (i, texts)
    assert not any("pagina" in t for t in texts), texts


def test_a_lead_in_is_not_a_heading(tmp_path: Path) -> None:
    """A short line ending with ":" introduces the list below it; as a heading it opened a
    section of its own and its items were quoted without it."""
    path = tmp_path / "reclami.txt"
    body = (
        "Cosa deve contenere un reclamo\n\n"
        "Un reclamo senza modulo è valido se riporta almeno:\n\n"
        "- nome e cognome dell'intestatario;\n"
        "- indirizzo della fornitura;\n"
        "- una breve descrizione del problema.\n"
    )
    path.write_text(body, encoding="utf-8")
    blocks = partition_file(path, body, "it")
    lead_in = [b for b in blocks if b.text.startswith("Un reclamo senza modulo")]
    assert [b.kind for b in lead_in] == ["text"], blocks
