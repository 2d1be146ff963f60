"""Onboarding tools: what a message asks to change, saving preferences and consents, passages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from langchain_core.tools import BaseTool, StructuredTool, ToolException, tool
from langgraph.prebuilt import InjectedState

from graph.backends.ports import (
    Consent,
    ConsentCategory,
    Customer,
    Preferences,
    UtilityBackend,
)
from graph.deps import GraphDeps
from graph.prompts import render
from graph.verticals.onboarding.texts import TEMPLATES
from knowledge.retriever import KnowledgeUnavailable
from knowledge.schema import Hit, SearchFilters
from knowledge.sparse import fold

CATEGORIES: tuple[ConsentCategory, ...] = get_args(ConsentCategory)
Changes = dict[str, Any]  # Preferences field -> new value
Intent = Literal["consents", "preferences", "guide", "welcome", "email_change", "other"]

# ----------------------------------------------------------------------- what a message asks
_CONSENT_WORDS = re.compile(
    r"\b(offert\w*|promo|promos|promozion\w*|pubblicit\w*|newsletter|marketing|marketting|"
    r"profil\w*|partner\w*|terz[ie]|sondagg\w*|questionar\w*|consens\w*|survey\w*|offers?|"
    r"advertis\w*|consent\w*|sondages?|enquetes?|publicit\w*|partenaires?|offres?)\b"
)
_GUIDE = re.compile(
    r"\b(prim[ao] (bolletta|fattura)|first bill|premiere facture|legg\w* (la )?bolletta|"
    r"read (my|the|a) bill|lire (ma|la|une) facture|voci della bolletta|queste voci|"
    r"these items|ces lignes|codice cliente e pod)\b"
)
_WELCOME = re.compile(
    r"\b(nuov[oa] client\w*|client\w* nuov[oa]|appena (firmato|passat\w*|diventat\w*)|"
    r"new customer|signed up|just switched|nouveau client|nouvelle cliente|viens de "
    r"(signer|passer)|benvenut\w*|welcome|bienvenue|da dove (comincio|inizio)|where do i start|"
    r"par ou je commence|prossimi passi|next steps|prochaines etapes)\b"
)
_EMAIL_CHANGE = re.compile(
    r"\b(cambi\w*|modific\w*|change|changer|aggiorn\w*|update)\b.{0,25}\b(indirizzo|address|"
    r"adresse)\b.{0,10}\b(e-?mail|mail)\b"
)
_PREFERENCE_WORDS = re.compile(
    r"\b(preferenz\w*|preferences?|impostazion\w*|settings|parametres|preferences de contact)\b"
)


def intent_of(text: str) -> Intent:
    """Which onboarding procedure a message starts (consents before reminders: "promo" is
    marketing, "promemoria" is a reminder). A question that only names WhatsApp or the bill
    ("qual è il numero WhatsApp di Lumea?") is "other": a general question."""
    folded = fold(text)
    if _CONSENT_WORDS.search(folded):
        return "consents"
    if _EMAIL_CHANGE.search(folded):
        return "email_change"
    if _GUIDE.search(folded):
        return "guide"
    if _PREFERENCE_WORDS.search(folded) or requested_preferences(
        text, Preferences(customer_code="")
    ):
        return "preferences"
    if _WELCOME.search(folded):
        return "welcome"
    return "other"


_NEGATION = re.compile(
    r"\b(non|nn|not|don'?t|dont|no more|anymore|piu|basta|stop|ne veux|veux plus|plus de|"
    r"pas de|invece|instead|rather|plutot|anziche)\b"
)
_BILL = re.compile(r"\b(bollett\w*|fattur\w*|bills?|billing|factures?|e-?bills?|paperless)\b")
_REMINDER = re.compile(
    r"\b(promemoria|avvis\w*|notific\w*|reminders?|alerts?|rappels?|alertes?|scadenz\w*)\b"
)
_EMAIL = re.compile(
    r"\b(e-?mail|mail|posta elettronica|pdf|digital\w*|online|elettronic\w*|paperless|"
    r"e-?bills?|electroni\w*|numeriqu\w*)\b"
)
_PAPER = re.compile(r"\b(carta|cartace\w*|posta|paper|papier|courrier|post)\b")
_SMS = re.compile(r"\b(sms|texto|text messages?)\b")
_WHATSAPP = re.compile(r"\bwhats ?app\b")
_NONE = re.compile(r"\b(nessun\w*|niente|none|no reminders?|aucun\w*)\b")
_ACTIVATE = re.compile(r"\b(attiv\w*|abilit\w*|riattiv\w*|activ\w*|turn on|enable|activer)\b")
_DEACTIVATE = re.compile(
    r"\b(disattiv\w*|disabilit\w*|deactivat\w*|turn off|disable|desactiv\w*)\b"
)


def _first(text: str, patterns: dict[str, re.Pattern[str]]) -> str | None:
    """The value whose words come first in the text ("email invece che posta" -> email)."""
    found = {value: m.start() for value, p in patterns.items() if (m := p.search(text))}
    return min(found, key=found.__getitem__) if found else None


def _segments(text: str, subjects: dict[str, re.Pattern[str]]) -> dict[str, tuple[str, str]]:
    """Subject -> (the text from its word to the next subject's, the text before its word)."""
    starts = sorted((m.start(), name) for name, p in subjects.items() if (m := p.search(text)))
    bounds = [start for start, _ in starts] + [len(text)]
    return {
        name: (text[start : bounds[i + 1]], text[bounds[i - 1] if i else 0 : start])
        for i, (start, name) in enumerate(starts)
    }


def _value(segment: tuple[str, str], patterns: dict[str, re.Pattern[str]]) -> str | None:
    after, before = segment
    return _first(after, patterns) or _first(before, patterns)


def requested_preferences(text: str, current: Preferences) -> Changes:
    """The preference changes a message asks for: bill delivery, reminder channel, WhatsApp.

    Each subject (bills, reminders) takes the channel words that follow it. Reminders on
    WhatsApp also need the WhatsApp channel: its activation is then part of the change (and
    of the wording the customer confirms); `current` tells whether it is already active.
    """
    folded = fold(text).replace("posta elettronica", "email")
    negated = bool(_NEGATION.search(folded))
    segments = _segments(folded, {"bill": _BILL, "reminder": _REMINDER})
    changes: Changes = {}
    if "bill" in segments:
        delivery = _value(segments["bill"], {"email": _EMAIL, "paper": _PAPER})
        if delivery and negated and not (_EMAIL.search(folded) and _PAPER.search(folded)):
            delivery = "paper" if delivery == "email" else "email"  # "non voglio la carta"
        if delivery:
            changes["bill_delivery"] = delivery
    reminder = segments.get("reminder")
    if (
        reminder is None
        and "bill" not in segments
        and (_SMS.search(folded) or _NONE.search(folded))
    ):
        reminder = (folded, "")  # "sms", "nessuno": only reminders have those channels
    if reminder is not None:
        channels = {"whatsapp": _WHATSAPP, "sms": _SMS, "email": _EMAIL, "none": _NONE}
        channel = _value(reminder, channels)
        if negated and not _ACTIVATE.search(folded) and channel in (None, "none"):
            channel = "none"  # "non voglio più promemoria"
        if channel:
            changes["reminder_channel"] = channel
    if _DEACTIVATE.search(folded) and _WHATSAPP.search(folded):
        changes["whatsapp_active"] = False
    elif (
        (_ACTIVATE.search(folded) and (_WHATSAPP.search(folded) or "reminder" in segments))
        or folded.strip(" .!") in ("avvisi", "alerts", "alertes")
        or (changes.get("reminder_channel") == "whatsapp" and not current.whatsapp_active)
    ):
        changes["whatsapp_active"] = True
    return changes


def changed(requested: Changes, current: Preferences) -> Changes:
    """The requested values that differ from the current ones."""
    return {k: v for k, v in requested.items() if getattr(current, k) != v}


_HOW_TO = re.compile(r"^\W*(come|posso|dove|si puo|how|can i|where|comment|puis-je|ou est-ce)\b")


def requested_consents(text: str) -> tuple[bool | None, list[ConsentCategory]]:
    """(granted, categories): True to give, False to revoke, None when the message only asks
    about them; categories in a fixed order, "offers" alone meaning Lumea's own."""
    folded = fold(text)
    categories: list[ConsentCategory] = []
    if re.search(r"\b(tutt[ie]|all|everything|tous|toutes)\b", folded):
        categories = list(CATEGORIES)
    else:
        if re.search(r"\b(partner\w*|terz[ie]|third.?part\w*|partenaires?)\b", folded):
            categories.append("marketing_partners")
        if re.search(r"\b(profil\w*|personali[sz]\w*|personnalis\w*)\b", folded):
            categories.append("profiling")
        if re.search(
            r"\b(sondagg\w*|questionar\w*|survey\w*|sondages?|enquetes?|soddisfazione)\b", folded
        ):
            categories.append("surveys")
        if not categories or re.search(r"\b(lumea|vostr[ei]|your|vos)\b.{0,20}\boff", folded):
            categories.insert(0, "marketing_lumea")
    revoke = re.search(
        r"\b(revoc\w*|ritir\w*|togli\w*|annull\w*|non|nn|basta|smett\w*|nessun\w*|withdraw\w*|"
        r"revoke\w*|don'?t|dont|do not|no more|unsubscrib\w*|opt.?out|retir\w*|ne veux|plus d\w*|"
        r"arret\w*|pas de|desinscri\w*|disiscriv\w*)\b",
        folded,
    )
    grant = re.search(
        r"\b(acconsent\w*|do il consenso|dare il consenso|accett\w*|voglio ricevere|vorrei "
        r"ricevere|iscriv\w*|mandatemi|inviatemi|mandarmi|si a\w*|agree|i consent|accept\w*|"
        r"opt.?in|sign me up|send me|sign up|j'accepte|je veux bien|inscri\w*|envoyez)\b",
        folded,
    )
    if _HOW_TO.search(folded):
        return None, categories  # "come revoco il consenso?" asks how, it does not revoke
    granted = False if revoke else True if grant else None
    return granted, categories


def latest_consents(consents: list[Consent]) -> dict[str, Consent]:
    """Category -> its latest record (the history is oldest first: the latest wins)."""
    latest: dict[str, Consent] = {}
    for consent in consents:
        latest[consent.category] = consent
    return latest


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


# ----------------------------------------------------------------------- writes
def save_preferences(
    backend: UtilityBackend, current: Preferences, changes: Changes
) -> Preferences:
    return backend.set_preferences(current.model_copy(update=changes))


def record_consent(
    backend: UtilityBackend,
    customer: Customer,
    category: ConsentCategory,
    granted: bool,
    wording: str,
    at: datetime,
) -> Consent:
    return backend.record_consent(
        Consent(
            customer_code=customer.code,
            category=category,
            granted=granted,
            wording=wording,
            channel="whatsapp",
            at=at,
        )
    )


def write_tools(deps: GraphDeps) -> list[BaseTool]:
    """The vertical's writes, as tools for the `tools` step (ToolNode). The customer and what
    they confirmed come from the state: a change of preferences or a consent is saved only
    as the customer confirmed it, to the wording shown; a withdrawal needs no confirmation
    (withdrawing must be as easy as consenting) and takes effect at once."""

    @tool("set_preferences")
    def set_preferences_tool(
        customer_code: Annotated[str, InjectedState("customer_code")],
        flow: Annotated[dict[str, Any] | None, InjectedState("flow")] = None,
        bill_delivery: Literal["email", "paper"] | None = None,
        reminder_channel: Literal["whatsapp", "sms", "email", "none"] | None = None,
        whatsapp_active: bool | None = None,
    ) -> str:
        """Save the change of communication preferences the customer has just confirmed: how
        bills are delivered, where payment reminders go, WhatsApp messages on or off."""
        asked = {
            key: value
            for key, value in (
                ("bill_delivery", bill_delivery),
                ("reminder_channel", reminder_channel),
                ("whatsapp_active", whatsapp_active),
            )
            if value is not None
        }
        slots = (flow or {}).get("slots") or {}
        if (flow or {}).get("step") != "confirm_preferences" or slots.get("changes") != asked:
            raise ToolException("the customer has not confirmed this change")
        current = deps.backend.get_preferences(customer_code)
        return save_preferences(deps.backend, current, asked).model_dump_json()

    @tool("record_consent")
    def record_consent_tool(
        category: ConsentCategory,
        granted: bool,
        customer_code: Annotated[str, InjectedState("customer_code")],
        flow: Annotated[dict[str, Any] | None, InjectedState("flow")] = None,
        language: Annotated[str, InjectedState("language")] = "it",
    ) -> str:
        """Record the customer's consent for one category, given just now to the exact wording
        shown, or withdraw it (granted false) at the customer's request."""
        slots = (flow or {}).get("slots") or {}
        if granted:
            if (flow or {}).get("step") != "confirm_consent" or slots.get("category") != category:
                raise ToolException("the customer has not consented to this category's wording")
            wording = str(slots["wording"])  # exactly what the customer was shown
        else:
            label = render(TEMPLATES, f"label_{category}", language)
            wording = render(TEMPLATES, "revocation_wording", language, label=label)
        customer = deps.backend.get_customer(customer_code)
        consent = record_consent(deps.backend, customer, category, granted, wording, deps.clock())
        return consent.model_dump_json()

    return [set_preferences_tool, record_consent_tool]


# ----------------------------------------------------------------------- knowledge
# What a reply cites: (query, document, words the passage holds, lower case). Short sections
# are chunked together: the passage holding the words is chosen among the document's best.
Topic = tuple[str, str, str]
FRONT_PAGE: Topic = ("frontespizio unificato prima pagina", "guida-bolletta-luce", "frontespizio")
RECEIPT: Topic = ("scontrino dell'energia quota consumi", "guida-bolletta-luce", "scontrino")
ITEMS: Topic = ("le quattro macro-voci della bolletta", "guida-bolletta-luce", "4 macro-voci")
ESTIMATES: Topic = ("acconto e conguaglio consumi stimati", "guida-bolletta-gas", "conguaglio")
GAS_FRONT: Topic = ("nuovo formato bolletta gas frontespizio", "guida-bolletta-gas", "frontespizio")
GAS_ITEMS: Topic = ("quattro macro-voci bolletta del gas", "guida-bolletta-gas", "4 macro-voci")
EN_FORMAT: Topic = ("new bill format unified first page", "how-to-read-your-bill", "first page")
EN_ITEMS: Topic = ("four cost items of an energy bill", "how-to-read-your-bill", "macro-items")
EN_ESTIMATES: Topic = ("estimated bills and adjustment bills", "how-to-read-your-bill", "acconto")
WHAT_YOU_CAN_DO: Topic = ("cosa puoi fare su WhatsApp con Lumea", "lumea-su-whatsapp", "cosa puoi")
ALERTS: Topic = ("promemoria e avvisi con i modelli WhatsApp", "lumea-su-whatsapp", "promemoria")
BY_CATEGORY: Topic = (
    "consensi marketing separati per categoria",
    "privacy-consensi-marketing",
    "non usa consensi",
)
REVOCATION: Topic = (
    "come revocare il consenso al marketing",
    "privacy-consensi-marketing",
    "puoi revocare",
)


def passage(deps: GraphDeps, topic: Topic) -> list[Hit]:
    """The passage of the topic's document that holds its words (at most one hit)."""
    query, doc_id, words = topic
    try:
        hits = deps.retriever.search(query, k=5, filters=SearchFilters(doc_id=[doc_id]))
    except KnowledgeUnavailable:  # documents down: the reply goes without this quote
        return []
    return ([h for h in hits if words in h.text.lower()] or hits)[:1]


def quote(deps: GraphDeps, topic: Topic, lines: int = 5) -> tuple[str, list[Hit]]:
    """The topic's section from its words on (its first lines), and the passage to cite."""
    hits = passage(deps, topic)
    if not hits:
        return "", []
    text = hits[0].text
    at = text.lower().find(topic[2])
    start = text.rfind("\n", 0, at) + 1 if at >= 0 else 0
    body = [line.strip(" -•\t") for line in text[start:].split("\n") if line.strip()]
    quoted = " ".join(body[:lines])
    if quoted.endswith(":") and ". " in quoted:  # a list cut off: end at the last sentence
        quoted = quoted[: quoted.rindex(". ") + 1]
    return quoted, hits


def guide_passages(deps: GraphDeps, commodity: str | None, language: str) -> list[Hit]:
    """The sections of the bill guide that the first-bill guide summarises."""
    if language == "en":
        topics = [EN_FORMAT, EN_ITEMS, EN_ESTIMATES]
    elif commodity == "gas":
        topics = [GAS_FRONT, GAS_ITEMS, ESTIMATES]
    else:
        topics = [FRONT_PAGE, RECEIPT, ITEMS, ESTIMATES]
    return [hit for topic in topics for hit in passage(deps, topic)]


def read_tools(backend: UtilityBackend, customer_code: str) -> list[BaseTool]:
    """The agent's read tools (LLM mode), bound to the identified customer."""

    def get_preferences() -> dict[str, object]:
        """How the customer receives bills and reminders (channel, language, reminders)."""
        return backend.get_preferences(customer_code).model_dump(mode="json")

    def list_consents() -> list[dict[str, object]]:
        """The customer's marketing and privacy consents, oldest first: category, granted or
        withdrawn, when and through which channel."""
        return [c.model_dump(mode="json") for c in backend.list_consents(customer_code)]

    return [
        StructuredTool.from_function(get_preferences),
        StructuredTool.from_function(list_consents),
    ]
