"""Lumea's contract procedures in code: which one a message asks for, what each needs, checks.

Sources (knowledge corpus): "Voltura: cambio di intestatario" (documents, mortis causa),
"Subentro e nuovo allaccio" (documents, usual powers 3, 4.5 and 6 kW), "Disdetta della
fornitura e trasloco" (data to give, final reading), "Cambio fornitore e diritto di
ripensamento" (14 days from the conclusion of the contract, in writing) and the offers'
sheets (domestic offers up to 6 kW).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from string import ascii_uppercase, digits
from typing import Literal

from pydantic import BaseModel

from graph.backends.ports import CaseKind, Commodity
from graph.slots import find_date
from knowledge.sparse import fold

WITHDRAWAL_DAYS = 14  # Codice del Consumo: 14 days from the conclusion of the contract
STANDARD_POWERS_KW = tuple(
    Decimal(v) for v in ("1.5", "3", "4.5", "6", "10", "15")
)  # contracted powers Lumea offers for a power change
DOMESTIC_OFFER_MAX_KW = Decimal(6)  # Lumea's domestic offers: "potenza impegnata fino a 6 kW"

# Which supplies a procedure may concern; subentro is about a new address, not a supply.
COMMODITIES: dict[str, tuple[Commodity, ...]] = {
    "voltura": ("electricity", "gas", "water"),
    "voltura_mortis_causa": ("electricity", "gas", "water"),
    "offer_change": ("electricity", "gas"),  # water has the regulated tariff of the area
    "payment_method": ("electricity", "gas", "water"),
    "power_change": ("electricity",),
    "termination": ("electricity", "gas", "water"),
    "withdrawal": ("electricity", "gas", "water"),
}
NEW_SUPPLY_KINDS = frozenset({"subentro"})

# What each procedure collects, in the order the customer is asked.
_SLOTS: dict[str, tuple[str, ...]] = {
    "voltura": ("supply", "holder", "date"),
    "voltura_mortis_causa": ("supply", "holder", "date"),
    "subentro": ("commodity", "address", "power", "date"),
    "offer_change": ("supply", "offer"),
    "payment_method": ("iban",),
    "power_change": ("supply", "power"),
    "termination": ("supply", "date", "address"),
    "withdrawal": ("supply", "contract_date"),
}
_SLOT_KEYS = {
    "holder": ("holder_name", "fiscal_code"),
    "supply": ("supply_id",),
    "power": ("power_kw",),
}

# Documents still to send once the case is open (keys; texts in graph/verticals/contracts/texts.py).
_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "voltura": ("meter_reading", "occupancy_title"),
    "voltura_mortis_causa": ("death_declaration", "meter_reading", "occupancy_title"),
    "subentro": ("occupancy_title",),
    "offer_change": (),
    "payment_method": (),
    "power_change": (),
    "termination": ("final_reading",),
    "withdrawal": ("withdrawal_form",),
}
_GAS_DOCUMENTS = {"voltura", "voltura_mortis_causa", "subentro"}  # "se l'impianto è modificato"

_DEATH = re.compile(
    r"\b(mort[oaie]|mortis|decedut\w*|decesso|defunt\w*|mancat[oa]|scompars[oa]|"
    r"passed away|died|dead|deceased|death|decede\w*|deces)\b"
)
# Checked in this order: the first match names the procedure.
_PROCEDURES: tuple[tuple[CaseKind, re.Pattern[str]], ...] = (
    (
        "withdrawal",
        re.compile(
            r"ripensa\w*|diritto di recesso|cooling[- ]off|withdraw\w*|"
            r"retract\w*|droit de retract\w*"
        ),
    ),
    (
        "voltura",
        re.compile(
            r"voltur\w*|(cambi\w*|passaggio) (di |dell'|d'|l'|la |il )?intestat\w*|"
            r"nuov[oa] intestatari\w*|\bchang\w* (le |de |du )?titulaire\b|"
            r"\bintest(are|arla|arlo|arli|o)\b|\ba (mio|mia|suo|sua) nome|\ba nome (mio|suo)\b|"
            r"(change|transfer) of (the )?(account )?holder|"
            r"\b(change|transfer)\w* (the )?(account |contract )?holder\b|"
            r"\bholder of (my|the|our) (\w+ ){0,2}(contract|account|supply|bills?)\b|"
            r"\b(in|into|to) (my|his|her|our)( \w+('s)?)? name\b|changement de titulaire|"
            r"\b(a|au) (mon|son|ma|sa) nom\b"
        ),
    ),
    (
        "subentro",
        re.compile(
            r"subentr\w*|riattiv\w*|contatore (e )?(chiuso|sigillato|spento)|reactivat\w*|"
            r"meter is (closed|sealed|off)|reactiv\w*|compteur (est )?(ferme|scelle)"
        ),
    ),
    (
        "power_change",
        re.compile(
            r"(aument\w*|alz\w*|ridur\w*|abbass\w*|diminu\w*|cambi\w*|modific\w*|"
            r"increase|raise|lower|reduce|change|augment\w*|baisser|modifier|changer)"
            r"\b.{0,30}\b(potenza|power|puissance)|(potenza|power|puissance)\b.{0,30}\bkw\b|"
            r"\b(passare|portare|go|move|passer) (a|to|up to|down to|à) \d+([.,]\d+)? ?kw\b"
        ),
    ),
    (
        "payment_method",
        re.compile(
            r"domicilia\w*|addebito (diretto|automatico|sul conto|in conto)|\brid\b|\bsdd\b|"
            r"direct debit|prelevement|paying (straight )?from my bank|"
            r"(metodo|modalita) di pagamento|payment method|(mode|moyen) de paiement|"
            r"\biban\b"
        ),
    ),
    (
        "offer_change",
        re.compile(
            r"\b(cambi\w*|passa\w*|scegli\w*|aderi\w*)\b.{0,25}"
            r"\b(offerta|tariffa|prezzo fisso|prezzo variabile)|"
            r"\b(change|switch)\b.{0,25}\b(offer|tariff|fixed|variable)|"
            r"\b(change\w*|passer)\b.{0,25}\b(offre|tarif|prix fixe)|"
            # an offer wanted after the offers were shown: "ok mi interessa la fissa"
            # (not "non mi interessa", "ne m'intéresse pas", "not interested")
            r"(?<!non )(?<!ne )(?<!not )\b(mi interessa\w*|interessat\w*|interested in|sign up|"
            r"m'interesse\w*|je prends|i'?ll take|prendo)\b.{0,25}"
            r"\b(offerta|fiss[ao]|variabile|offer|fixed|variable|offre|fixe)|"
            r"\b(offerta|fiss[ao]|variabile|offre|fixe|variable)\b.{0,25}"
            r"(?<!non )(?<!ne )\b(mi interessa|m'interesse)(?! pas)"
        ),
    ),
    (
        "termination",
        re.compile(
            r"disdet\w*|disdir\w*|cessa\w*|disattiv\w*|chiuder\w* (il )?(contratto|la fornitura)|"
            r"terminat\w*|(cancel|close|end) (my |the )?(\w+ )?(contract|supply|account)|"
            r"deactivat\w*|resili\w*|fermer (mon |le )?(contrat|compteur)"
        ),
    ),
)
_SWITCH = re.compile(
    r"(altro|nuovo) (fornitore|venditore)|(another|new|other) (supplier|provider)|"
    r"switch(ing)? (supplier|provider)|(changer de|autre|nouveau) fournisseur"
)
_INFO_QUESTION = re.compile(
    r"\b(come (funziona|si fa|si chiede|avviene|faccio|posso fare|si cambia)|"
    r"quanto (costa|tempo|ci vuole|dura)|qnto costa|"
    r"(quali|che) (documenti|costi)|cosa (serve|servono|devo fare|succede)|cos'? ?e\b|"
    r"che cos|differenza|how (does|do i|long|much|to)\b|what (is|are|documents|happens)|"
    r"which documents|how can i|what (do|should|must) (i|we) do|"
    r"comment (ca|fonctionne|faire|se passe|on fait|je fais)|que (dois-je|faut-il) faire|"
    r"combien|quels documents|"
    r"qu'?est[- ]ce|c'?est quoi)"
)
_FISCAL_CODE = re.compile(
    r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]"
)
_FISCAL_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{6}[A-Za-z0-9]{10}(?![A-Za-z0-9])")
# Capitalised, these are first names, not the words they also spell.
_ALSO_NAMES = frozenset({"Sara", "Mia"})
_NAME_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’\-]*")
_NOT_NAME = frozenset(
    """il lo la i gli le un una nuovo nuova intestatario intestataria e sara si chiama chiama
    nome cognome codice fiscale cf c f mio mia suo sua di del della a al alla per con ciao sono
    sig signor signora the new holder is will be name surname fiscal code tax his her my and
    for to of hi mr mrs ms it's le la nouveau nouvelle titulaire est sera s'appelle nom prenom
    code fiscal et pour son sa mon ma bonjour c'est mme m marito moglie figlio figlia padre madre
    fratello sorella compagno compagna husband wife son daughter father mother brother sister
    partner mari femme fils fille pere mere frere soeur voglio vorrei fare no si ok grazie
    aspetta want please thanks veux voudrais merci oui non""".split()
)
_PARTICLES = frozenset("di de del della da dal van von du d' lo la le".split())
_IBAN_LIKE = re.compile(r"(?<![a-z0-9])([a-z]{2} ?\d{2}(?: ?[a-z0-9]){6,40})")
IBAN_LENGTHS = {"IT": 27, "SM": 27, "FR": 27, "DE": 22, "ES": 24, "AT": 20, "BE": 16, "NL": 18}
_SEPA = frozenset(
    "AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL PT "
    "RO SE SI SK SM VA AD".split()
)
_POWER_TARGET = re.compile(r"\b(?:a|to|at|en|fino a|up to)\s+(\d{1,2}(?:[.,]\d)?)\s*kw\b")
_POWER_ANY = re.compile(r"(?<![\d.,])(\d{1,2}(?:[.,]\d)?)\s*(?:kw|kilowatt)\b")
_POWER_BARE = re.compile(r"^\s*(\d{1,2}(?:[.,]\d)?)\s*(?:kw|kilowatt)?\W*$")
_DAYS_AGO = re.compile(
    r"\b(\d{1,3})\s*(?:giorni|gg|days?|jours?)\s*(?:fa|ago)\b|il y a (\d{1,3}) jours"
)
_EXPLICIT_YEAR = re.compile(r"\d{4}|[/.\-]\d{2}\b")


_CASE_STATUS = re.compile(
    r"\b(a che punto|stato (della|delle|di)|che fine ha fatto|novita (sulla|della)|status of|"
    r"where is my|what happened to my|any news on|ou en est|des nouvelles de)\b.{0,40}"
    r"\b(pratic\w*|richiest\w*|domand\w*|voltur\w*|subentr\w*|disdett\w*|domiciliazion\w*|"
    r"cambio (di )?(offerta|potenza)|requests?|applications?|case|demandes?|dossiers?)\b|"
    r"\b(la mia|le mie|my|ma|mes) (pratic\w*|richiest\w*|requests?|cases|demandes?|dossiers?)\b"
    r".{0,30}\b(a che punto|stato|status|where|ou en|avanz\w*|aperte?|open)\b"
)


def asks_case_status(text: str) -> bool:
    """ "A che punto è la mia pratica di voltura?": the customer's own requests, not how a
    procedure works."""
    return bool(_CASE_STATUS.search(fold(text)))


def detect_procedure(text: str) -> CaseKind | None:
    """The contract procedure a message asks for, by keywords in Italian, English or French.

    Switching to another supplier is none of them: the new supplier sends the notice.
    """
    folded = fold(text)
    if _SWITCH.search(folded):
        return None
    for kind, pattern in _PROCEDURES:
        if pattern.search(folded):
            if kind == "voltura" and _DEATH.search(folded):
                return "voltura_mortis_causa"
            return kind
    return None


_OFFERS = re.compile(
    r"\b(offert[ae]|offers?|offres?|prezzo (fisso|variabile|bloccato)|fixed[- ]price|"
    r"variable[- ]price|prix (fixe|variable)|tariff[ae] (luce|gas|fiss\w*|variabil\w*))\b"
)
# The price of the energy itself ("quanto costa il gas con voi?"), not of a procedure.
_ENERGY_PRICE = re.compile(
    r"\b(quanto (costa|costano|viene|fate pagare) (il |la |l')?(gas|luce|energia|elettricita|kwh|"
    r"smc|metro cubo)|prezz[oi] (del |della |dell')?(gas|luce|energia|elettricita|kwh|smc)|"
    r"how much (is|does|do you charge for|are) (your )?(gas|electricity|power|energy|kwh)|"
    r"(price|cost) of (your )?(gas|electricity|energy|a kwh)|"
    r"combien (coute|coutent|vous facturez) (le gaz|l'electricite|le kwh|l'energie)|"
    r"prix (du gaz|de l'electricite|du kwh|de l'energie))\b"
)


def asks_about_offers(text: str) -> bool:
    """A question about the supplier's offers ("che offerte a prezzo fisso avete?"): after
    the answer, changing to one of them is the procedure to offer. Another supplier's offer
    is not one of ours."""
    folded = fold(text)
    return bool(_OFFERS.search(folded) or _ENERGY_PRICE.search(folded)) and not _SWITCH.search(
        folded
    )


def asks_energy_price(text: str) -> bool:
    """A question about what the energy costs with us ("quanto costa il gas con voi?"): the
    offers' sheets answer it, not what a procedure costs."""
    folded = fold(text)
    return bool(_ENERGY_PRICE.search(folded)) and not _SWITCH.search(folded)


def mentions_death(text: str) -> bool:
    return bool(_DEATH.search(fold(text)))


def is_information_question(text: str) -> bool:
    """A question about how a procedure works ("how does a voltura work?"), not a request."""
    return bool(_INFO_QUESTION.search(fold(text)))


def slots_of(kind: str) -> tuple[str, ...]:
    """Every slot a message may fill, in order; a direct debit may name one supply."""
    return ("supply", *_SLOTS[kind]) if kind == "payment_method" else _SLOTS[kind]


def missing_slots(kind: str, slots: dict[str, object], commodity: str | None) -> list[str]:
    """What is still to ask, in order; the power matters for electricity only."""
    missing = []
    for slot in _SLOTS[kind]:
        if slot == "power" and kind == "subentro" and commodity != "electricity":
            continue
        keys = _SLOT_KEYS.get(slot, (slot,))
        if any(not slots.get(key) for key in keys):
            missing.append(slot)
    return missing


# --- codice fiscale ------------------------------------------------------------------------

# Values of the characters in odd positions (1st, 3rd, ...): A-Z, and 0-9 as A-J.
_ODD_VALUES = (
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
)  # fmt: skip
_ODD = dict(zip(ascii_uppercase, _ODD_VALUES, strict=True))
_ODD.update(zip(digits, _ODD_VALUES[:10], strict=True))


def _even(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A")


def fiscal_code_problem(code: str) -> Literal["format", "check"] | None:
    """None for a well-formed codice fiscale (omocodia allowed) with the right check letter."""
    value = code.upper()
    if _FISCAL_CODE.fullmatch(value) is None:
        return "format"
    total = sum(_ODD[c] if i % 2 == 0 else _even(c) for i, c in enumerate(value[:15]))
    return None if chr(ord("A") + total % 26) == value[15] else "check"


def find_fiscal_code(text: str) -> str | None:
    """The first 16-character code with digits that looks like a codice fiscale (check it
    separately); a 16-letter word is not one."""
    for match in _FISCAL_CANDIDATE.finditer(text):
        if any(c.isdigit() for c in match.group(0)):
            return match.group(0).upper()
    return None


def holder_name(text: str) -> str | None:
    """A person's name and surname in a short answer ("Mario Rossi, RSSMRA80A01H501U")."""
    if "?" in text:
        return None
    code = find_fiscal_code(text)
    rest = re.sub(re.escape(code), " ", text, flags=re.IGNORECASE) if code else text
    words = [
        w
        for w in _NAME_WORD.findall(rest)
        if len(w) > 1
        and w.lower() != "sarà"  # the verb ("sarà Mario Rossi"); "Sara" is a name
        and (fold(w) not in _NOT_NAME or (w in _ALSO_NAMES))
        and (fold(w) not in _PARTICLES or w[0].isupper())
    ]
    if not 2 <= len(words) <= 5:
        return None
    return " ".join(w if any(c.isupper() for c in w) else w.capitalize() for w in words)


# --- IBAN ----------------------------------------------------------------------------------


def find_iban_like(text: str) -> str | None:
    """Something the customer means as an IBAN, valid or not: 2 letters, then mostly digits."""
    for match in _IBAN_LIKE.finditer(fold(text)):
        candidate = re.sub(r"\s", "", match.group(1)).upper()
        if sum(c.isdigit() for c in candidate) >= 10:
            return candidate
    return None


def iban_problem(iban: str) -> Literal["country", "length", "format", "checksum"] | None:
    """Why an IBAN cannot be used for a SEPA direct debit; None when it can."""
    value = re.sub(r"[\s\-.]", "", iban).upper()
    if value[:2] not in _SEPA:
        return "country"
    expected = IBAN_LENGTHS.get(value[:2])
    if expected is not None and len(value) != expected:
        return "length"
    if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", value) is None:
        return "format"
    if value.startswith("IT") and re.fullmatch(r"IT\d{2}[A-Z]\d{10}[A-Z0-9]{12}", value) is None:
        return "format"
    rearranged = value[4:] + value[:4]
    if int("".join(str(int(c, 36)) for c in rearranged)) % 97 != 1:
        return "checksum"
    return None


def mask_iban(iban: str) -> str:
    """What a reply shows of an IBAN: the country, check digits and the last 4 characters."""
    return f"{iban[:4]} **** {iban[-4:]}"


# --- power ---------------------------------------------------------------------------------


def _kw(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None


def find_power(text: str, *, bare: bool = False) -> Decimal | None:
    """The power asked for: "da 3 a 4,5 kW" -> 4.5; a bare "6" only when `bare` (asked)."""
    folded = fold(text)
    target = _POWER_TARGET.search(folded)
    if target:
        return _kw(target.group(1))
    found = _POWER_ANY.findall(folded)
    if found:
        return _kw(found[-1])
    if bare and (match := _POWER_BARE.match(folded)):
        return _kw(match.group(1))
    return None


def power_problem(new: Decimal, current: Decimal | None) -> Literal["not_standard", "same"] | None:
    if new not in STANDARD_POWERS_KW:
        return "not_standard"
    if current is not None and new == current:
        return "same"
    return None


def format_kw(value: Decimal) -> str:
    """3 -> "3", 4.5 -> "4,5" (Italian decimals)."""
    return f"{value.normalize():f}".replace(".", ",")


# --- dates ---------------------------------------------------------------------------------


def find_start_date(text: str, today: date) -> date | None:
    """A date from which something should happen; "15 gennaio" in November means next year."""
    day = find_date(text, today)
    if day is not None and day < today and not _EXPLICIT_YEAR.search(text):
        try:
            day = day.replace(year=day.year + 1)
        except ValueError:  # 29 February
            day = day.replace(year=day.year + 1, day=28)
    return day


def find_past_date(text: str, today: date) -> date | None:
    """A date in the past: "il 20 novembre", "ieri", "5 giorni fa", "3 days ago"."""
    ago = _DAYS_AGO.search(fold(text))
    if ago:
        return today - timedelta(days=int(ago.group(1) or ago.group(2)))
    return find_date(text, today)


def start_date_problem(day: date, today: date) -> Literal["past"] | None:
    return "past" if day < today else None


class Withdrawal(BaseModel):
    allowed: bool
    reason: Literal["ok", "future", "expired"]
    deadline: date  # the last day to withdraw


def withdrawal_window(contract_date: date, today: date) -> Withdrawal:
    """The ripensamento: 14 days from the conclusion of the contract, that day excluded."""
    deadline = contract_date + timedelta(days=WITHDRAWAL_DAYS)
    if contract_date > today:
        return Withdrawal(allowed=False, reason="future", deadline=deadline)
    if today > deadline:
        return Withdrawal(allowed=False, reason="expired", deadline=deadline)
    return Withdrawal(allowed=True, reason="ok", deadline=deadline)


# --- documents -----------------------------------------------------------------------------


def documents_needed(kind: str, commodity: str | None) -> list[str]:
    """The documents still to send for a case (keys), as the corpus lists them per procedure."""
    keys = list(_DOCUMENTS[kind])
    if commodity == "gas" and kind in _GAS_DOCUMENTS:
        keys.append("gas_safety")
    return keys
