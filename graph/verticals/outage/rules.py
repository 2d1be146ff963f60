"""Fault triage rules: what a message reports, where, how far it reaches, and what it asks.

Pure functions over the customer's text and backend records. Sources: the knowledge base
("Manca la luce: guasti, interruzioni programmate e chi chiamare", "Emergenza acqua",
"Emergenza gas"): faults go to the local distributor, not to Lumea as seller; check the meter
and the home's own switch first when only one home is affected; planned works come with a
notice stating their start and end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from graph.backends.ports import Commodity, PlannedOutage, Ticket, TicketPriority
from graph.safety import names_a_number_question
from knowledge.sparse import fold

Intent = Literal["report", "status", "planned", "question"]
Problem = Literal["no_supply", "low_pressure", "intermittent"]
Scope = Literal["home", "area"]

OPEN_STATUSES = ("open", "accepted", "technician_on_site")
NOTIFIED_STATUSES = ("accepted", "technician_on_site", "resolved")
FAULT_CATEGORIES = ("_outage", "_emergency")

_TICKET_ID = re.compile(r"\btk[\s\-]?(\d{4})[\s\-]?(\d{1,6})\b")
_LOCATION = re.compile(r"\[location\s+(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*\]", re.I)
_IMAGE = re.compile(r"\[image\s+([\w.:=+/\-]{1,200})\s*\]", re.I)

_COMMODITY_WORDS: tuple[tuple[Commodity, re.Pattern[str]], ...] = (
    (
        "electricity",
        re.compile(
            r"\b(luce|corrente|elettric\w*|electric\w*|power|courant|blackout|black out|"
            r"salvavita|lampadin\w*|buio|au noir)\b"
        ),
    ),
    ("gas", re.compile(r"\b(gas|gaz|metano|fornell\w*|caldaia|stove|hob|cuisiniere)\b")),
    (
        "water",
        re.compile(
            r"\b(acqua|water|eau|rubinett\w*|taps?|robinets?|idric\w*|pressione|pression)\b"
        ),
    ),
)
_NO_SUPPLY = re.compile(
    r"\b(manca|mancano|senza|niente|non (ho|abbiamo|c'?e|arriva|esce|funziona|si accende)|"
    r"(e|sono) (saltat|andat|spent)\w*|saltat[ao]|andat[ao] via|al buio|blackout|black out|"
    r"guast\w*|quando torna|no (power|electricity|water|gas|supply)|power (cut|outage|is out|"
    r"went out)|(power|electricity|water|gas) (is |has )?(off|out|gone|cut)|out of (power|water)|"
    r"there'?s no|outage|pas d'|plus d'|plus de (courant|gaz)|coupure|panne|pas de (courant|gaz))"
)
# A broken or stuck meter is a fault to report, like a missing supply.
_BROKEN_METER = re.compile(
    r"\b(contator\w*|meter|compteur)\b[^.?!]{0,30}\b(rott\w*|spaccat\w*|bloccat\w*|broken|"
    r"stuck|damaged|casse|bloque|endommage)|\b(rott\w*|broken|damaged)\b[^.?!]{0,12}"
    r"\b(contator\w*|meter|compteur)\b"
)
# Faults named as a topic ("il numero per i guasti", "the number for outages"), not reported.
_FAULT_TOPIC = re.compile(
    r"\b(per|for|pour|dei|des|of) (i |gli |le |les |the |un |una |a |une )?"
    r"(?:(?:power|electricity|gas|water|electrical) )?(guast\w*|faults?|pannes?|outages?|"
    r"emergenz\w*|emergenc\w*|urgences?|segnalazion\w*)\b"
)
_LOW_PRESSURE = re.compile(
    r"\b(poca pressione|pochissima pressione|pressione (bassa|debole|scarsa)|bassa pressione|"
    r"low (water )?pressure|pressure is low|faible pression|pression (faible|basse)|"
    r"non arriva quasi|esce pochissim\w*|esce poc\w*)"
)
_INTERMITTENT = re.compile(
    r"\b(va e viene|vanno e vengono|sfarfall\w*|intermittent\w*|flicker\w*|comes and goes|"
    r"clignot\w*|cal[io] di tensione|baisses? de tension)"
)
_TECHNICIAN = re.compile(r"\b(tecnic[oi]|technicians?|techniciens?)\b")
_FOLLOW_UP = re.compile(
    r"\b(a che punto|stato (della|del|di)|status of|ou en est|(la )?mia segnalazione|"
    r"my (report|ticket)|mon signalement)"
)
_NEWS = re.compile(
    r"\b(notizie|novita|news|aggiornament\w*|updates?|des nouvelles|du nouveau|nouveautes?)\b"
)
_PLANNED = re.compile(
    r"\b(programmat\w*|lavori|avvis\w*|planned|scheduled|maintenance|works|travaux|prevue?s?|"
    r"programmee?s?)\b"
)
_HYPOTHETICAL = re.compile(
    r"\b(cosa (devo )?(fare|succede) (se|quando)|che (si )?fa(ccio)? se|chi (devo )?chiamare se|"
    r"what (should i do|to do|happens) (if|when)|who (do i|should i|to) call if|que faire (si|en cas)|"
    r"qui appeler (si|en cas)|indennizz\w*|rimbors\w*|compensation|indemni\w*|quanto (dura|tempo)|"
    r"how long|combien de temps|in generale|in general)\b"
)
_AREA = re.compile(
    r"\b(tutt[ao] (la |il |l'|lo )?(via|strada|palazzo|condominio|quartiere|zona|paese|frazione|"
    r"isolato|citta)|anche (ai |i |dai |il |al )?vicin\w*|i vicini (non|neanche|nemmeno|sono)\w*|"
    r"nel palazzo|in zona|whole (street|building|block|area|neighbou?rhood|town)|"
    r"(neighbou?rs|next door) (too|also|as well|have no|are out|don'?t)|all the (street|building)|"
    r"toute la (rue|ville)|tout (l'immeuble|le quartier|le village)|(les )?voisins aussi|"
    r"chez les voisins aussi|les voisins n'ont)\b"
)
_HOME = re.compile(
    r"\b(solo (a |da |in )?(casa )?(mia|me|noi)|solo io|solo il mio|solo nel mio|"
    r"(i )?vicini (ce l'hanno|hanno (la luce|l'acqua|il gas|corrente)|no)|"
    r"only (in |at )?(my|me)\b|just (my|me)\b|neighbou?rs (have|are fine|are ok)|"
    r"(seulement|que|uniquement) chez (moi|nous)|les voisins (ont|sont ok|n'ont pas de probleme))"
)
_STREET_KIND = (
    r"via|viale|v\.le|piazza|p\.zza|piazzale|corso|c\.so|largo|vicolo|strada|localita|loc\.|"
    r"frazione|fraz\.|borgo|lungarno|rue|avenue|street|road"
)
_ADDRESS = re.compile(
    rf"\b(?P<street>(?:{_STREET_KIND})\s+(?!(?:da|dal|dalle|che|e|ed|non|manca|senza)\b)"
    r"[^\d,;\n\[\]]{2,60}?)"
    r"(?=\s*(?:\d|,|;|\s-\s|\s(?:a|ad|in|at)\s|[?!.]|$))"
    r"(?:\s*(?P<number>\d{1,4}(?:/?[a-z]\b)?(?:/\d{1,3})?)\b)?"
    r"(?:\s*(?:,|;|-|\b(?:a|ad|in|at)\b)?\s*(?P<commune>[^\d,;\n\[\]?!.]{2,40}))?"
)
_COMMUNE_AFTER = re.compile(r"\b(?:a|ad|in|at|à|a)\s+([A-Z][^\d,;\n\[\]?!.]{1,40})")
_COMMUNE_STOP = re.compile(
    r"\s+\b(per|for|pour|da|since|depuis|oggi|today|domani|tomorrow|stamattina|this|ce|"
    r"che|dove|where|ou|e|and|et|manca|senza|c'e|ci sono|non)\b.*$",
    re.I,
)
_NOT_A_COMMUNE = re.compile(
    r"^(casa|home|me|noi|moi|mia|mio|my|the|la|il|lo|un|una|ciao|salve|buongiorno|buonasera|"
    r"bonjour|bonsoir|hello|hi|grazie|thanks|merci|si|sì|ok|oui|yes|no|non)\b",
    re.I,
)
# The house number written before the street, as in English and French.
_NUMBER_FIRST = re.compile(r"(?:^|[\s,;:])(\d{1,4}(?:/?[a-z])?)\s*,?\s*$", re.I)
# "Figline Valdarno, via Roma": the commune written first, then a comma.
_COMMUNE_BEFORE = re.compile(r"(?:^|[,;.]\s*)([A-Z][^\d,;\n\[\]?!.]{1,40}?)\s*,\s*$")


@dataclass(frozen=True)
class Markers:
    """What the WhatsApp layer attached to a message: a shared location and photos."""

    location: str | None = None  # "[location lat,lon]", as received
    images: tuple[str, ...] = ()  # "[image media_id]", as received

    def tags(self) -> list[str]:
        return ([self.location] if self.location else []) + list(self.images)


@dataclass(frozen=True)
class Address:
    street: str | None  # "Via Roma 18"
    commune: str | None  # "Figline Valdarno"

    def text(self) -> str:
        return ", ".join(part for part in (self.street, self.commune) if part)


@dataclass(frozen=True)
class Report:
    """Everything a fault report carries, validated before a ticket is written."""

    commodity: Commodity
    problem: Problem
    scope: Scope | None
    description: str
    address: str
    supply_id: str | None = None
    tags: list[str] = field(default_factory=list)


def find_markers(text: str) -> tuple[Markers, str]:
    """The location and photo markers of a message, and the text without them.

    A location with impossible coordinates is dropped (kept neither as marker nor text)."""
    location = None
    for match in _LOCATION.finditer(text):
        lat, lon = float(match.group(1)), float(match.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            location = f"[location {match.group(1)},{match.group(2)}]"
    images = tuple(f"[image {m.group(1)}]" for m in _IMAGE.finditer(text))
    rest = _IMAGE.sub(" ", _LOCATION.sub(" ", text))
    return Markers(location, images), re.sub(r"\s+", " ", rest).strip()


def _fold(text: str) -> str:
    """`fold` one character at a time, so that offsets in the folded text stay valid."""
    out = []
    for char in text.replace("\u2019", "'"):
        folded = fold(char)
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


def find_ticket_id(text: str) -> str | None:
    """A ticket number as the backend prints it (TK-2026-000123), however it was typed."""
    match = _TICKET_ID.search(_fold(text))
    return f"TK-{match.group(1)}-{int(match.group(2)):06d}" if match else None


def commodity_of(text: str) -> Commodity | None:
    """The commodity a message is about: the first one it names."""
    folded = _fold(text)
    found = [(m.start(), c) for c, rx in _COMMODITY_WORDS if (m := rx.search(folded))]
    if not found:
        return None
    if len(found) > 1 and _LOW_PRESSURE.search(folded):
        return "water"  # "pressione" next to another commodity word: low water pressure
    return min(found)[1]


# Hot water or heating missing is the home's boiler (the customer's own system), not the
# network: unless cold water is missing too, the neighbours have the same problem, or the gas
# cooker does not light either (then gas is missing).
_HOME_HEATING = re.compile(
    r"\b(acqua calda|caldaia|scaldabagno|riscaldamento|termosifon\w*|hot water|boiler|"
    r"water heater|heating|radiators?|eau chaude|chaudiere|chauffe-eau|chauffage|radiateurs?)\b"
)
_NETWORK_TOO = re.compile(
    r"\b(fredda|cold|froide|vicin\w*|neighbou?rs?|voisins?|tutto il palazzo|whole building|"
    r"tout l'immeuble)\b"
)
_COOKER = re.compile(r"\b(fornell\w*|cooker|hob|stove|gaziniere|cuisiniere|plaques?)\b")
_NOT = re.compile(
    r"\b(non|not|no|won'?t|doesn'?t|don'?t|isn'?t|can'?t|either|neanche|nemmeno|neppure|"
    r"pas|plus)\b"
)


def _clauses_of(text: str) -> list[str]:
    return re.split(r"[,;.!?]|\b(?:ma|pero|but|mais|and|e|et)\b", _fold(text))


def cooker_out(text: str) -> bool:
    """ "il fornello non si accende", "the cooker won't light either": gas is missing (in the
    clause that names the cooker: "non ho acqua calda, il fornello però funziona" is not)."""
    return any(_COOKER.search(c) and _NOT.search(c) for c in _clauses_of(text))


def home_heating_only(text: str) -> bool:
    """ "je n'ai plus d'eau chaude", "la caldaia non parte": the boiler, not a supply fault.
    A clause that says a supply is missing without naming the boiler ("il gas non arriva, la
    caldaia va in blocco") is a fault."""
    folded = _fold(text)
    return (
        bool(_HOME_HEATING.search(folded))
        and not _NETWORK_TOO.search(folded)
        and not cooker_out(text)
        and not any(_NO_SUPPLY.search(c) and not _HOME_HEATING.search(c) for c in _clauses_of(text))
    )


def problem_of(text: str) -> Problem | None:
    folded = _fold(text)
    if home_heating_only(text):
        return None
    if cooker_out(text):
        return "no_supply"
    if _LOW_PRESSURE.search(folded):
        return "low_pressure"
    if _INTERMITTENT.search(folded):
        return "intermittent"
    if _NO_SUPPLY.search(folded) or _BROKEN_METER.search(folded):
        return "no_supply"
    return None


def asks_only_for_a_number(text: str) -> bool:
    """ "C'è un numero verde per i guasti?": the fault numbers asked for, no fault reported
    (a fault in the same message is a report; the report gives the number too)."""
    folded = _fold(text)
    return names_a_number_question(folded) and problem_of(_FAULT_TOPIC.sub(" ", folded)) is None


def scope_of(text: str) -> Scope | None:
    """Whether only the customer's home is affected or the street/building too."""
    folded = _fold(text).strip(" .!?")
    if folded in ("home", "area"):
        return folded  # type: ignore[return-value]  # a button id
    if _HOME.search(folded):
        return "home"
    if _AREA.search(folded):
        return "area"
    return None


def intent_of(text: str) -> Intent:
    """What an outage message wants: report a fault, follow a ticket, planned works, or
    a general question for the knowledge base."""
    folded = _fold(text)
    problem = problem_of(text)
    hypothetical = _HYPOTHETICAL.search(folded)
    if find_ticket_id(text) or (
        (_TECHNICIAN.search(folded) or _FOLLOW_UP.search(folded)) and not hypothetical
    ):
        return "status"
    if hypothetical:
        return "question"
    if problem:
        return "report"  # "no power since 7am, any news?" is a report
    if _NEWS.search(folded):
        return "status"
    if _PLANNED.search(folded):
        return "planned"
    return "question"


def continues_answer(text: str) -> bool:
    """A message that only makes sense after an outage answer: news of the report ("any
    news?", "ci sono novità?"), whatever topic its few words resemble."""
    return intent_of(text) == "status" and problem_of(text) is None


def _clean_commune(raw: str | None) -> str | None:
    if not raw:
        return None
    commune = _COMMUNE_STOP.sub("", raw).strip(" '\"-")
    if len(commune) < 2 or _NOT_A_COMMUNE.match(commune):
        return None
    return commune


# "Via" that is no street: "è andata via la corrente" (gone), "via email" (by).
_NOT_A_STREET = re.compile(
    r"\b(?:andat\w*|va|vanno|vai|andare|scappat\w*|portat\w*|portar\w*|buttat\w*|mandat\w*|"
    r"levat\w*|tolt\w*|salta\w*) (via)\b|\b(via) (?:e-?mail|mail|whatsapp|sms|pec|posta|"
    r"web|internet|app|telefono|chat)\b"
)


def _masked(folded: str) -> str:
    """The folded text with every non-street "via" blanked, offsets unchanged."""
    return _NOT_A_STREET.sub(lambda m: m.group(0).replace("via", "___"), folded)


def find_address(text: str) -> Address | None:
    """A street (with its house number) and/or a commune written by the customer.

    "Via Roma 7, Figline Valdarno", "via Roma 7 a Figline", "Via Roma, Figline"; without a
    street word, a capitalised place after "a"/"in" ("lavori a San Giovanni Valdarno")."""
    text = text.replace("\u2019", "'")
    match = _ADDRESS.search(_masked(_fold(text)))
    if match:
        start, end = match.span("street")
        street = text[start:end].strip()
        if match.group("number"):
            street += " " + text[match.start("number") : match.end("number")]
        elif first := _NUMBER_FIRST.search(text[:start]):
            street += " " + first.group(1)  # "12 via Roma", "12, rue de la Paix"
        commune = None
        if match.group("commune"):
            c_start, c_end = match.span("commune")
            commune = _clean_commune(text[c_start:c_end])
        if commune is None and (before := _COMMUNE_BEFORE.search(text[:start])):
            commune = _clean_commune(before.group(1))
        return Address(_tidy(street), _tidy(commune) if commune else None)
    place = _COMMUNE_AFTER.search(text)
    commune = _clean_commune(place.group(1)) if place else None
    return Address(None, _tidy(commune)) if commune else None


def without_commune(street: str, commune: str) -> str:
    """The street without the commune written into it: "12 via dante milano" was read as
    the street "via Dante Milano 12" (nothing parts the two), and the commune asked for
    after it is "Milano". The street keeps one word of its own at least."""
    name = re.escape(commune.strip())
    kept = re.sub(rf"(?<=\S)\s+{name}(?=\s+\d|\s*$)", "", street, flags=re.IGNORECASE)
    left = street_name(kept)
    return kept if left and not re.fullmatch(_STREET_KIND, left) else street


def bare_commune(text: str) -> str | None:
    """A reply that is just a place name ("Reggello"), when a commune was asked for."""
    words = text.strip(" .!?,")
    if not words or re.search(r"\d", words) or len(words) > 40 or len(words.split()) > 4:
        return None
    return _tidy(_clean_commune(words))


def _tidy(value: str | None) -> str | None:
    if value is None:
        return None
    value = re.sub(r"\s+", " ", value).strip(" ,")
    return " ".join(w if w[:1].isupper() or len(w) <= 3 else w.capitalize() for w in value.split())


def street_name(street: str) -> str:
    """'Via Roma 18' -> 'roma': the name to look for in an outage's area description."""
    folded = fold(street)
    folded = re.sub(rf"^({_STREET_KIND})\s+", "", folded)
    return re.sub(r"\s*\d.*$", "", folded).strip()


def is_active(outage: PlannedOutage, now: datetime) -> bool:
    return outage.starts_at <= now <= outage.ends_at


def covers(outage: PlannedOutage, street: str | None) -> bool:
    """Whether a planned outage's area names the street (unknown street: assume it may)."""
    if not street:
        return True
    name = street_name(street)
    return bool(name) and re.search(rf"\b{re.escape(name)}\b", fold(outage.area)) is not None


def ticket_priority(urgency: str, life_support: bool = False) -> TicketPriority:
    """High when the customer's message was urgent or the home has life-support equipment."""
    return "high" if urgency in ("high", "emergency") or life_support else "normal"


def is_fault_ticket(ticket: Ticket) -> bool:
    return ticket.category.endswith(FAULT_CATEGORIES)


def latest_open_ticket(tickets: list[Ticket]) -> Ticket | None:
    """The newest open fault ticket, else the newest open ticket of any kind."""
    ordered = sorted(
        tickets, key=lambda t: t.created_at.timestamp() if t.created_at else 0.0, reverse=True
    )
    open_ = [t for t in ordered if t.status in OPEN_STATUSES]
    return next((t for t in open_ if is_fault_ticket(t)), open_[0] if open_ else None)


def commodity_of_ticket(ticket: Ticket) -> Commodity | None:
    prefix = ticket.category.split("_", 1)[0]
    return prefix if prefix in ("electricity", "gas", "water") else None  # type: ignore[return-value]


def ticket_summary(report: Report) -> str:
    """The operator's summary: problem, reach, place, the customer's words and attachments."""
    parts = [
        f"{report.commodity} {report.problem.replace('_', ' ')}",
        f"({'home only' if report.scope == 'home' else 'area' if report.scope else 'reach unknown'})",
        f"at {report.address}:",
        report.description,
        *report.tags,
    ]
    return " ".join(p for p in parts if p)[:500]
