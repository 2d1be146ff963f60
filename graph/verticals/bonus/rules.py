"""Bonus sociale rules: a supply's bonus status, how a bonus is obtained, and the ISEE rule.

Sources (knowledge corpus): "Bonus sociale luce, gas e acqua per disagio economico" (automatic
after the DSU, 12 months, domestic supplies, a supply suspended for arrears still counts),
"Bonus sociale per disagio fisico" (electricity only, not linked to the ISEE, an application to
the Comune or a CAF with the ASL certificate, the POD, the contracted power and the holder's and
user's details; lasts while the equipment is in use) and "Lumea su WhatsApp" (Lumea never asks
for the DSU or the ISEE certificate on WhatsApp).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from graph.backends.ports import Customer, Supply
from knowledge.sparse import fold

BonusKind = Literal["economic", "physical"]
BonusState = Literal["active", "expiring", "expired", "not_started", "none", "not_domestic"]
EXPIRY_NOTICE_DAYS = 60  # from here on the reply stresses renewing the DSU in time


@dataclass(frozen=True)
class BonusRoute:
    """How a kind of bonus is obtained."""

    kind: BonusKind
    automatic: bool  # True: no application, the INPS -> SII -> seller flow does it
    apply_at: tuple[str, ...]  # where to apply (template keys), empty when automatic
    documents: tuple[str, ...]  # what to bring (template keys), empty when automatic
    yearly_renewal: bool  # True: a new DSU every year keeps it going


ECONOMIC = BonusRoute("economic", automatic=True, apply_at=(), documents=(), yearly_renewal=True)
PHYSICAL = BonusRoute(
    "physical",
    automatic=False,
    apply_at=("comune", "caf"),
    documents=("asl_certificate", "pod", "contracted_power", "holder_and_user"),
    yearly_renewal=False,
)
ROUTES: dict[BonusKind, BonusRoute] = {"economic": ECONOMIC, "physical": PHYSICAL}


@dataclass(frozen=True)
class SupplyBonus:
    """The bonus situation of one supply on a given day."""

    supply: Supply
    state: BonusState
    kind: BonusKind | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    days_left: int | None = None  # until valid_to, when active or expiring
    obtainable: tuple[BonusKind, ...] = ()  # for supplies without a bonus in force


def obtainable_kinds(customer: Customer, supply: Supply) -> tuple[BonusKind, ...]:
    """Which bonuses a supply could carry: domestic supplies only; physical on electricity."""
    if not customer.domestic:
        return ()
    if supply.commodity == "electricity":
        return ("economic", "physical")
    return ("economic",)


def supply_bonus(customer: Customer, supply: Supply, today: date) -> SupplyBonus:
    bonus = supply.bonus
    if bonus is None:
        state: BonusState = "none" if customer.domestic else "not_domestic"
        return SupplyBonus(supply, state, obtainable=obtainable_kinds(customer, supply))
    common = {"kind": bonus.kind, "valid_from": bonus.valid_from, "valid_to": bonus.valid_to}
    if today < bonus.valid_from:
        return SupplyBonus(supply, "not_started", **common)  # type: ignore[arg-type]
    if today > bonus.valid_to:
        return SupplyBonus(
            supply,
            "expired",
            obtainable=obtainable_kinds(customer, supply),
            **common,  # type: ignore[arg-type]
        )
    days_left = (bonus.valid_to - today).days
    expiring = ROUTES[bonus.kind].yearly_renewal and days_left <= EXPIRY_NOTICE_DAYS
    return SupplyBonus(
        supply,
        "expiring" if expiring else "active",
        days_left=days_left,
        **common,  # type: ignore[arg-type]
    )


def bonus_statuses(customer: Customer, today: date) -> list[SupplyBonus]:
    """Every supply that is not closed (a supply suspended for arrears still counts)."""
    supplies = [s for s in customer.supplies if s.status != "inactive"]
    return [supply_bonus(customer, s, today) for s in supplies]


# ------------------------------------------------------------------------------ the ISEE rule
# Lumea never asks for the DSU, the ISEE certificate or its figures on WhatsApp: the economic
# bonus is automatic after the DSU. A message that carries an ISEE value, or offers to send
# the ISEE or the DSU, gets that answer (and the value is neither used nor repeated).
_ISEE_WORD = re.compile(r"\b(isee|dsu)\b")
# "ISEE 9.000", "il mio ISEE è di 8.500 euro", "my ISEE is EUR 8,500", "8500 di isee"
_VALUE_AFTER = re.compile(r"\bisee\b((?:\W+[a-z']+){0,4}?)\W*(?:€|eur|euro)?\s?(\d[\d.,' ]*)")
_VALUE_BEFORE = re.compile(r"(\d[\d.,']*)\s?(?:€|euro|eur)?\s+(?:di |d'|of |de )?isee\b")
# A threshold in a general question is not the customer's own figure.
_COMPARISON = re.compile(
    r"\b(sotto|sopra|inferiore|superiore|fino|entro|oltre|meno|piu|soglia|under|below|above|"
    r"over|up|less|more|threshold|sous|moins|plus|jusqu\w*|seuil|inferieur|superieur)\b"
)
_YEAR = re.compile(r"(19|20)\d\d")
_SEND = re.compile(
    r"\b(mand|invi|inoltr|spedi|alleg|caric|send|sent|attach|upload|envo|joind|joins)\w*"
    r"(?:\W+[\w']+){0,5}?\W+(?:l'|my |mon |ma |la |il )?(isee|dsu)\b"
    r"|\b(ecco|here is|here's|voici|foto|photo|picture|scan)\w*\W+(?:\w+\W+){0,3}?(isee|dsu)\b"
)
_ELSEWHERE = re.compile(r"\b(inps|caf|comune|patronato|town hall|mairie)\b")


def _is_customer_figure(words_between: str, number: str) -> bool:
    if _COMPARISON.search(words_between):
        return False
    digits = number.strip(" .,'")
    plain = re.sub(r"\D", "", re.sub(r"[.,]\d{1,2}$", "", digits))  # cents dropped
    return len(plain) >= 3 and not _YEAR.fullmatch(digits)  # an amount in euro, not a year


def mentions_isee_document(text: str) -> bool:
    """True when the customer gives an ISEE figure or offers to send the ISEE or the DSU.

    Not for a threshold in a general question ("ISEE sotto i 20.000 euro") or a DSU handed
    to INPS or a CAF ("ho presentato la DSU all'INPS").
    """
    folded = fold(text)
    if not _ISEE_WORD.search(folded):
        return False
    for match in _VALUE_AFTER.finditer(folded):
        if _is_customer_figure(match.group(1), match.group(2)):
            return True
    for match in _VALUE_BEFORE.finditer(folded):
        if _is_customer_figure("", match.group(1)):
            return True
    return bool(_SEND.search(folded)) and not _ELSEWHERE.search(folded)
