"""Safety: which danger a message describes, and the fixed, reviewed sheet that answers it.

Detection is rules, never a model's guess: danger words near their object (a smell near gas,
smoke near the fuse box, sickness near tap water). The instructions are the sheets in
`safety_sheets.yaml`, written once per language and checked against their source document;
no search ranking and no language model ever writes or chooses a safety step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, get_args

import yaml

from graph.state import Citation
from knowledge.sparse import fold

Hazard = Literal[
    "gas_leak",
    "electrical",
    "fallen_cable",
    "electric_shock",
    "water_contamination",
    "water_leak",
]
HAZARDS: tuple[str, ...] = get_args(Hazard)
SHEETS_FILE = Path(__file__).parent / "safety_sheets.yaml"
LANGUAGES = ("it", "en", "fr")


def _near(first: str, second: str, gap: int = 60) -> re.Pattern[str]:
    """Both word groups within `gap` characters, in either order."""
    return re.compile(rf"({first}).{{0,{gap}}}({second})|({second}).{{0,{gap}}}({first})")


# Word groups, accent-folded and lower case (knowledge.sparse.fold).
_GAS = (
    r"\bgas+\b|\bgaz\b|metano|methane|mercaptan|caldaia perde|uova marce|rotten eggs?|"
    r"oeufs? pourris"
)
_SMELL = r"pu+z|od+or|odeur|\bsa di|sent(e|ons)?\b|smel+|stink|\bpue\b|\bsniff"
# A smell that is only a figure of speech once money is the subject ("this gas bill stinks").
_FIGURATIVE_SMELL = r"stink|pu+zz?a\b|\bpue\b"
_MONEY = (
    r"bollett|fattur|bill\b|bills\b|factur|prezz|price|\bprix\b|tarif|cost|euro|€|offert|offer|"
    r"arnaque|truff|fregatur|scam|rip.?off|charg"
)
_WATER = r"acqua|\beau\b|water|tubo|tubatura|condott|canalisation|pipe|conduite"
_BURST = (
    r"rott[oa]|scoppiat|esplos|perdita|allag|inond|fiume|a fiotti|zampill|burst|"
    r"gush|pour|flood|eclate|fuite|jaill|leak"
)
_STREET = (
    r"strad|\bvia\b|marciapied|tombin|piazza|street|road|pavement|\brue\b|trottoir|chaussee|"
    r"caves?\b"
)
_DIRTY = (
    r"marron|brun\b|giall|torbid|puzz|odore|sa di|candeggin|cloro|benzin|nafta|brown|yellow|"
    r"cloudy|murky|smells?|bleach|petrol|trouble|jaune|sent|essence|javel|sale\b|odeur|egout|"
    r"sewage|fogna"
)
_DRINK = (
    r"\bber[el]|bevut|\bbev[oi]|potabil|drink|drank|boire|\bbue?s?\b|potable|rubinett|\btap\b|"
    r"robinet"
)
_SICK = (
    r"sta(to|ta|nno|ti)? male|stanno male|sentit[oa] male|vomit|diarre|intossic|malor|"
    r"mal di pancia|\bsick|\bill\b|poison|unwell|threw up|throwing up|vomi|malade|"
    r"empoisonn|intoxiqu|mal au ventre"
)
_SPARKS = (
    r"scintill|sfavill|fumo|fuma|fumant|bruciat|fiamm|spark|smok|burning|etincel|fume|brule|"
    r"flamm|crepit|fuoco|on fire|\bfire\b|\bfeu\b|melt|sciolt|fondu"
)
_ELECTRIC = (
    r"contator|quadro|presa|prese\b|cav[oi]|\bfil|meter|socket|plug|outlet|cable|wire|"
    r"compteur|prise|tableau|fus[ei]|fusibil|salvavita|interruttor|breaker|disjonct|"
    r"consumer unit|electric|elettric|spina|ciabatta|multipresa|prolunga|extension|power strip|"
    r"rallonge|multiprise|lampad|light|lumiere|ampoule"
)
_FALLEN = (
    r"cadut|a terra|per terra|penzol|\bpend(e|ono|ente|enti)\b|fallen|down\b|on the ground|"
    r"hanging|dangling|tombe|par terre|au sol|pend(ent)?\b|lying|laying|on the road|"
    r"in the road|sulla strada|in mezzo alla strada|sur la route|sur la chaussee"
)
_CABLE = r"cav[oi]|filo|fili|palo|linea|cable|wire|power line|pole|\bfil|ligne|poteau"
_UNWELL = (
    r"sente male|malore|svenut|mal di testa|nausea|vertigin|unwell|dizzy|headache|"
    r"fainted|malaise|vertige|mal a la tete|evanoui"
)
_SHOCK = (
    r"folgorat|scossa|electrocut|electric shock|decharge electrique|pris une decharge|"
    r"(got|get|had|took) (an? )?(electric )?shock\b|pris (le|du) jus"
)

# The first rule that matches names the hazard; any match means immediate danger.
RULES: tuple[tuple[Hazard, re.Pattern[str]], ...] = (
    ("electric_shock", re.compile(_SHOCK)),
    ("gas_leak", _near(_SMELL, _GAS)),
    ("gas_leak", _near(_GAS, r"fuga|fuit|leak|perd[eio]|sibil|hiss|siffl")),
    ("gas_leak", _near(_UNWELL, _GAS, 90)),
    ("fallen_cable", _near(_FALLEN, _CABLE)),
    ("electrical", _near(_SPARKS, _ELECTRIC)),
    ("water_contamination", _near(_SICK, _DRINK + "|" + _WATER, 90)),
    ("water_contamination", _near(_DIRTY, _DRINK, 90)),
    ("water_contamination", _near(_WATER, r"contamin|inquinat|pollu|non potabil|unsafe|not safe")),
    ("water_leak", _near(_BURST, _STREET, 90)),
    ("gas_leak", _near(_UNWELL, _SMELL, 90)),
)
# Listed cue phrases (graph/prompts/intents.yaml) say danger but not always which one.
_CUE_HAZARDS: tuple[tuple[Hazard, re.Pattern[str]], ...] = (
    ("electric_shock", re.compile(_SHOCK)),
    ("gas_leak", re.compile(_GAS)),
    ("fallen_cable", re.compile(_CABLE)),
    ("electrical", re.compile(_SPARKS + "|" + _ELECTRIC + r"|incendi|\bfire\b|\bfeu\b")),
    ("water_contamination", re.compile(r"contamin|marron|brown|potab|drink|boire")),
    ("water_leak", re.compile(_WATER + "|voragine|sinkhole|chaussee")),
)
_NUMBER_QUESTION = re.compile(
    r"(che|quale|qual e il|what|which|quel|quels?) (numero|number|numero di telefono|"
    r"phone number)|numero (del|di) pronto intervento|emergency (number|line)|"
    r"numero (d'urgence|verde)|chi (devo )?chiam|who (do|should) i call|qui (dois-je )?appeler|"
    r"what(?:'?s| is) the (?:\w+ )?number|quel est le numero|(il|un) numero (per|da chiamare)"
)
_HYPOTHETICAL = re.compile(
    r"\b(se|if|si|in caso|in case|en cas|qualora|dovessi|should|au cas|nel caso|"
    r"per sicurezza|just asking|chiedo solo|je demande)\b"
)


def figurative(folded: str) -> bool:
    """A smell word about a bill or a price ("this gas bill stinks") is not a gas smell."""
    return bool(re.search(_FIGURATIVE_SMELL, folded) and re.search(_MONEY, folded)) and not (
        re.search(r"od+or|odeur|smel+|sento (il |del |odore )?gas|sniff", folded)
    )


def asks_for_the_number(folded: str) -> bool:
    """ "Which number do I call if I smell gas?": a question about the number, not an alarm."""
    return bool(_NUMBER_QUESTION.search(folded) and _HYPOTHETICAL.search(folded))


_ALREADY_CALLED = re.compile(
    r"\b(ho (gia |appena )?(chiamato|telefonato)|abbiamo (gia |appena )?(chiamato|telefonato)|"
    r"(i|we|and)( have|'ve)? (already |just )?(called|rang|rung|phoned)|"
    r"(j'ai|on a|nous avons) (deja )?(appele|telephone))\b"
)


def already_called(folded: str) -> bool:
    """ "I called the emergency number from outside, how long until they come?": the
    customer has made the call, so the number is not what they ask for."""
    return bool(_ALREADY_CALLED.search(folded))


def hazard_named(folded: str) -> Hazard | None:
    """The hazard a message's words name, whatever it asks (see hazard_of for danger)."""
    return next((hazard for hazard, rule in RULES if rule.search(folded)), None)


def without_the_danger(text: str) -> str:
    """A message without its clauses that name a hazard: "sento odore di gas in cucina, ho
    già chiamato, quanto ci mettono ad arrivare?" -> "ho già chiamato, quanto ci mettono ad
    arrivare?" (what is asked besides the danger); the whole message when every clause
    names it."""
    clauses = re.split(r"(?<=[,;.!?])\s+", text.strip())
    kept = [c for c in clauses if hazard_named(fold(c)) is None]
    return " ".join(kept) or text


def names_a_number_question(folded: str) -> bool:
    """ "C'è un numero verde per i guasti?": a request for a number, hypothetical or not
    (after the safety rules found no emergency in it)."""
    return bool(_NUMBER_QUESTION.search(folded))


def hazard_of(folded: str, cue_matched: bool = False) -> Hazard | None:
    """The hazard an accent-folded message describes, or None when it describes none.

    `cue_matched`: a listed danger phrase matched; the hazard is then read from its words.
    """
    if figurative(folded) or asks_for_the_number(folded):
        return None
    for hazard, rule in RULES:
        if rule.search(folded):
            return hazard
    if cue_matched:
        for hazard, words in _CUE_HAZARDS:
            if words.search(folded):
                return hazard
        return "gas_leak"  # a bare "explosion": the gas sheet says leave, then 115 and 112
    return None


@dataclass(frozen=True)
class SafetySheet:
    hazard: Hazard
    commodity: str
    doc_id: str
    title: str
    section: str
    source: str
    steps: dict[str, tuple[str, ...]]
    immediate: dict[str, str]
    after: dict[str, str]  # for the customer's next message: what to do until help arrives

    def citation(self) -> Citation:
        return Citation(
            doc_id=self.doc_id, title=self.title, section=self.section, source=self.source
        )


@cache
def sheets(path: Path = SHEETS_FILE) -> dict[str, SafetySheet]:
    """Every sheet, checked whole at load: each hazard, each language, steps and 112/115 line."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    loaded: dict[str, SafetySheet] = {}
    for hazard in get_args(Hazard):
        spec = data[hazard]
        steps = {lang: tuple(str(s) for s in spec[lang]["steps"]) for lang in LANGUAGES}
        if any(len(v) < 2 for v in steps.values()):
            raise ValueError(f"{path}: {hazard}: every language needs at least two steps")
        loaded[hazard] = SafetySheet(
            hazard=hazard,
            commodity=spec["commodity"],
            doc_id=spec["doc_id"],
            title=spec["title"],
            section=spec["section"],
            source=spec["source"],
            steps=steps,
            immediate={lang: str(spec[lang]["immediate"]) for lang in LANGUAGES},
            after={lang: str(spec[lang]["after"]) for lang in LANGUAGES},
        )
    if unknown := set(data) - set(HAZARDS):
        raise ValueError(f"{path}: sheets for unknown hazards {sorted(unknown)}")
    return loaded


def sheet_for(hazard: str | None, commodity: str | None) -> SafetySheet:
    """The sheet for a hazard; for an emergency whose hazard no rule named (an LLM's call),
    the commodity's main sheet, and the gas sheet when nothing says which."""
    if hazard in HAZARDS:
        return sheets()[hazard]
    by_commodity = {"electricity": "electrical", "water": "water_leak", "gas": "gas_leak"}
    return sheets()[by_commodity.get(commodity or "gas", "gas_leak")]
