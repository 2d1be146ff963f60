"""An Italian bill as a PDF: frontespizio, scontrino by category and detail, with fpdf2."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from graph.backends.ports import Bill, BillLine, Customer, Payment, Supply

FONTS = Path("/usr/share/fonts/truetype/dejavu")
SELLER = "Lumea Multiservizi S.p.A."
SELLER_LINE = "Via dei Mille 10, 50100 Firenze - www.lumea.example"
CONTACTS = "Servizio clienti 800 123 456 (lun-ven 8-20, sab 8-13) - WhatsApp +39 320 000 1234"
COMMODITY = {"electricity": "luce", "gas": "gas", "water": "acqua"}
UNITS = {"m3": "m³"}
MARKETS = {
    "libero": "Mercato libero",
    "tutele_graduali": "Servizio a tutele graduali",
    "maggior_tutela": "Servizio di maggior tutela",
    "vulnerabilita": "Servizio di tutela della vulnerabilità",
}
CATEGORIES = {
    "materia": "Spesa per la materia energia",
    "trasporto": "Spesa per il trasporto e la gestione del contatore",
    "oneri": "Spesa per oneri di sistema",
    "imposte": "Imposte (accisa e IVA)",
    "canone_rai": "Canone RAI",
    "ricalcoli": "Ricalcoli",
    "altre": "Altre partite",
    "bonus": "Bonus sociale",
}
CATEGORIES_BY_COMMODITY = {
    "gas": {
        "materia": "Spesa per la materia gas naturale",
        "imposte": "Imposte (accisa, addizionale regionale e IVA)",
    },
    "water": {"materia": "Acquedotto", "trasporto": "Fognatura e depurazione", "imposte": "IVA"},
}
METHODS = {
    "sdd": "addebito diretto SEPA",
    "card": "carta",
    "bank_transfer": "bonifico",
    "postal": "bollettino postale",
    "pagopa": "pagoPA",
    "cash": "contanti",
}


def euro(amount: Decimal) -> str:
    """Italian money format: 1.234,56."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def number(value: Decimal, min_decimals: int = 0) -> str:
    """A quantity or unit price with a decimal comma and no useless zeros."""
    text = f"{value.normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, _, decimals = text.partition(".")
    decimals = decimals.ljust(min_decimals, "0")
    return whole + ("," + decimals if decimals else "")


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


class _BillPdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.unicode = (FONTS / "DejaVuSans.ttf").exists() and (
            FONTS / "DejaVuSans-Bold.ttf"
        ).exists()
        if self.unicode:
            self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
            self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.family = "DejaVu" if self.unicode else "Helvetica"
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=22)

    def text_of(self, text: str) -> str:
        """Core fonts are Latin-1 only: spell the euro sign and replace what cannot be shown."""
        if self.unicode:
            return text
        return text.replace("€", "EUR").encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def line_text(self, text: str, size: float = 9, bold: bool = False, height: float = 5) -> None:
        self.font(size, bold)
        self.multi_cell(0, height, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def footer(self) -> None:
        self.set_y(-18)
        self.font(8, True)
        self.cell(
            0, 4, self.text_of(self.footer_text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.font(7)
        self.cell(
            0, 4, self.text_of(f"{SELLER} - {CONTACTS} - pagina {self.page_no()}/{{nb}}"), align="C"
        )


def _payment_status(bill: Bill, payments: Sequence[Payment]) -> str:
    paid = sum((p.amount for p in payments), Decimal(0))
    last = max(payments, key=lambda p: p.paid_on) if payments else None
    if bill.status == "paid" and last:
        return f"Pagata il {_day(last.paid_on)} ({METHODS[last.method]})"
    if bill.status == "paid":
        return "Pagata"
    if bill.status == "partially_paid":
        return f"Pagata in parte: {euro(paid)} €, restano da pagare {euro(bill.amount - paid)} €"
    if bill.status == "in_instalments":
        return f"In rateizzazione: rate pagate finora {euro(paid)} €"
    if bill.status == "cancelled":
        return "Annullata: non pagare"
    return f"Da pagare entro il {_day(bill.due_date)}"


def _quantity_and_price(line: BillLine) -> tuple[str, str]:
    """How the detail shows a line: VAT as its taxable base and a percentage."""
    if line.quantity is None or line.unit_price is None:
        return "", ""
    if line.unit == "€":
        return f"{euro(line.quantity)} €", f"{number(line.unit_price * 100)}%"
    unit = UNITS.get(line.unit or "", line.unit or "")
    return f"{number(line.quantity)} {unit}".strip(), f"{number(line.unit_price, 2)} €"


def _kind(bill: Bill) -> str:
    if bill.conguaglio:
        return "Bolletta di conguaglio su letture effettive"
    if bill.estimated:
        return "Bolletta in acconto su consumi stimati"
    return "Bolletta su letture effettive"


def _supply_lines(supply: Supply, domestic: bool) -> list[str]:
    lines = []
    if supply.pod:
        lines.append(f"POD: {supply.pod}")
    if supply.pdr:
        lines.append(f"PDR: {supply.pdr}")
    if supply.water_meter:
        lines.append(f"Matricola contatore: {supply.water_meter}")
    lines.append(f"Indirizzo di fornitura: {supply.address}")
    use = "altri usi"
    if domestic:
        use = "domestico residente" if supply.resident else "domestico non residente"
    if supply.commodity == "electricity" and supply.power_kw is not None:
        use += f", potenza impegnata {number(supply.power_kw)} kW"
    lines.append(f"Uso: {use}")
    if supply.commodity != "water":  # water has a regulated tariff, not a market
        offer = f", codice offerta {supply.offer_code}" if supply.offer_code else ""
        lines.append(MARKETS[supply.market] + offer)
    lines.append(f"Distributore: {supply.distributor}")
    if supply.bonus:
        kind = "disagio fisico" if supply.bonus.kind == "physical" else "disagio economico"
        lines.append(
            f"Bonus sociale per {kind} dal {_day(supply.bonus.valid_from)} "
            f"al {_day(supply.bonus.valid_to)}"
        )
    return lines


def render_bill_pdf(
    customer: Customer, supply: Supply, bill: Bill, payments: Sequence[Payment]
) -> bytes:
    """The bill as PDF bytes (starting with %PDF); `payments` are those made for this bill."""
    emergency = (
        f"Pronto intervento guasti {supply.distributor}: {supply.distributor_emergency_phone} "
        "(gratuito, 24 ore su 24)"
    )
    pdf = _BillPdf(emergency)
    pdf.alias_nb_pages()
    pdf.add_page()

    pdf.line_text(SELLER, 16, bold=True, height=7)
    pdf.line_text(SELLER_LINE, 8, height=4)
    pdf.line_text(CONTACTS, 8, height=4)
    pdf.ln(4)
    pdf.line_text(f"Bolletta {COMMODITY[bill.commodity]} n. {bill.number}", 13, bold=True, height=6)
    pdf.line_text(f"Emessa il {_day(bill.issue_date)} - {_kind(bill)}", 9)
    pdf.ln(2)

    pdf.set_fill_color(235, 242, 250)
    pdf.font(12, True)
    top = pdf.get_y()
    pdf.cell(
        0,
        9,
        pdf.text_of(f"Totale da pagare: {euro(bill.amount)} €"),
        fill=True,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.font(10)
    pdf.cell(
        0,
        6,
        pdf.text_of(f"Scadenza: {_day(bill.due_date)}"),
        fill=True,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.cell(
        0,
        6,
        pdf.text_of(f"Stato del pagamento: {_payment_status(bill, payments)}"),
        fill=True,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    how = (
        "Addebito diretto sul conto corrente (SEPA)"
        if supply.direct_debit
        else "Paga con pagoPA, carta, bonifico o bollettino; link di pagamento su WhatsApp"
    )
    pdf.cell(0, 6, pdf.text_of(how), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.rect(15, top, 180, pdf.get_y() - top)
    pdf.ln(4)

    pdf.line_text("Intestatario", 10, bold=True)
    holder = [customer.name, f"Codice cliente: {customer.code}"]
    if customer.fiscal_code:
        holder.append(f"Codice fiscale / P. IVA: {customer.fiscal_code}")
    pdf.line_text("\n".join(holder), 9)
    pdf.ln(2)
    pdf.line_text(f"Fornitura di {COMMODITY[bill.commodity]}", 10, bold=True)
    pdf.line_text("\n".join(_supply_lines(supply, customer.domestic)), 9)
    pdf.ln(2)
    unit = UNITS.get(bill.consumption_unit or "", bill.consumption_unit or "")
    consumption = (
        f"{number(bill.consumption)} {unit} "
        + ("(stimati)" if bill.estimated else "(su letture effettive)")
        if bill.consumption is not None
        else "-"
    )
    pdf.line_text(
        f"Periodo di fatturazione: dal {_day(bill.period_start)} al {_day(bill.period_end)}\n"
        f"Consumi fatturati: {consumption}",
        9,
    )
    pdf.ln(3)

    labels = CATEGORIES | CATEGORIES_BY_COMMODITY.get(bill.commodity, {})
    totals: dict[str, Decimal] = {}
    for line in bill.lines:
        totals[line.category] = totals.get(line.category, Decimal(0)) + line.amount
    pdf.line_text("Scontrino della bolletta", 11, bold=True, height=6)
    pdf.font(9)
    with pdf.table(
        col_widths=(130, 50),
        text_align=("LEFT", "RIGHT"),
        line_height=5,
        first_row_as_headings=False,
    ) as table:
        for category in CATEGORIES:
            if category in totals:
                row = table.row()
                row.cell(pdf.text_of(labels[category]))
                row.cell(pdf.text_of(f"{euro(totals[category])} €"))
        row = table.row()
        row.cell(pdf.text_of("Totale bolletta"))
        row.cell(pdf.text_of(f"{euro(bill.amount)} €"))
    pdf.ln(4)

    pdf.line_text("Dettaglio degli importi", 11, bold=True, height=6)
    pdf.font(8)
    with pdf.table(
        col_widths=(92, 28, 34, 26), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"), line_height=4.5
    ) as table:
        heading = table.row()
        for title in ("Voce", "Quantità", "Prezzo unitario", "Importo"):
            heading.cell(pdf.text_of(title))
        for line in bill.lines:
            quantity, price = _quantity_and_price(line)
            row = table.row()
            for text in (line.description, quantity, price, f"{euro(line.amount)} €"):
                row.cell(pdf.text_of(text))
    pdf.ln(4)

    if payments:
        pdf.line_text("Pagamenti ricevuti per questa bolletta", 10, bold=True)
        pdf.line_text(
            "\n".join(
                f"{_day(p.paid_on)}: {euro(p.amount)} € ({METHODS[p.method]})"
                for p in sorted(payments, key=lambda p: p.paid_on)
            ),
            9,
        )
        pdf.ln(2)
    pdf.line_text(emergency, 9, bold=True)
    pdf.line_text(
        "Per reclami, rateizzazioni e informazioni sulla bolletta contatta Lumea; per guasti e "
        "emergenze chiama sempre il pronto intervento del distributore.",
        8,
    )
    return bytes(pdf.output())
