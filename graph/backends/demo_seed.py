"""Deterministic synthetic data for the demo utility: Lumea's customers in the Valdarno Sud area.

`build_demo_data(today, seed)` is a pure function of its arguments; every date is relative to
`today` (the seeding day). Customers LM00010001-LM00010031 are fixed personas: their data do
not depend on `seed` (only bill and payment ids do, being numbered in issue order across all
customers); LM00010032-LM00010060 are generic customers drawn from `seed`. Amounts are priced with Lumea's 2025-2026 offers and the Valdarno Sud water tariff
of the knowledge base, and ARERA-like regulated components; each bill's lines sum to its amount.

| Code | Persona | What is special |
|---|---|---|
| LM00010001 | Giulia Rossi, Figline Valdarno | Rich demo persona, phone +393331234567, good payer. Electricity (3 kW, resident, canone RAI, nothing overdue) + gas: a year of estimated bills, then a LARGE conguaglio issued in the last 5 days, due in the future, unpaid: eligible for instalments. Lives in the street of the active outage. Preferences: WhatsApp active, bills by e-mail, reminders on WhatsApp; `marketing_lumea` consent granted on WhatsApp 200 days ago |
| LM00010002 | Marco Bianchi, Montevarchi | Electricity meter not read remotely: estimated bills then a large conguaglio (instalment-eligible). A `power_change` case (3 to 4.5 kW) opened 6 days ago, `waiting_documents` |
| LM00010003 | Chiara Innocenti, San Giovanni V. | Gas estimated bills then a large conguaglio; water as well |
| LM00010004 | Stefano Bartolini, Reggello | Water estimated bills then a large conguaglio |
| LM00010005 | Elena Nocentini, Terranuova B. | Electricity + gas; gas large conguaglio. Consent history: `marketing_partners` and `surveys` granted on the web 300 days ago, `marketing_partners` revoked on WhatsApp 30 days ago; bills by e-mail, reminders by SMS |
| LM00010006 | Paolo Cappelli, Rignano | Gas large conguaglio + electricity |
| LM00010007 | Roberto Giannini, Montevarchi | Arrears: two electricity bills unpaid past due; open `costituzione_in_mora` ticket |
| LM00010008 | Simona Mugnai, Figline | Arrears: one bill unpaid past due, and the latest bill due in exactly 3 days, unpaid |
| LM00010009 | Lorenzo Sarti, Incisa | Good payer; electricity bill due in exactly 3 days, unpaid (reminder case) |
| LM00010010 | Valentina Pratesi, San Giovanni V. | Arrears: gas bill past due, `partially_paid` |
| LM00010011 | Massimo Fabbri, Montevarchi | Arrears: three bills past due; mora ticket with power reduction; electricity `suspended` |
| LM00010012 | Federica Baldi, Reggello | Arrears on water (REMSI) |
| LM00010013 | Andrea Bencini, Terranuova B. | Arrears: latest past-due bill unpaid (electricity on tutele graduali) |
| LM00010014 | Anna Frosini, Figline | Arrears and economic bonus holder (bonus + mora: right to instalments) |
| LM00010015 | Trattoria Da Beppe (non-domestic) | Arrears; electricity 15 kW + gas, IVA 22% |
| LM00010016 | Silvia Ciampi, Montevarchi | "I already paid": latest past-due bill unpaid, and an unallocated bank transfer of the same amount on another date (`bill_id` None) |
| LM00010017 | Francesco Papini, San Giovanni V. | Duplicate bill: two electricity bills, same period and amount; original paid, copy unpaid |
| LM00010018 | Giovanni Checcucci, Reggello | Life support (non disalimentabile), physical bonus, 4.5 kW; one bill past due |
| LM00010019 | Lucia Cecchi, Incisa | Vulnerable (over 75), tutela della vulnerabilità, economic bonus |
| LM00010020 | Piero Meacci, Figline | Vulnerable (disability); electricity + water |
| LM00010021 | Martina Paoli, Montevarchi | Economic bonus, electricity + gas, 4 people |
| LM00010022 | Daniele Tognetti, Terranuova B. | Economic bonus, electricity + water |
| LM00010023 | Irene Lapini, San Giovanni V. | Economic bonus on water only, 5 people |
| LM00010024 | Matteo Nencioni, Rignano | Economic bonus, gas + electricity, 6 people |
| LM00010025 | Bar Pasticceria Centrale (non-domestic) | Electricity 15 kW (bimonthly) + gas |
| LM00010026 | Forno Sestini (non-domestic) | Electricity 20 kW, billed monthly |
| LM00010027 | Studio Dentistico Bardi (non-domestic) | Electricity 10 kW + water |
| LM00010028 | Sarah Thompson, Reggello | Language `en`; electricity + gas; paper bills, reminders by e-mail, WhatsApp not active |
| LM00010029 | Claudio Pieri, Terranuova B. | Active instalment plan (6 rate) on an older gas conguaglio, bill `in_instalments` |
| LM00010030 | Serena Galli, Incisa | Three supplies; water large conguaglio; a `payment_method` case (direct debit) completed 120 days ago |
| LM00010031 | Claire Dubois, Figline | Language `fr`; electricity on Lumea Luce Variabile (PUN) |

Planned outages: O-0001 electricity in Figline Valdarno, active now (today 07:30 to tomorrow
06:00); O-0002 gas in San Giovanni Valdarno in 4 days; O-0003 water in Montevarchi, 9 days ago.
The generic customers include late payers (`good_payer` False, nothing overdue) and a resolved
`bill_anomaly` ticket (LM00010032). Customers without stored preferences get the defaults of
`Preferences` (paper bills, reminders on WhatsApp, WhatsApp not active) and have no consents.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from graph.backends.bill_pdf import euro
from graph.backends.ports import (
    Bill,
    BillLine,
    BonusStatus,
    Case,
    Commodity,
    Consent,
    Customer,
    Instalment,
    InstalmentPlan,
    MeterReading,
    Payment,
    PlannedOutage,
    Preferences,
    Supply,
    Ticket,
    TicketUpdate,
)

if TYPE_CHECKING:
    from graph.backends.demo import DemoBackend

ROME = ZoneInfo("Europe/Rome")
DEFAULT_SEED = 42
CUSTOMERS = 60
DUE_DAYS = 20  # Lumea: payment due 20 days after the issue date
CONGUAGLIO_RATIO = Decimal("2.5")

# fmt: off
DISTRIBUTORS: dict[str, tuple[str, str]] = {
    "electricity": ("Lumea Reti Elettriche", "800 900 111"),
    "gas": ("Gasdotti Valdarno", "800 900 222"),
    "water": ("Acque Valdarno Sud", "800 900 333"),
}
UNITS = {"electricity": "kWh", "gas": "Smc", "water": "m3"}
LETTERS = {"electricity": "E", "gas": "G", "water": "A"}
COMMUNES: dict[str, tuple[str, str, tuple[str, ...]]] = {  # CAP, province, streets
    "Figline Valdarno": ("50063", "FI", ("Via Roma", "Piazza Marsilio Ficino", "Via Fiorentina")),
    "Incisa Valdarno": ("50064", "FI", ("Via Petrarca", "Piazza Santa Lucia", "Via Aretina")),
    "Reggello": ("50066", "FI", ("Via Dante Alighieri", "Via Vallombrosa", "Via Garibaldi")),
    "Rignano sull'Arno": ("50067", "FI", ("Via Roma", "Via di Rosano", "Piazza della Repubblica")),
    "San Giovanni Valdarno": ("52027", "AR", ("Corso Italia", "Viale Gramsci", "Via Rossini")),
    "Montevarchi": ("52025", "AR", ("Via Roma", "Viale Diaz", "Via Burzagli", "Piazza Varchi")),
    "Terranuova Bracciolini": ("52028", "AR", ("Via Vittorio Veneto", "Viale Europa", "Via Concini")),
}
FEMALE = ("Giulia Francesca Chiara Sara Elena Martina Valentina Alessandra Laura Silvia Paola "
          "Federica Elisa Simona Roberta Cristina Monica Marta Caterina Beatrice Ilaria Serena "
          "Benedetta Lucia").split()
MALE = ("Marco Luca Andrea Alessandro Matteo Lorenzo Francesco Stefano Giovanni Paolo Simone "
        "Daniele Riccardo Niccolò Filippo Tommaso Jacopo Gabriele Leonardo Massimo Fabio Claudio "
        "Enrico Duccio").split()
SURNAMES = ("Bartolini Innocenti Cappelli Bini Giannini Nocentini Sarti Mugnai Pratesi Bencini "
            "Fabbri Lombardi Moretti Conti Ricci Marini Galli Martini Bernardi Neri Pieri Baldi "
            "Tognetti Lapini Bardi Sestini Nencioni Frosini Ciampi Papini Paoli Cecchi Lotti "
            "Meacci Vannini Landi Becattini Fantoni Guerrini Mannucci Pagliai Rossi Romei Tanzini "
            "Ulivi Vestri").split()
MOBILE_PREFIXES = ("320 328 329 333 334 335 338 339 340 342 347 348 349 351 366 371 377 380 388 "
                   "392").split()

# Prices: Lumea's offers (knowledge base) and regulated components (ARERA-like, approximate).
OFFERS: dict[str, tuple[str, Decimal | None, Decimal]] = {  # label, €/unit (None: PUN), €/year
    "LUMEA-LF-2025": ("Lumea Luce Fissa 2025, monoraria", Decimal("0.1290"), Decimal("108")),
    "LUMEA-LF-2026": ("Lumea Luce Fissa 2026, monoraria", Decimal("0.1185"), Decimal("114")),
    "LUMEA-LV-PUN-2026": ("Lumea Luce Variabile, PUN medio + spread", None, Decimal("120")),
    "LUMEA-PMI-2026": ("Lumea Luce Business 2026", Decimal("0.1340"), Decimal("180")),
    "LUMEA-GF-2026": ("Lumea Gas Fisso 2026", Decimal("0.4890"), Decimal("96")),
    "LUMEA-PMI-GAS-2026": ("Lumea Gas Business 2026", Decimal("0.4700"), Decimal("150")),
}
REGULATED: dict[tuple[str, str], tuple[str, Decimal, Decimal]] = {
    ("electricity", "tutele_graduali"): ("Servizio a tutele graduali", Decimal("0.1150"), Decimal("72")),
    ("electricity", "vulnerabilita"): ("Servizio di tutela della vulnerabilità", Decimal("0.1350"), Decimal("60")),
    ("gas", "vulnerabilita"): ("Servizio di tutela della vulnerabilità gas", Decimal("0.5100"), Decimal("80")),
}
PUN_SPREAD = Decimal("0.0150")
PUN = {month: Decimal(price) for month, price in enumerate(
    "0.1400 0.1500 0.1200 0.1000 0.0950 0.1050 0.1150 0.1200 0.1100 0.1150 0.1250 0.1300".split(),
    start=1)}
E_TRANSPORT_KWH = Decimal("0.0102")
E_TRANSPORT_YEAR = Decimal("23.04")
E_TRANSPORT_KW_YEAR = Decimal("22.30")
E_ONERI_KWH = {True: Decimal("0.0295"), False: Decimal("0.0410")}   # by domestic
E_EXCISE_KWH = {True: Decimal("0.0227"), False: Decimal("0.0125")}  # by domestic
CANONE_RAI_MONTH = Decimal("9.00")                                  # January to October
E_BONUS_YEAR = ((2, Decimal("167.90")), (4, Decimal("219.00")), (99, Decimal("240.90")))
E_BONUS_PHYSICAL_YEAR = Decimal("226.30")
G_TRANSPORT_SMC = Decimal("0.1080")
G_TRANSPORT_YEAR = Decimal("62.50")
G_ONERI_SMC = Decimal("0.0350")
G_REGIONAL_SMC = Decimal("0.0250")
G_EXCISE = ((120, Decimal("0.044")), (480, Decimal("0.175")), (1560, Decimal("0.170")),
            (10**9, Decimal("0.186")))                              # Centre-North, €/Smc
G_VAT10_SMC_YEAR = 480
G_BONUS_DAY = Decimal("0.30")
W_FIXED_YEAR = {"acquedotto": Decimal("42"), "fognatura": Decimal("9"), "depurazione": Decimal("15")}
W_BANDS = ((80, Decimal("0.7200"), "fascia agevolata"), (150, Decimal("1.3500"), "fascia base"),
           (220, Decimal("2.0200"), "1ª eccedenza"), (10**9, Decimal("2.7000"), "2ª eccedenza"))
W_SEWER_M3 = Decimal("0.3800")
W_TREATMENT_M3 = Decimal("0.9800")
W_BONUS_M3_PERSON_YEAR = Decimal("18.25")
PROFILES = {  # share of the annual consumption by month, January first
    "electricity": "0.095 0.085 0.080 0.070 0.070 0.080 0.105 0.100 0.080 0.075 0.075 0.085".split(),
    "gas": "0.190 0.160 0.120 0.060 0.030 0.020 0.015 0.015 0.020 0.050 0.130 0.190".split(),
    "water": "0.075 0.070 0.080 0.080 0.085 0.095 0.105 0.100 0.090 0.080 0.070 0.070".split(),
}
# fmt: on
CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
Story = Literal["regular", "conguaglio", "plan", "due3", "duplicate"]
Source = Literal["actual", "estimated", "self"]
ACTUAL: Source = "actual"
ESTIMATED: Source = "estimated"
SELF: Source = "self"


@dataclass
class DemoData:
    """Everything the demo backend stores, ready to load."""

    customers: list[Customer]
    bills: list[Bill]
    payments: list[Payment]
    readings: list[MeterReading]
    plans: list[InstalmentPlan]
    tickets: list[Ticket]
    outages: list[PlannedOutage]
    cases: list[Case] = field(default_factory=list)
    preferences: list[Preferences] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)


@dataclass(frozen=True)
class _SupplySpec:
    commodity: Commodity
    story: Story = "regular"
    power: str | None = None
    offer: str | None = None
    market: str = "libero"
    status: str = "active"
    resident: bool = True


@dataclass(frozen=True)
class _Persona:
    name: str
    female: bool
    born: date
    commune: str
    street: str
    supplies: tuple[_SupplySpec, ...]
    phone: str | None = None
    domestic: bool = True
    vulnerable: bool = False
    life_support: bool = False
    bonus: Literal["economic", "physical"] | None = None
    language: Literal["it", "en", "fr"] = "it"
    members: int = 2
    overdue: int = 0
    partial: bool = False
    unallocated: bool = False
    mora: bool = False
    direct_debit: bool = False
    method: str = "card"
    late_payer: bool = False
    birthplace: str = "D612"


def _s(commodity: Commodity, story: Story = "regular", **kw: object) -> _SupplySpec:
    return _SupplySpec(commodity, story, **kw)  # type: ignore[arg-type]


E: Commodity = "electricity"
G: Commodity = "gas"
W: Commodity = "water"
# fmt: off
PERSONAS: tuple[_Persona, ...] = (
    _Persona("Giulia Rossi", True, date(1986, 5, 14), "Figline Valdarno", "Via Roma 18",
             (_s(E, offer="LUMEA-LF-2025"), _s(G, "conguaglio")), phone="+393331234567", members=3),
    _Persona("Marco Bianchi", False, date(1979, 2, 3), "Montevarchi", "Viale Diaz 7",
             (_s(E, "conguaglio", offer="LUMEA-LF-2026"),), method="pagopa"),
    _Persona("Chiara Innocenti", True, date(1990, 9, 21), "San Giovanni Valdarno", "Viale Gramsci 41",
             (_s(G, "conguaglio"), _s(W)), direct_debit=True),
    _Persona("Stefano Bartolini", False, date(1968, 11, 30), "Reggello", "Via Vallombrosa 12",
             (_s(W, "conguaglio"),), method="postal", members=4, birthplace="A390"),
    _Persona("Elena Nocentini", True, date(1983, 4, 8), "Terranuova Bracciolini", "Viale Europa 3",
             (_s(E, offer="LUMEA-LF-2026"), _s(G, "conguaglio"))),
    _Persona("Paolo Cappelli", False, date(1975, 7, 19), "Rignano sull'Arno", "Via di Rosano 22",
             (_s(G, "conguaglio"), _s(E, offer="LUMEA-LV-PUN-2026")), method="bank_transfer"),
    _Persona("Roberto Giannini", False, date(1971, 1, 25), "Montevarchi", "Via Burzagli 56",
             (_s(E, offer="LUMEA-LF-2025"),), overdue=2, mora=True, method="postal",
             birthplace="F656"),
    _Persona("Simona Mugnai", True, date(1988, 6, 2), "Figline Valdarno", "Via Fiorentina 9",
             (_s(E, "due3", offer="LUMEA-LF-2025"),), overdue=1, method="pagopa"),
    _Persona("Lorenzo Sarti", False, date(1993, 10, 12), "Incisa Valdarno", "Via Petrarca 4",
             (_s(E, "due3", offer="LUMEA-LF-2026"), _s(G))),
    _Persona("Valentina Pratesi", True, date(1985, 3, 17), "San Giovanni Valdarno", "Via Rossini 15",
             (_s(G),), overdue=1, partial=True, birthplace="H901"),
    _Persona("Massimo Fabbri", False, date(1964, 8, 9), "Montevarchi", "Piazza Varchi 2",
             (_s(E, status="suspended", offer="LUMEA-LF-2025"),), overdue=3, mora=True,
             method="cash", birthplace="F656"),
    _Persona("Federica Baldi", True, date(1979, 12, 1), "Reggello", "Via Garibaldi 30",
             (_s(W),), overdue=1, method="postal"),
    _Persona("Andrea Bencini", False, date(1982, 5, 27), "Terranuova Bracciolini", "Via Concini 11",
             (_s(G), _s(E, market="tutele_graduali")), overdue=1),
    _Persona("Anna Frosini", True, date(1959, 2, 14), "Figline Valdarno", "Piazza Marsilio Ficino 5",
             (_s(E, offer="LUMEA-LF-2025"), _s(G)), bonus="economic", overdue=2, members=3,
             method="postal"),
    _Persona("Trattoria Da Beppe di Giuseppe Lotti", False, date(1970, 1, 1), "Rignano sull'Arno",
             "Piazza della Repubblica 8",
             (_s(E, power="15", offer="LUMEA-PMI-2026", resident=False),
              _s(G, offer="LUMEA-PMI-GAS-2026", resident=False)),
             domestic=False, overdue=1, method="bank_transfer"),
    _Persona("Silvia Ciampi", True, date(1977, 9, 5), "Montevarchi", "Via Roma 102",
             (_s(E, offer="LUMEA-LF-2026"),), overdue=1, unallocated=True, method="bank_transfer"),
    _Persona("Francesco Papini", False, date(1987, 12, 22), "San Giovanni Valdarno", "Corso Italia 64",
             (_s(E, "duplicate", offer="LUMEA-LF-2025"),)),
    _Persona("Giovanni Checcucci", False, date(1950, 3, 3), "Reggello", "Via Dante Alighieri 19",
             (_s(E, power="4.5", offer="LUMEA-LF-2025"),), life_support=True, bonus="physical",
             overdue=1, method="postal"),
    _Persona("Lucia Cecchi", True, date(1944, 7, 11), "Incisa Valdarno", "Piazza Santa Lucia 1",
             (_s(E, market="vulnerabilita"), _s(G, market="vulnerabilita")), vulnerable=True,
             bonus="economic", members=1, method="postal"),
    _Persona("Piero Meacci", False, date(1966, 10, 16), "Figline Valdarno", "Via Roma 44",
             (_s(E, market="vulnerabilita"), _s(W)), vulnerable=True, direct_debit=True),
    _Persona("Martina Paoli", True, date(1991, 1, 9), "Montevarchi", "Via Burzagli 3",
             (_s(E, offer="LUMEA-LF-2026"), _s(G)), bonus="economic", members=4),
    _Persona("Daniele Tognetti", False, date(1984, 8, 29), "Terranuova Bracciolini",
             "Via Vittorio Veneto 71", (_s(E, offer="LUMEA-LF-2025"), _s(W)), bonus="economic",
             members=3, direct_debit=True),
    _Persona("Irene Lapini", True, date(1973, 4, 18), "San Giovanni Valdarno", "Corso Italia 12",
             (_s(W),), bonus="economic", members=5, method="pagopa"),
    _Persona("Matteo Nencioni", False, date(1980, 6, 6), "Rignano sull'Arno", "Via Roma 3",
             (_s(G), _s(E, power="4.5", offer="LUMEA-LF-2026")), bonus="economic", members=6),
    _Persona("Bar Pasticceria Centrale s.n.c.", False, date(1970, 1, 1), "San Giovanni Valdarno",
             "Corso Italia 88",
             (_s(E, power="15", offer="LUMEA-PMI-2026", resident=False),
              _s(G, offer="LUMEA-PMI-GAS-2026", resident=False)),
             domestic=False, direct_debit=True),
    _Persona("Forno Sestini di Sestini Duccio", False, date(1970, 1, 1), "Figline Valdarno",
             "Via Fiorentina 120", (_s(E, power="20", offer="LUMEA-PMI-2026", resident=False),),
             domestic=False, direct_debit=True),
    _Persona("Studio Dentistico Dott.ssa Elisa Bardi", True, date(1970, 1, 1), "Montevarchi",
             "Viale Diaz 25",
             (_s(E, power="10", offer="LUMEA-PMI-2026", resident=False), _s(W, resident=False)),
             domestic=False, method="bank_transfer"),
    _Persona("Sarah Thompson", True, date(1982, 3, 30), "Reggello", "Via Vallombrosa 40",
             (_s(E, offer="LUMEA-LF-2026"), _s(G)), language="en", birthplace="Z114"),
    _Persona("Claudio Pieri", False, date(1962, 11, 11), "Terranuova Bracciolini", "Viale Europa 19",
             (_s(G, "plan"), _s(E, offer="LUMEA-LF-2025")), members=4),
    _Persona("Serena Galli", True, date(1976, 2, 20), "Incisa Valdarno", "Via Aretina 33",
             (_s(E, offer="LUMEA-LF-2025"), _s(G), _s(W, "conguaglio")), members=4,
             direct_debit=True),
    _Persona("Claire Dubois", True, date(1989, 8, 15), "Figline Valdarno", "Piazza Marsilio Ficino 12",
             (_s(E, offer="LUMEA-LV-PUN-2026"),), language="fr", members=1, birthplace="Z110"),
)
# fmt: on
GIULIA_IDS = {"electricity": "IT001E12345678", "gas": "00881234567890"}
SERENA_IBAN = "IT60X0542811101000000123456"  # the textbook example IBAN, not a real account
CONSENT_WORDING = {
    "marketing_lumea": (
        "Acconsento a ricevere da Lumea Multiservizi S.p.A. offerte e novità commerciali su "
        "WhatsApp, SMS ed e-mail. Posso revocare il consenso in qualsiasi momento."
    ),
    "marketing_partners": (
        "Acconsento alla comunicazione dei miei dati di contatto a partner commerciali di Lumea "
        "Multiservizi S.p.A. per l'invio di loro offerte. Posso revocare il consenso in "
        "qualsiasi momento."
    ),
    "surveys": (
        "Acconsento a essere contattato da Lumea Multiservizi S.p.A. per brevi questionari sulla "
        "qualità del servizio."
    ),
}
REVOCATION_WORDING = (
    "Revoco il consenso alla comunicazione dei miei dati a partner commerciali di Lumea "
    "Multiservizi S.p.A."
)


# Money and dates


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _daily(per_year: Decimal) -> Decimal:
    return (per_year / 365).quantize(MICRO, ROUND_HALF_UP)


def _line(
    category: str, description: str, qty: Decimal | int, unit: str, price: Decimal
) -> BillLine:
    quantity = Decimal(qty)
    return BillLine(
        category=category,  # type: ignore[arg-type]
        description=description,
        quantity=quantity,
        unit=unit,
        unit_price=price,
        amount=_money(quantity * price),
    )


def _it(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


def _first_of(month: int) -> date:
    return date(month // 12, month % 12 + 1, 1)


def _last_of(month: int) -> date:
    return _first_of(month + 1) - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    month = _month(day) + months
    first = _first_of(month)
    return first.replace(day=min(day.day, _last_of(month).day))


def _overlap(start: date, end: date, other_start: date, other_end: date) -> int:
    return max(0, (min(end, other_end) - max(start, other_start)).days + 1)


def _share(commodity: str, start: date, end: date) -> Decimal:
    """The part of a year's consumption that falls between start and end (seasonal)."""
    profile = PROFILES[commodity]
    total = Decimal(0)
    for month in range(_month(start), _month(end) + 1):
        first, last = _first_of(month), _last_of(month)
        days = _overlap(start, end, first, last)
        total += Decimal(profile[first.month - 1]) * days / last.day
    return total


@dataclass(frozen=True)
class _Period:
    start: date
    end: date
    issue: date


def _schedule(
    today: date, months: int, lag: int, phase: int, last_issue: date | None
) -> list[_Period]:
    """Calendar-month billing periods of `months` months issued in the last 12-14 months."""
    if last_issue is None:
        last = _month(today)
        while (last + 1 - phase) % months or _last_of(last) + timedelta(days=lag) > today:
            last -= 1
    else:
        last = _month(last_issue) - 1
    periods: list[_Period] = []
    horizon = _month(today) - 14
    end = last
    while end - months + 1 >= horizon:
        start, stop = _first_of(end - months + 1), _last_of(end)
        issue = last_issue if last_issue and end == last else stop + timedelta(days=lag)
        periods.append(_Period(start, stop, issue))
        end -= months
    return periods[::-1]


# Pricing


@dataclass(frozen=True)
class _Tariff:
    supply: Supply
    domestic: bool
    members: int
    annual: int


def _offer(t: _Tariff, start: date, end: date) -> tuple[str, Decimal, Decimal]:
    s = t.supply
    if s.offer_code is None:
        return REGULATED[(s.commodity, s.market)]
    label, price, fixed = OFFERS[s.offer_code]
    if price is None:  # PUN: the average of the period's months plus Lumea's spread
        months = [_first_of(m).month for m in range(_month(start), _month(end) + 1)]
        pun = sum((PUN[m] for m in months), Decimal(0)) / len(months)
        price = (pun + PUN_SPREAD).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return label, price, fixed


def _recalc_text(since: date | None, start: date) -> str:
    since = since or start
    return (
        f"Ricalcolo dei consumi stimati dal {_it(since)} al {_it(start - timedelta(days=1))} "
        "su letture effettive"
    )


def _vat_lines(lines: list[BillLine], rate_10_share: Decimal, domestic: bool) -> list[BillLine]:
    base = sum((line.amount for line in lines), Decimal(0))
    if not domestic:
        return [_line("imposte", "IVA 22%", base, "€", Decimal("0.22"))]
    base10 = _money(base * rate_10_share)
    vat = [_line("imposte", "IVA 10%", base10, "€", Decimal("0.10"))]
    if base - base10 > 0:
        vat.append(
            _line(
                "imposte",
                "IVA 22% (consumi oltre 480 Smc/anno)",
                base - base10,
                "€",
                Decimal("0.22"),
            )
        )
    return vat


def _bonus_days(s: Supply, start: date, end: date) -> int:
    if s.bonus is None:
        return 0
    return _overlap(start, end, s.bonus.valid_from, s.bonus.valid_to)


def _electricity_lines(
    t: _Tariff, p: _Period, kwh: int, recalc: int, since: date | None
) -> list[BillLine]:
    s, days = t.supply, (p.end - p.start).days + 1
    label, price, fixed = _offer(t, p.start, p.end)
    power = s.power_kw or Decimal(3)
    oneri = E_ONERI_KWH[t.domestic]
    lines = [
        _line("materia", f"Quota energia ({label})", kwh, "kWh", price),
        _line("materia", "Quota fissa di commercializzazione", days, "giorni", _daily(fixed)),
        _line(
            "trasporto",
            "Trasporto e gestione del contatore, quota energia",
            kwh,
            "kWh",
            E_TRANSPORT_KWH,
        ),
        _line(
            "trasporto",
            "Trasporto e gestione del contatore, quota fissa",
            days,
            "giorni",
            _daily(E_TRANSPORT_YEAR),
        ),
        _line(
            "trasporto",
            f"Trasporto e gestione del contatore, quota potenza ({days} giorni)",
            power,
            "kW",
            (E_TRANSPORT_KW_YEAR * days / 365).quantize(MICRO, ROUND_HALF_UP),
        ),
        _line("oneri", "Oneri generali di sistema (ASOS e ARIM), quota energia", kwh, "kWh", oneri),
    ]
    if recalc:
        lines.append(
            _line(
                "ricalcoli",
                _recalc_text(since, p.start),
                recalc,
                "kWh",
                price + E_TRANSPORT_KWH + oneri,
            )
        )
    total = kwh + recalc
    taxable = total
    if t.domestic and s.resident and power <= 3:  # resident ≤3 kW: first 150 kWh/month exempt
        months = Decimal(days) / Decimal("30.4")
        monthly = Decimal(kwh) / months
        exempt = max(Decimal(0), 150 - max(Decimal(0), monthly - 220))
        taxable = max(0, total - int(exempt * months))
    if taxable:
        lines.append(
            _line(
                "imposte", "Accisa sull'energia elettrica", taxable, "kWh", E_EXCISE_KWH[t.domestic]
            )
        )
    lines += _vat_lines(lines, Decimal(1), t.domestic)
    if t.domestic and s.resident:
        months_due = sum(
            1 for m in range(_month(p.start), _month(p.end) + 1) if _first_of(m).month <= 10
        )
        if months_due:
            lines.append(
                _line(
                    "canone_rai",
                    "Canone di abbonamento alla televisione per uso privato (canone RAI)",
                    months_due,
                    "mesi",
                    CANONE_RAI_MONTH,
                )
            )
    bonus_days = _bonus_days(s, p.start, p.end)
    if bonus_days and s.bonus:
        if s.bonus.kind == "physical":
            text, per_year = "Bonus sociale elettrico per disagio fisico", E_BONUS_PHYSICAL_YEAR
        else:
            text = "Bonus sociale elettrico per disagio economico"
            per_year = next(amount for size, amount in E_BONUS_YEAR if t.members <= size)
        lines.append(_line("bonus", text, bonus_days, "giorni", -_daily(per_year)))
    return lines


def _gas_excise(annual: int) -> Decimal:
    """The average excise per Smc over the consumption bands of a year (progressive)."""
    tax, lower = Decimal(0), 0
    for upper, rate in G_EXCISE:
        tax += rate * max(0, min(annual, upper) - lower)
        lower = upper
    return (tax / max(annual, 1)).quantize(MICRO, ROUND_HALF_UP)


def _gas_lines(t: _Tariff, p: _Period, smc: int, recalc: int, since: date | None) -> list[BillLine]:
    s, days = t.supply, (p.end - p.start).days + 1
    label, price, fixed = _offer(t, p.start, p.end)
    lines = [
        _line("materia", f"Quota energia gas naturale ({label})", smc, "Smc", price),
        _line("materia", "Quota fissa di commercializzazione", days, "giorni", _daily(fixed)),
        _line(
            "trasporto",
            "Trasporto e gestione del contatore, quota variabile",
            smc,
            "Smc",
            G_TRANSPORT_SMC,
        ),
        _line(
            "trasporto",
            "Trasporto e gestione del contatore, quota fissa",
            days,
            "giorni",
            _daily(G_TRANSPORT_YEAR),
        ),
        _line("oneri", "Oneri generali di sistema", smc, "Smc", G_ONERI_SMC),
    ]
    if recalc:
        lines.append(
            _line(
                "ricalcoli",
                _recalc_text(since, p.start),
                recalc,
                "Smc",
                price + G_TRANSPORT_SMC + G_ONERI_SMC,
            )
        )
    total = smc + recalc
    lines.append(_line("imposte", "Accisa sul gas naturale", total, "Smc", _gas_excise(t.annual)))
    lines.append(_line("imposte", "Addizionale regionale", total, "Smc", G_REGIONAL_SMC))
    span = (p.end - (since or p.start)).days + 1
    cap = Decimal(G_VAT10_SMC_YEAR * span) / 365
    share = min(Decimal(1), cap / total) if total else Decimal(1)
    lines += _vat_lines(lines, share, t.domestic)
    bonus_days = _bonus_days(s, p.start, p.end)
    if bonus_days:
        lines.append(
            _line(
                "bonus",
                "Bonus sociale gas per disagio economico",
                bonus_days,
                "giorni",
                -G_BONUS_DAY,
            )
        )
    return lines


def _water_lines(
    t: _Tariff, p: _Period, m3: int, recalc: int, since: date | None
) -> list[BillLine]:
    """Water: `materia` is the aqueduct, `trasporto` sewerage and treatment (Valdarno Sud 2026)."""
    s, days = t.supply, (p.end - p.start).days + 1
    lines = [
        _line(
            "materia", "Acquedotto, quota fissa", days, "giorni", _daily(W_FIXED_YEAR["acquedotto"])
        ),
    ]
    left, lower = Decimal(m3), Decimal(0)
    for n, (upper, price, name) in enumerate(W_BANDS):
        if n == 0 and not (t.domestic and s.resident):
            continue  # no agevolata band for non-resident and non-domestic uses
        width = upper + (20 * max(0, t.members - 3) if n == 0 else 0)
        top = (Decimal(width) * days / 365).quantize(Decimal(1), ROUND_HALF_UP)
        qty = min(left, max(Decimal(0), top - lower)) if n < len(W_BANDS) - 1 else left
        if qty > 0:
            lines.append(_line("materia", f"Acquedotto, {name}", qty, "m3", price))
        left -= qty
        lower = max(lower, top)
    lines += [
        _line(
            "trasporto", "Fognatura, quota fissa", days, "giorni", _daily(W_FIXED_YEAR["fognatura"])
        ),
        _line("trasporto", "Fognatura, quota variabile", m3, "m3", W_SEWER_M3),
        _line(
            "trasporto",
            "Depurazione, quota fissa",
            days,
            "giorni",
            _daily(W_FIXED_YEAR["depurazione"]),
        ),
        _line("trasporto", "Depurazione, quota variabile", m3, "m3", W_TREATMENT_M3),
    ]
    if recalc:
        lines.append(
            _line(
                "ricalcoli",
                _recalc_text(since, p.start),
                recalc,
                "m3",
                W_BANDS[1][1] + W_SEWER_M3 + W_TREATMENT_M3,
            )
        )
    lines += _vat_lines(lines, Decimal(1), True)  # water: IVA 10% for every use
    bonus_days = _bonus_days(s, p.start, p.end)
    if bonus_days:
        free = W_BONUS_M3_PERSON_YEAR * t.members * bonus_days / 365
        qty = min(Decimal(m3 + recalc), free).quantize(CENT, ROUND_HALF_UP)
        unit_price = W_BANDS[0][1] + W_SEWER_M3 + W_TREATMENT_M3
        lines.append(
            _line(
                "bonus",
                "Bonus sociale idrico (50 litri al giorno a persona)",
                qty,
                "m3",
                -unit_price,
            )
        )
    return lines


PRICING = {"electricity": _electricity_lines, "gas": _gas_lines, "water": _water_lines}


# Identifiers


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


# Values of characters in odd positions for the codice fiscale check character.
ODD_VALUES = (
    "1 0 5 7 9 13 15 17 19 21 1 0 5 7 9 13 15 17 19 21 2 4 18 20 11 3 6 8 12 14 16 10 22 25 24 23"
)
ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", map(int, ODD_VALUES.split()), strict=True))


def _fiscal_code(first: str, last: str, born: date, female: bool, town: str) -> str:
    """An Italian codice fiscale with a valid check character (homocodes ignored)."""

    def letters(word: str, is_name: bool) -> str:
        clean = "".join(c for c in _ascii(word) if c.isalpha())
        consonants = [c for c in clean if c not in "AEIOU"]
        vowels = [c for c in clean if c in "AEIOU"]
        if is_name and len(consonants) >= 4:
            consonants = [consonants[0], consonants[2], consonants[3]]
        return ("".join(consonants + vowels) + "XXX")[:3]

    day = born.day + (40 if female else 0)
    body = (
        f"{letters(last, False)}{letters(first, True)}{born.year % 100:02d}"
        f"{'ABCDEHLMPRST'[born.month - 1]}{day:02d}{town}"
    )
    total = sum(
        ODD[c] if i % 2 == 0 else (int(c) if c.isdigit() else ord(c) - 65)
        for i, c in enumerate(body)
    )
    return body + chr(65 + total % 26)


def _partita_iva(rng: random.Random, office: str) -> str:
    digits = [rng.randint(0, 9) for _ in range(7)] + [int(c) for c in office]
    total = 0
    for i, d in enumerate(digits):
        total += d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _name_parts(name: str) -> tuple[str, str]:
    first, _, last = name.partition(" ")
    return first, last


# The builder


@dataclass
class _Household:
    persona: _Persona
    code: str
    rng: random.Random
    customer: Customer | None = None
    tariffs: dict[str, _Tariff] = field(default_factory=dict)


@dataclass
class _Draft:
    bill: Bill
    story: str = ""  # "conguaglio", "plan", "due3", "duplicate", "original"


class _Builder:
    def __init__(self, today: date, seed: int) -> None:
        self.today = today
        self.seed = seed
        self.draw = random.Random(seed)  # the generic customers
        self.rng = self.draw  # the generator of the household being built or settled
        self.households: list[_Household] = []
        self.drafts: list[_Draft] = []
        self.readings: list[MeterReading] = []
        self.payments: list[Payment] = []
        self.plans: list[InstalmentPlan] = []
        self.tickets: list[Ticket] = []
        self.used: set[str] = set(GIULIA_IDS.values()) | {"+393331234567"}
        self.used |= {persona.name for persona in PERSONAS}
        self.supplies = 0
        self.epoch = datetime.combine(today, time(0), ROME)

    def build(self) -> DemoData:
        personas = list(PERSONAS) + [self._generic() for _ in range(CUSTOMERS - len(PERSONAS))]
        for n, persona in enumerate(personas, start=1):
            self.households.append(self._household(persona, f"LM{10000 + n:08d}"))
        bills = self._number_bills()
        by_customer: dict[str, list[_Draft]] = {}
        for draft in bills:
            by_customer.setdefault(draft.bill.customer_code, []).append(draft)
        for household in self.households:
            self._settle(household, by_customer.get(household.code, []))
        customers = [self._good_payer(h, by_customer.get(h.code, [])) for h in self.households]
        self._resolved_ticket(customers[len(PERSONAS)])
        self.payments = self._number_payments()
        return DemoData(
            customers=customers,
            bills=[d.bill for d in bills],
            payments=self.payments,
            readings=self.readings,
            plans=self.plans,
            tickets=sorted(self.tickets, key=lambda t: t.created_at or self.epoch),
            outages=self._outages(),
            cases=self._cases(customers),
            preferences=self._preferences(),
            consents=self._consents(),
        )

    # Customers and supplies

    def _generic(self) -> _Persona:
        rng = self.draw
        female = rng.random() < 0.5
        name = self._unique(
            lambda: f"{rng.choice(FEMALE if female else MALE)} {rng.choice(SURNAMES)}"
        )
        commune = rng.choice(sorted(COMMUNES))
        street = f"{rng.choice(COMMUNES[commune][2])} {rng.randint(1, 120)}"
        combo = rng.choices(
            [(E,), (E, G), (E, G, W), (G,), (W,), (E, W)], weights=[30, 38, 10, 5, 7, 10]
        )[0]
        specs = []
        for commodity in combo:
            if commodity == E:
                market = "tutele_graduali" if rng.random() < 0.2 else "libero"
                offer = (
                    rng.choice(("LUMEA-LF-2025", "LUMEA-LF-2026", "LUMEA-LV-PUN-2026"))
                    if market == "libero"
                    else None
                )
                power = rng.choices(("3", "4.5", "6"), weights=[70, 20, 10])[0]
                resident = rng.random() < 0.9
                specs.append(_s(E, offer=offer, market=market, power=power, resident=resident))
            else:
                specs.append(_s(commodity))
        direct_debit = rng.random() < 0.45
        method = rng.choices(
            ("card", "pagopa", "bank_transfer", "postal", "cash"), weights=[35, 25, 20, 15, 5]
        )[0]
        return _Persona(
            name,
            female,
            date(rng.randint(1940, 2002), rng.randint(1, 12), rng.randint(1, 28)),
            commune,
            street,
            tuple(specs),
            members=rng.choices((1, 2, 3, 4, 5), weights=[20, 30, 25, 18, 7])[0],
            direct_debit=direct_debit,
            method=method,
            late_payer=rng.random() < 0.15,
            birthplace=rng.choice(("D612", "A390", "F656", "H901")),
        )

    def _unique(self, make: Callable[[], str]) -> str:
        while True:
            value = str(make())
            if value not in self.used:
                self.used.add(value)
                return value

    def _household(self, persona: _Persona, code: str) -> _Household:
        # Each household draws from its own generator: the personas do not depend on `seed`.
        fixed = int(code[2:]) - 10000 <= len(PERSONAS)
        household = _Household(
            persona, code, random.Random(code if fixed else f"{self.seed}:{code}")
        )
        self.rng = rng = household.rng
        today = self.today
        giulia = code == "LM00010001"
        phone = persona.phone or self._unique(
            lambda: f"+39{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 9999999):07d}"
        )
        first, last = _name_parts(persona.name)
        if persona.domestic:
            fiscal = _fiscal_code(first, last, persona.born, persona.female, persona.birthplace)
            email = f"{_ascii(first).lower()}.{_ascii(last).lower().replace(' ', '')}@posta.example"
        else:
            office = "048" if COMMUNES[persona.commune][1] == "FI" else "051"
            fiscal = _partita_iva(rng, office)
            email = f"amministrazione{code[-3:]}@impresa.example"
        cap, province, _ = COMMUNES[persona.commune]
        address = f"{persona.street}, {cap} {persona.commune} {province}"
        bonus = None
        if persona.bonus == "economic":
            start = today - timedelta(days=rng.randint(150, 330))  # on the latest bills
            bonus = BonusStatus(
                kind="economic", valid_from=start, valid_to=start + timedelta(days=364)
            )
        elif persona.bonus == "physical":
            bonus = BonusStatus(
                kind="physical",
                valid_from=date(today.year - 3, 4, 1),
                valid_to=date(today.year + 2, 12, 31),
            )
        supplies = []
        for spec in persona.supplies:
            self.supplies += 1
            supply_id = f"S-{self.supplies:06d}"
            ids: dict[str, str] = {}
            if spec.commodity == E:
                ids["pod"] = (
                    GIULIA_IDS[E]
                    if giulia
                    else self._unique(lambda: f"IT001E{rng.randint(0, 99999999):08d}")
                )
            elif spec.commodity == G:
                ids["pdr"] = (
                    GIULIA_IDS[G]
                    if giulia
                    else self._unique(lambda: f"0088{rng.randint(0, 9999999999):010d}")
                )
            else:
                ids["water_meter"] = self._unique(
                    lambda: f"AVS-{rng.randint(12, 24):02d}-{rng.randint(0, 999999):06d}"
                )
            power = Decimal(spec.power or "3") if spec.commodity == E else None
            supply_bonus = bonus
            if bonus and bonus.kind == "physical" and spec.commodity != E:
                supply_bonus = None  # the physical bonus is electricity only
            distributor, emergency = DISTRIBUTORS[spec.commodity]
            offer = spec.offer
            if offer is None and spec.market == "libero" and spec.commodity == G:
                offer = "LUMEA-GF-2026"
            if offer is None and spec.market == "libero" and spec.commodity == E:
                offer = "LUMEA-LF-2026"
            supply = Supply(
                supply_id=supply_id,
                customer_code=code,
                commodity=spec.commodity,
                address=address,
                commune=persona.commune,
                status=spec.status,  # type: ignore[arg-type]
                offer_code=offer,
                market=spec.market,  # type: ignore[arg-type]
                power_kw=power,
                resident=spec.resident and persona.domestic,
                bonus=supply_bonus,
                direct_debit=persona.direct_debit,
                distributor=distributor,
                distributor_emergency_phone=emergency,
                **ids,
            )
            supplies.append(supply)
            tariff = _Tariff(supply, persona.domestic, persona.members, self._annual(persona, spec))
            household.tariffs[supply_id] = tariff
            self._bill_supply(tariff, spec.story)
        household.customer = Customer(
            code=code,
            name=persona.name,
            phone=phone,
            email=email if (giulia or rng.random() < 0.85) else None,
            fiscal_code=fiscal,
            language=persona.language,
            domestic=persona.domestic,
            vulnerable=persona.vulnerable,
            life_support=persona.life_support,
            supplies=supplies,
        )
        return household

    def _annual(self, persona: _Persona, spec: _SupplySpec) -> int:
        rng, members = self.rng, persona.members
        if spec.commodity == E:
            if not persona.domestic:
                return rng.randint(14000, 30000)
            if not spec.resident:
                return rng.randint(600, 900)
            return 1400 + 420 * members + rng.randint(-200, 300)
        if spec.commodity == G:
            if not persona.domestic:
                return rng.randint(1800, 3200)
            if rng.random() < 0.1 and spec.story == "regular":
                return rng.randint(150, 220)  # cooking and hot water only
            return 420 + 170 * members + rng.randint(-80, 160)
        if not persona.domestic:
            return rng.randint(200, 450)
        return 45 * members + rng.randint(10, 40)

    # Bills and readings

    def _bill_supply(self, tariff: _Tariff, story: Story) -> None:
        rng, today, s = self.rng, self.today, tariff.supply
        if s.commodity == E:
            months = 1 if not tariff.domestic and (s.power_kw or 0) > Decimal("16.5") else 2
        else:
            months = 2 if s.commodity == G else 3
        lag = rng.randint(8, 18)
        last_issue = {
            "conguaglio": today - timedelta(days=rng.randint(0, 4)),
            "due3": today - timedelta(days=DUE_DAYS - 3),
            "duplicate": today - timedelta(days=10),
        }.get(story)
        periods = _schedule(today, months, lag, rng.randrange(months), last_issue)
        trues = [
            max(
                1,
                int(
                    tariff.annual
                    * _share(s.commodity, p.start, p.end)
                    * Decimal(str(round(rng.uniform(0.9, 1.1), 3)))
                ),
            )
            for p in periods
        ]
        n = len(periods)
        if story == "conguaglio":
            sources = [ESTIMATED] * (n - 1) + [ACTUAL]
        elif story == "plan":
            sources = [ESTIMATED] * (n - 2) + [ACTUAL, SELF]
        else:
            sources = [self._source(s.commodity, i) for i in range(n)]
            sources[0] = "actual"
        factors = [round(rng.uniform(0.8, 0.95), 3) for _ in periods]
        if story in ("conguaglio", "plan"):
            base = round(rng.uniform(0.35, 0.5), 3)
            for factor in (base, 0.3, 0.2, 0.1):
                bills, readings = self._run(tariff, periods, trues, sources, [factor] * n)
                big = n - 1 if story == "conguaglio" else n - 2
                previous = [b.amount for b in bills[:big]]
                if bills[big].amount >= CONGUAGLIO_RATIO * sum(previous) / len(previous):
                    break
            else:  # pragma: no cover - the factors above always produce a large conguaglio
                raise AssertionError(f"no large conguaglio for {s.supply_id}")
        else:
            bills, readings = self._run(tariff, periods, trues, sources, factors)
        tags = [""] * n
        if story == "conguaglio":
            tags[-1] = "conguaglio"
        if story == "plan":
            tags[n - 2] = "plan"
        if story == "due3":
            tags[-1] = "due3"
        for bill, tag in zip(bills, tags, strict=True):
            self.drafts.append(_Draft(bill, tag))
        if story == "duplicate":
            self.drafts[-1].story = "original"
            copy = bills[-1].model_copy(
                update={
                    "bill_id": bills[-1].bill_id + "-dup",
                    "issue_date": bills[-1].issue_date + timedelta(days=2),
                    "due_date": bills[-1].due_date + timedelta(days=2),
                }
            )
            self.drafts.append(_Draft(copy, "duplicate"))
        self.readings += readings

    def _source(self, commodity: str, index: int) -> Source:
        roll = self.rng.random()
        if commodity == E:
            return "estimated" if roll < 0.08 else "self" if roll < 0.12 else "actual"
        if commodity == G:
            return "estimated" if roll < 0.3 else "self" if roll < 0.5 else "actual"
        if index % 2:  # water: read twice a year, estimated in between
            return "self" if roll < 0.2 else "estimated"
        return "actual"

    def _run(
        self,
        tariff: _Tariff,
        periods: list[_Period],
        trues: list[int],
        sources: list[Source],
        factors: list[float],
    ) -> tuple[list[Bill], list[MeterReading]]:
        """Bills and the readings they were computed on: consumption = reading differences."""
        s = tariff.supply
        seed = sum(ord(c) for c in s.supply_id)  # reading history: stable, independent of rng
        bands = ("F1", "F2", "F3") if s.commodity == E else ("total",)
        shares = (
            (Decimal("0.36"), Decimal("0.29"))
            if tariff.domestic
            else (Decimal("0.58"), Decimal("0.22"))
        )
        meter = {
            band: Decimal(1000 + (seed * 7919 * (i + 3)) % 20000) for i, band in enumerate(bands)
        }
        first = periods[0].start - timedelta(days=1)
        readings = [
            MeterReading(supply_id=s.supply_id, read_on=first, values=dict(meter), source="actual")
        ]
        bills: list[Bill] = []
        underbilled, since = 0, None
        for n, (period, true, source, factor) in enumerate(
            zip(periods, trues, sources, factors, strict=True)
        ):
            if source == "estimated":
                current, recalc = max(1, int(true * factor)), 0
                underbilled += true - current
                since = since or period.start
            else:
                current, recalc, underbilled = true, underbilled, 0
            total = current + recalc
            if s.commodity == E:
                f1 = int((total * shares[0]).to_integral_value(ROUND_HALF_UP))
                f2 = int((total * shares[1]).to_integral_value(ROUND_HALF_UP))
                for band, used in zip(bands, (f1, f2, total - f1 - f2), strict=True):
                    meter[band] += used
            else:
                meter["total"] += total
            readings.append(
                MeterReading(
                    supply_id=s.supply_id, read_on=period.end, values=dict(meter), source=source
                )
            )  # type: ignore[arg-type]
            lines = PRICING[s.commodity](tariff, period, current, recalc, since)
            bills.append(
                Bill(
                    bill_id=f"{s.supply_id}-{n:02d}",
                    number="",
                    customer_code=s.customer_code,
                    supply_id=s.supply_id,
                    commodity=s.commodity,
                    period_start=period.start,
                    period_end=period.end,
                    issue_date=period.issue,
                    due_date=period.issue + timedelta(days=DUE_DAYS),
                    amount=sum((line.amount for line in lines), Decimal(0)),
                    status="unpaid",
                    estimated=source == "estimated",
                    conguaglio=recalc > 0,
                    consumption=Decimal(total),
                    consumption_unit=UNITS[s.commodity],
                    lines=lines,
                )
            )
            if source != "estimated":
                since = None
        return bills, readings

    def _number_bills(self) -> list[_Draft]:
        """Bill ids and printed numbers in issue order, as a billing system assigns them."""
        order = sorted(
            self.drafts,
            key=lambda d: (d.bill.issue_date, d.bill.supply_id, d.bill.period_start, d.story),
        )
        for seq, draft in enumerate(order, start=1):
            b = draft.bill
            year = b.issue_date.year
            draft.bill = b.model_copy(
                update={
                    "bill_id": f"B-{year}-{seq:06d}",
                    "number": f"{year}/{LETTERS[b.commodity]}/{seq:06d}",
                }
            )
        return order

    # Payments, arrears, plans and tickets

    def _pay(self, bill: Bill, method: str, paid_on: date, amount: Decimal | None = None) -> None:
        self.payments.append(
            Payment(
                payment_id="",
                customer_code=bill.customer_code,
                bill_id=bill.bill_id,
                amount=bill.amount if amount is None else amount,
                paid_on=paid_on,
                method=method,  # type: ignore[arg-type]
            )
        )

    def _settle(self, household: _Household, drafts: list[_Draft]) -> None:
        self.rng = rng = household.rng
        today, persona = self.today, household.persona
        past = sorted(
            (d for d in drafts if d.bill.due_date < today),
            key=lambda d: (d.bill.due_date, d.bill.bill_id),
        )
        overdue = past[len(past) - persona.overdue :] if persona.overdue else []
        unpaid = {id(d) for d in overdue}
        for draft in drafts:
            b = draft.bill
            sdd = household.tariffs[b.supply_id].supply.direct_debit
            how = "sdd" if sdd else persona.method
            status = "unpaid"
            if draft.story == "plan":
                status = "in_instalments"
                self._plan(b, how)
            elif id(draft) in unpaid:
                if persona.partial and draft is overdue[-1]:
                    status = "partially_paid"
                    part = _money(b.amount * Decimal("0.4"))
                    self._pay(b, how, b.due_date - timedelta(days=2), part)
                elif persona.unallocated and draft is overdue[-1]:
                    self.payments.append(
                        Payment(
                            payment_id="",
                            customer_code=b.customer_code,
                            bill_id=None,
                            amount=b.amount,
                            paid_on=b.issue_date + timedelta(days=6),
                            method="bank_transfer",
                        )
                    )
            elif b.due_date < today:
                status = "paid"
                late = (
                    persona.late_payer
                    and rng.random() < 0.3
                    and b.due_date + timedelta(days=25) < today
                )
                if sdd:
                    paid_on = b.due_date
                elif late:
                    paid_on = b.due_date + timedelta(days=rng.randint(5, 25))
                else:
                    paid_on = max(
                        b.issue_date + timedelta(days=1),
                        b.due_date - timedelta(days=rng.randint(0, 12)),
                    )
                self._pay(b, how, paid_on)
            elif draft.story == "original":
                status = "paid"
                self._pay(b, how, b.issue_date + timedelta(days=1))
            elif (
                not sdd
                and not persona.overdue
                and not draft.story
                and b.issue_date + timedelta(days=2) <= today
                and rng.random() < 0.3
            ):
                status = "paid"
                early = rng.randint(0, (today - b.issue_date).days - 2)
                self._pay(b, how, today - timedelta(days=early))
            draft.bill = b.model_copy(update={"status": status})
        if persona.mora:
            self._mora_ticket(household, [d.bill for d in overdue])

    def _plan(self, bill: Bill, method: str) -> None:
        rate, count = Decimal("0.0215"), 6
        interest = _money(bill.amount * rate * (count + 1) / 24)
        total = bill.amount + interest
        each = _money(total / count)
        dues = [_add_months(bill.due_date, i) for i in range(count)]
        amounts = [each] * (count - 1) + [total - each * (count - 1)]
        instalments = [Instalment(due_date=d, amount=a) for d, a in zip(dues, amounts, strict=True)]
        paid = [i for i in instalments if i.due_date < self.today]
        for instalment in paid:
            self._pay(bill, method, instalment.due_date, instalment.amount)
        self.plans.append(
            InstalmentPlan(
                customer_code=bill.customer_code,
                bill_id=bill.bill_id,
                instalments=instalments,
                annual_interest_rate=rate,
                total=total,
                created_at=datetime.combine(
                    bill.issue_date + timedelta(days=6), time(10, 15), ROME
                ),
                status="completed" if len(paid) == count else "active",
            )
        )

    def _mora_ticket(self, household: _Household, overdue: list[Bill]) -> None:
        today = self.today
        supply = household.tariffs[overdue[0].supply_id].supply
        # The letter follows a due date by 12 days, early enough for what happened after it.
        latest = today - timedelta(days=45 if supply.status == "suspended" else 2)
        dates = [b.due_date + timedelta(days=12) for b in overdue]
        sent = max((d for d in dates if d <= latest), default=dates[0])
        letter = [b for b in overdue if b.due_date < sent]
        total = sum((b.amount for b in letter), Decimal(0))
        numbers = ", ".join(b.number for b in letter)
        what, end = ("la bolletta", "a") if len(letter) == 1 else ("le bollette", "e")
        created = datetime.combine(sent, time(9, 0), ROME)
        updates = [
            TicketUpdate(
                at=created + timedelta(minutes=5),
                status="open",
                note=(
                    f"Costituzione in mora inviata via PEC il {_it(sent)} per {numbers} "
                    f"(totale {euro(total)} €): termine di pagamento "
                    f"{_it(sent + timedelta(days=10))}; dal {_it(sent + timedelta(days=25))} può "
                    "essere chiesta la riduzione della potenza al 15% e poi la sospensione."
                ),
            )
        ]
        if supply.status == "suspended":
            reduced, suspended = today - timedelta(days=18), today - timedelta(days=3)
            updates += [
                TicketUpdate(
                    at=datetime.combine(reduced, time(11, 30), ROME),
                    status="open",
                    note="Il distributore ha ridotto la potenza al 15%.",
                ),
                TicketUpdate(
                    at=datetime.combine(suspended, time(10, 0), ROME),
                    status="open",
                    note="Fornitura sospesa dal distributore per morosità.",
                ),
            ]
        self.tickets.append(
            Ticket(
                customer_code=household.code,
                supply_id=supply.supply_id,
                category="costituzione_in_mora",
                priority="high",
                status="open",
                summary=f"Costituzione in mora per {what} non pagat{end} {numbers}",
                address=supply.address,
                created_at=created,
                updates=updates,
            )
        )

    def _resolved_ticket(self, customer: Customer) -> None:
        opened = datetime.combine(self.today - timedelta(days=75), time(11, 20), ROME)
        supply = customer.supplies[0]
        self.tickets.append(
            Ticket(
                customer_code=customer.code,
                supply_id=supply.supply_id,
                category="bill_anomaly",
                priority="normal",
                status="resolved",
                summary="Consumi della bolletta più alti del solito: richiesta verifica",
                address=supply.address,
                created_at=opened,
                updates=[
                    TicketUpdate(
                        at=opened + timedelta(days=1),
                        status="accepted",
                        note="Presa in carico dal back office fatturazione.",
                    ),
                    TicketUpdate(
                        at=opened + timedelta(days=9),
                        status="resolved",
                        note="Letture verificate: consumi corretti, nessuna rettifica.",
                    ),
                ],
            )
        )

    def _good_payer(self, household: _Household, drafts: list[_Draft]) -> Customer:
        assert household.customer is not None
        bills = {d.bill.bill_id: d.bill for d in drafts}
        overdue = any(
            b.due_date < self.today and b.status in ("unpaid", "partially_paid")
            for b in bills.values()
        )
        late = any(
            p.bill_id in bills
            and p.paid_on > bills[p.bill_id].due_date
            and bills[p.bill_id].status == "paid"
            for p in self.payments
            if p.customer_code == household.code
        )
        return household.customer.model_copy(update={"good_payer": not (overdue or late)})

    def _number_payments(self) -> list[Payment]:
        order = sorted(self.payments, key=lambda p: (p.paid_on, p.customer_code, p.bill_id or ""))
        return [p.model_copy(update={"payment_id": f"P-{n:06d}"}) for n, p in enumerate(order, 1)]

    def _outages(self) -> list[PlannedOutage]:
        today = self.today

        def at(day: date, hour: int, minute: int = 0) -> datetime:
            return datetime.combine(day, time(hour, minute), ROME)

        return [
            PlannedOutage(
                outage_id="O-0001",
                commodity="electricity",
                commune="Figline Valdarno",
                area="Via Roma, Piazza Marsilio Ficino e vie limitrofe",
                starts_at=at(today, 7, 30),
                ends_at=at(today + timedelta(days=1), 6),
                reason="Sostituzione della cabina secondaria Ficino e rinnovo della linea di "
                "media tensione (Lumea Reti Elettriche)",
            ),
            PlannedOutage(
                outage_id="O-0002",
                commodity="gas",
                commune="San Giovanni Valdarno",
                area="Viale Gramsci (civici 1-60) e Via Rossini",
                starts_at=at(today + timedelta(days=4), 9),
                ends_at=at(today + timedelta(days=4), 13),
                reason="Spostamento della rete gas per lavori stradali (Gasdotti Valdarno)",
            ),
            PlannedOutage(
                outage_id="O-0003",
                commodity="water",
                commune="Montevarchi",
                area="Viale Diaz e Via Burzagli",
                starts_at=at(today - timedelta(days=9), 8),
                ends_at=at(today - timedelta(days=9), 14),
                reason="Sostituzione di una saracinesca sulla condotta principale "
                "(Acque Valdarno Sud)",
            ),
        ]

    # Cases, preferences and consents

    def _at(self, days_ago: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour, minute), ROME)

    def _cases(self, customers: list[Customer]) -> list[Case]:
        by_code = {c.code: c for c in customers}
        marco = by_code["LM00010002"].supplies[0]
        serena = next(s for s in by_code["LM00010030"].supplies if s.commodity == "electricity")
        return [
            Case(
                customer_code="LM00010030",
                supply_id=serena.supply_id,
                kind="payment_method",
                status="completed",
                data={"method": "sdd", "iban": SERENA_IBAN, "holder": "Serena Galli"},
                created_at=self._at(120, 16, 40),
            ),
            Case(
                customer_code="LM00010002",
                supply_id=marco.supply_id,
                kind="power_change",
                status="waiting_documents",
                data={"from_kw": str(marco.power_kw), "to_kw": "4.5"},
                documents_needed=["documento d'identità del titolare"],
                created_at=self._at(6, 11, 5),
            ),
        ]

    def _preferences(self) -> list[Preferences]:
        return [
            Preferences(
                customer_code="LM00010001",
                bill_delivery="email",
                reminder_channel="whatsapp",
                whatsapp_active=True,
                updated_at=self._at(200, 18, 12),
            ),
            Preferences(
                customer_code="LM00010028",
                bill_delivery="paper",
                reminder_channel="email",
                whatsapp_active=False,
                updated_at=self._at(90, 10, 30),
            ),
            Preferences(
                customer_code="LM00010005",
                bill_delivery="email",
                reminder_channel="sms",
                whatsapp_active=True,
                updated_at=self._at(30, 9, 45),
            ),
        ]

    def _consents(self) -> list[Consent]:
        return [
            Consent(
                customer_code="LM00010001",
                category="marketing_lumea",
                granted=True,
                wording=CONSENT_WORDING["marketing_lumea"],
                channel="whatsapp",
                at=self._at(200, 18, 15),
            ),
            Consent(
                customer_code="LM00010005",
                category="marketing_partners",
                granted=True,
                wording=CONSENT_WORDING["marketing_partners"],
                channel="web",
                at=self._at(300, 20, 3),
            ),
            Consent(
                customer_code="LM00010005",
                category="surveys",
                granted=True,
                wording=CONSENT_WORDING["surveys"],
                channel="web",
                at=self._at(300, 20, 4),
            ),
            Consent(
                customer_code="LM00010005",
                category="marketing_partners",
                granted=False,
                wording=REVOCATION_WORDING,
                channel="whatsapp",
                at=self._at(30, 9, 50),
            ),
        ]


def build_demo_data(today: date, seed: int = DEFAULT_SEED) -> DemoData:
    """The whole demo utility for `today`: same arguments, same data."""
    return _Builder(today, seed).build()


def seed_demo(backend: DemoBackend, today: date, seed: int = DEFAULT_SEED) -> None:
    """Replace the backend's data with the demo data for `today` and `seed`."""
    backend.load(build_demo_data(today, seed), today=today, seed=seed)
