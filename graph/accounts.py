"""Helpers the account verticals share: choosing a supply, yes/no answers, money and dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from graph.backends.ports import Customer, Supply
from graph.slots import find_position
from graph.state import Choice
from knowledge.sparse import fold

COMMODITY_NAMES = {
    "electricity": {"it": "luce", "en": "electricity", "fr": "électricité"},
    "gas": {"it": "gas", "en": "gas", "fr": "gaz"},
    "water": {"it": "acqua", "en": "water", "fr": "eau"},
}
_COMMODITY_WORDS = {
    "electricity": re.compile(
        r"\b(luce|elettric\w*|electric\w*|(?<!conto )corrente|power|"
        r"courant|pod)\b"
    ),
    "gas": re.compile(r"\b(gas|gaz|metano|pdr)\b"),
    "water": re.compile(r"\b(acqua|water|eau|idric\w*)\b"),
}
_YES = re.compile(
    r"^\s*(si|sì|s|ok|okay|va bene|confermo|certo|yes|y|yep|sure|confirm|"
    r"oui|d'accord|je confirme)\b",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^\s*(no|nope|annulla|non|cancel|stop|pas maintenant|no grazie|no thanks|non merci)"
    r"\s*[.!,]*\s*$|^\s*no[,.!]?\s|^\s*(non voglio|i don't want|i do not want|je ne veux pas)",
    re.IGNORECASE,
)


def is_yes(text: str) -> bool:
    return bool(_YES.match(fold(text)))


def is_no(text: str) -> bool:
    return bool(_NO.match(fold(text))) and not is_yes(text)


# Taking up what was just offered ("la voglio attivare", "mi interessa", "I'll take it"): enough
# to start a procedure or resume one, never the confirmation of a write (that stays a yes).
_ACCEPT = re.compile(
    r"\b(l[aoie] (voglio|vorrei|prendo|attiv\w*)|(la|lo|li|le) (voglio )?(attivare|sottoscrivere)|"
    r"mi interessa\w*|m'interessa|(procedi|procediamo|avvia\w*|vai pure|andiamo avanti)|"
    r"(voglio|vorrei) (aderire|attivarl\w|sottoscriverl\w|passarci)|"
    r"(i'?ll|i will|let'?s) (take|do|go with|sign up|get) (it|that|this|one|for it)|"
    r"i want (it|that one|this one|to sign up|to switch)|sign me up|go ahead|interested|"
    r"je (la|le|les) (prends|veux)|(ca|cela) m'interesse|je suis interesse\w*|allez-y|"
    r"je veux (y souscrire|la souscrire|changer))\b"
)


_DECLINE = re.compile(
    r"\b(non (l[aoie] |mi |ci )?(voglio|vorrei|interessa\w*|serve|servono)|"
    r"not interested|no thanks|(i )?(don'?t|do not) (want|need) (it|that|them|this)|"
    r"ne m'interesse pas|pas interesse\w*|je n'en veux pas|je ne (la|le|les) veux pas)\b"
)


def after_yes(text: str) -> str:
    """What follows an opening yes ("ok e cos'è il conguaglio?" -> "e cos'e il conguaglio?"),
    folded; the whole folded text when it does not open with one."""
    folded = fold(text)
    return folded[m.end() :].strip(" ,.!") if (m := _YES.match(folded)) else folded


def declines(text: str) -> bool:
    """A no to an offer to start or resume something ("non mi interessa", "no thanks")."""
    return is_no(text) or bool(_DECLINE.search(fold(text)))


def accepts(text: str) -> bool:
    """A yes to an offer to start or resume something; a no or a refusal is never one."""
    folded = fold(text)
    if declines(text):
        return False
    if re.search(r"\b(non|not|pas|don'?t|ne)\b", folded):
        return is_yes(text)
    return is_yes(text) or bool(_ACCEPT.search(folded))


def euro(amount: Decimal) -> str:
    """Italian money format as bills print it: 1.234,56 €."""
    text = f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".") + " €"


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def commodity_name(commodity: str, language: str) -> str:
    return COMMODITY_NAMES[commodity].get(language, COMMODITY_NAMES[commodity]["it"])


@dataclass(frozen=True)
class SupplyPick:
    supply: Supply | None
    choices: list[Choice]


def pick_supply(
    customer: Customer, text: str, language: str, chosen: str | None = None
) -> SupplyPick:
    """The supply a message is about: the only one, the one chosen, the commodity named,
    or else a choice to offer (buttons)."""
    supplies = [s for s in customer.supplies if s.status != "inactive"] or customer.supplies
    if chosen:
        match = next((s for s in supplies if s.supply_id == chosen), None)
        if match:
            return SupplyPick(match, [])
    if len(supplies) == 1:
        return SupplyPick(supplies[0], [])
    folded = fold(text)
    named = [s for s in supplies if _COMMODITY_WORDS[s.commodity].search(folded)]
    if len(named) == 1:
        return SupplyPick(named[0], [])
    by_id = next((s for s in supplies if s.supply_id.lower() in folded), None)
    if by_id:
        return SupplyPick(by_id, [])
    position = find_position(text, len(supplies))
    if position is not None:
        return SupplyPick(supplies[position], [])
    choices = [
        Choice(
            id=s.supply_id,
            title=f"{commodity_name(s.commodity, language).capitalize()} · {s.address}"[:24],
        )
        for s in supplies[:10]
    ]
    return SupplyPick(None, choices)
