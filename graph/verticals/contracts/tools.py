"""Contract tools: the supply a request is about, Lumea's offers in force, opening a case."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, cast

from langchain_core.tools import BaseTool, StructuredTool, ToolException, tool
from langgraph.prebuilt import InjectedState

from graph.backends.ports import Case, CaseKind, Commodity, Customer, Supply, UtilityBackend
from graph.prompts import render
from graph.slots import find_pdr, find_pod, find_position
from graph.state import Choice
from graph.verticals.contracts import rules
from graph.verticals.contracts.rules import COMMODITIES
from graph.verticals.contracts.texts import DOCUMENTS
from knowledge.retriever import Retriever, SearchQuery
from knowledge.schema import Hit, SearchFilters
from knowledge.sparse import fold

_COMMODITY_WORDS: dict[Commodity, re.Pattern[str]] = {
    "electricity": re.compile(r"\b(luce|elettric\w*|electric\w*|courant|pod)\b"),
    "gas": re.compile(r"\b(gas|gaz|metano|pdr)\b"),
    "water": re.compile(r"\b(acqua|water|eau|idric\w*)\b"),
}
_UNIT_PRICE = re.compile(r"\d+,\d+ ?€/(kWh|Smc)")
_FEE = re.compile(r"quota fissa.*\d ?€/anno", re.IGNORECASE)
_NOT_QUOTED = re.compile(r"esempio|tabella|stima", re.IGNORECASE)
_OFFER_CODE = re.compile(r"Codice offerta:?\s*(LUMEA-[A-Z0-9\-]+)")
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])")
_OFFER_QUERY = "offerta prezzo energia €/kWh €/Smc quota fissa codice offerta"
_PRICE_QUERY = "prezzo energia materia prima €/kWh €/Smc spread fisso per 12 mesi"
_FEE_QUERY = "quota fissa di commercializzazione €/anno €/mese"
TITLE_CHARS = 24  # WhatsApp button titles


def meter_code(supply: Supply) -> str:
    """What the customer knows a supply by: POD, PDR or the water meter serial."""
    return supply.pod or supply.pdr or supply.water_meter or supply.supply_id


def named_commodity(text: str) -> Commodity | None:
    """The one commodity a message names, if exactly one."""
    folded = fold(text)
    named = [c for c, pattern in _COMMODITY_WORDS.items() if pattern.search(folded)]
    return named[0] if len(named) == 1 else None


def meter_code_in(text: str) -> str | None:
    """A POD or PDR written in the message."""
    return find_pod(text) or find_pdr(text)


@dataclass(frozen=True)
class SupplyLookup:
    """The supply a request is about, or why not, or the choice to offer."""

    supply: Supply | None = None
    problem: str | None = None  # a template key
    values: dict[str, str] = field(default_factory=dict)
    choices: list[Choice] = field(default_factory=list)


def find_supply(
    customer: Customer, text: str, kind: CaseKind, labels: dict[str, str]
) -> SupplyLookup:
    """The customer's supply a procedure is about: by POD/PDR (which must be theirs), by the
    commodity named, or the only one that fits; else buttons. `labels` names commodities."""
    allowed = COMMODITIES[kind]
    eligible = [s for s in customer.supplies if s.commodity in allowed and s.status != "inactive"]
    code = meter_code_in(text)
    if code is not None:
        match = next((s for s in customer.supplies if code in (s.pod, s.pdr)), None)
        if match is None:
            mine = ", ".join(f"{labels[s.commodity]} {meter_code(s)}" for s in customer.supplies)
            return SupplyLookup(problem="supply_not_yours", values={"code": code, "supplies": mine})
        if match.commodity not in allowed:
            return SupplyLookup(
                problem="wrong_commodity",
                values={"code": code, "commodity": labels[match.commodity]},
            )
        if match.status == "inactive":
            return SupplyLookup(problem="supply_inactive", values={"code": code})
        return SupplyLookup(supply=match)
    if not eligible:
        return SupplyLookup(problem="no_supply_for_kind")
    commodity = named_commodity(text)
    if commodity is not None and commodity not in allowed:
        named = [s for s in customer.supplies if s.commodity == commodity]
        if named:
            return SupplyLookup(
                problem="wrong_commodity",
                values={"code": meter_code(named[0]), "commodity": labels[commodity]},
            )
    matching = [s for s in eligible if s.commodity == commodity] if commodity else []
    if len(matching) == 1:
        return SupplyLookup(supply=matching[0])
    if len(eligible) == 1:
        return SupplyLookup(supply=eligible[0])
    folded = fold(text).strip()
    chosen = next((s for s in eligible if s.supply_id.lower() == folded), None)
    position = find_position(text, len(eligible))
    if chosen is None and position is not None:
        chosen = eligible[position]
    if chosen is not None:
        return SupplyLookup(supply=chosen)
    choices = [
        Choice(
            id=s.supply_id, title=f"{labels[s.commodity].capitalize()} · {s.address}"[:TITLE_CHARS]
        )
        for s in eligible[:10]
    ]
    return SupplyLookup(choices=choices)


# --- offers in force -----------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """An offer from its sheet (scheda sintetica), with the sentences quoted for its prices."""

    doc_id: str
    name: str
    code: str
    quotes: tuple[str, ...]
    hits: tuple[Hit, ...]

    @property
    def title(self) -> str:
        """A button title: the name without "Lumea", cut at a word within 24 characters."""
        words = self.name.removeprefix("Lumea ").split()
        title = ""
        for word in words:
            if len(f"{title} {word}".strip()) > TITLE_CHARS:
                break
            title = f"{title} {word}".strip()
        return title or self.code[:TITLE_CHARS]

    def summary(self) -> dict[str, str]:
        return {"doc_id": self.doc_id, "name": self.name, "code": self.code, "title": self.title}


def _sentences(hit: Hit) -> list[str]:
    lines = [line.strip().lstrip("-• ").strip() for line in hit.text.splitlines()]
    return [
        sentence.strip()
        for line in lines
        if line and line != hit.section
        for sentence in _SENTENCE_END.split(line)
        if sentence.strip()
    ]


def _shorten_fee(sentence: str) -> str:
    """The fee sentence up to its last amount ("... 114 €/anno, cioè 9,50 €/mese...")."""
    ends = [m.end() for m in re.finditer(r"€/(anno|mese)", sentence)]
    return sentence[: ends[-1]] + "…" if ends and ends[-1] < len(sentence) - 1 else sentence


def _quotes(hits: list[Hit]) -> tuple[str, ...]:
    """The price sentence (and the one fixing it for 12 months), then the fixed fee."""
    by_section = sorted(hits, key=lambda h: "prezzo" not in fold(h.section))
    prices = [
        s
        for h in by_section
        for s in _sentences(h)
        if _UNIT_PRICE.search(s) and not _NOT_QUOTED.search(s)
    ]
    quotes = list(dict.fromkeys(prices[:1]))
    if quotes and "12 mesi" not in quotes[0]:
        quotes += [s for s in prices if "12 mesi" in s and s not in quotes][:1]
    fee = next(
        (s for h in hits for s in _sentences(h) if _FEE.search(s) and not _NOT_QUOTED.search(s)),
        None,
    )
    if fee:
        quotes.append(_shorten_fee(fee))
    return tuple(quotes)


def _offer_name(title: str) -> str:
    return title.split(" - ")[0].removeprefix("Offerta ").strip()


def current_offers(retriever: Retriever, commodity: str, today: date) -> list[Offer]:
    """Lumea's offers for a commodity whose sheets are in force today, with quoted prices."""
    base = SearchFilters(
        doc_type=["tariff"], verticals=["contracts"], commodity=[commodity], as_of=today
    )
    found = retriever.search(_OFFER_QUERY, k=12, filters=base)
    doc_ids = list(dict.fromkeys(h.doc_id for h in found))
    queries = [
        SearchQuery(query=q, k=3, filters=base.model_copy(update={"doc_id": [doc_id]}))
        for doc_id in doc_ids
        for q in (_PRICE_QUERY, _FEE_QUERY)
    ]
    results = retriever.search_many(queries)
    offers = []
    for index, doc_id in enumerate(doc_ids):
        hits = (
            [h for h in found if h.doc_id == doc_id] + results[2 * index] + results[2 * index + 1]
        )
        unique = list({(h.section, h.text): h for h in hits}.values())
        quotes = _quotes(unique)
        code = next((m.group(1) for h in unique if (m := _OFFER_CODE.search(h.text))), None)
        if not quotes or code is None:
            continue
        cited = tuple(h for h in unique if any(q[:40] in h.text for q in quotes))
        offers.append(Offer(doc_id, _offer_name(unique[0].title), code, quotes, cited))
    return sorted(offers, key=lambda o: o.name)


# The customer's words for what distinguishes the offers, as the offers' names write them.
_OFFER_WORDS = (
    (re.compile(r"\b(fiss[oa]|fixed?|fix)\b"), "fissa"),
    (re.compile(r"\b(variable|variabile|variab\w*|index\w*)\b"), "variabile"),
)


def choose_offer(text: str, offers: list[dict[str, str]]) -> dict[str, str] | None:
    """The offer a customer picked: by number, by code or by a distinctive word of its name
    (in any of the three languages: "je prends le fixe" is Lumea Luce Fissa)."""
    folded = fold(text)
    for pattern, word in _OFFER_WORDS:
        folded = pattern.sub(word, folded)
    position = find_position(text, len(offers))
    if position is not None:
        return offers[position]
    for offer in offers:
        if offer["code"].lower() in folded or offer["doc_id"] in folded:
            return offer
    common = {"lumea", "luce", "gas", "offerta", "indicizzata"}
    matches = [
        offer
        for offer in offers
        if any(
            len(word) >= 3 and word[:5] in folded
            for word in fold(offer["name"]).split()
            if word not in common and not word.isdigit()
        )
    ]
    return matches[0] if len(matches) == 1 else None


OPEN_STATUSES = ("open", "waiting_documents", "in_progress")


def case_in_progress(
    backend: UtilityBackend, customer_code: str, kind: CaseKind, supply_id: str | None
) -> Case | None:
    """A case of the same kind for the same supply that is not closed yet (newest first)."""
    kinds = {kind, "voltura", "voltura_mortis_causa"} if kind.startswith("voltura") else {kind}
    return next(
        (
            c
            for c in backend.list_cases(customer_code)
            if c.kind in kinds and c.supply_id == supply_id and c.status in OPEN_STATUSES
        ),
        None,
    )


def open_case(
    backend: UtilityBackend,
    customer_code: str,
    kind: CaseKind,
    supply_id: str | None,
    data: dict[str, str],
    documents: list[str],
) -> Case:
    return backend.open_case(
        Case(
            customer_code=customer_code,
            supply_id=supply_id,
            kind=kind,
            status="waiting_documents" if documents else "open",
            data=data,
            documents_needed=documents,
        )
    )


def write_tools(backend: UtilityBackend) -> list[BaseTool]:
    """The vertical's write, as a tool for the `tools` step (ToolNode). The customer comes
    from the state, and the case must be the one whose summary the customer confirmed."""

    @tool("open_case")
    def open_case_tool(
        kind: str,
        supply_id: str | None,
        data: dict[str, str],
        customer_code: Annotated[str, InjectedState("customer_code")],
        flow: Annotated[dict[str, Any] | None, InjectedState("flow")] = None,
    ) -> str:
        """Open the back-office case (voltura, termination, offer or power change, direct
        debit...) that the customer has just confirmed; `data` holds the details collected."""
        slots = (flow or {}).get("slots") or {}
        if (
            (flow or {}).get("step") != "consent"
            or slots.get("kind") != kind
            or slots.get("supply_id") != supply_id
        ):
            raise ToolException("the customer has not confirmed this request")
        keys = rules.documents_needed(cast(CaseKind, kind), slots.get("commodity"))
        case = open_case(
            backend,
            customer_code,
            cast(CaseKind, kind),
            supply_id,
            data,
            [render(DOCUMENTS, key, "it") for key in keys],
        )
        return json.dumps({"case": case.model_dump(mode="json"), "documents": keys})

    return [open_case_tool]


def read_tools(backend: UtilityBackend, customer_code: str) -> list[BaseTool]:
    """The agent's read tools (LLM mode), bound to the identified customer."""

    def list_cases() -> list[dict[str, object]]:
        """The customer's contract requests (voltura, subentro, offer change, direct debit,
        termination...), newest first: kind, status, documents still needed, opening date."""
        return [
            c.model_dump(mode="json", exclude={"data"})
            for c in backend.list_cases(customer_code)[:10]
        ]

    return [StructuredTool.from_function(list_cases)]
