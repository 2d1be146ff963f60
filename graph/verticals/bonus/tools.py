"""Bonus tools: the customer's bonus on each supply, and passages of the bonus documents."""

from __future__ import annotations

import re
from datetime import date

from langchain_core.tools import BaseTool

from graph.backends.ports import Customer, Supply, UtilityBackend
from graph.deps import GraphDeps
from graph.verticals.bonus.rules import SupplyBonus, bonus_statuses
from knowledge.retriever import KnowledgeUnavailable
from knowledge.schema import Hit, SearchFilters

ECONOMIC_DOC = "bonus-sociale-disagio-economico"
PHYSICAL_DOC = "bonus-sociale-disagio-fisico"
WATER_DOC = "bonus-idrico"
WHATSAPP_DOC = "lumea-su-whatsapp"
# What a reply cites: (query, document, the start of the section's heading, lower case). A
# passage may hold several short sections: the one with the heading is chosen and quoted.
Topic = tuple[str, str, str]
THRESHOLDS: Topic = (
    "soglia ISEE bonus sociale dal 2026 famiglie numerose",
    ECONOMIC_DOC,
    "soglie isee del bonus sociale",
)
AUTOMATIC: Topic = (
    "bonus sociale automatico DSU INPS nessuna domanda",
    ECONOMIC_DOC,
    "come si ottiene il bonus sociale",
)
DURATION: Topic = ("durata bonus sociale 12 mesi rinnovo DSU", ECONOMIC_DOC, "durata del bonus")
APPLICATION: Topic = (
    "bonus disagio fisico richiede una domanda",
    PHYSICAL_DOC,
    "il bonus per disagio fisico richiede una domanda",
)
DOCUMENTS: Topic = (
    "documenti domanda bonus disagio fisico",
    PHYSICAL_DOC,
    "documenti per la domanda",
)
PHYSICAL_DURATION: Topic = (
    "quanto dura il bonus per disagio fisico",
    PHYSICAL_DOC,
    "quanto dura il bonus per disagio fisico",
)
WATER_AUTOMATIC: Topic = (
    "bonus idrico automatico DSU INPS nessuna domanda",
    WATER_DOC,
    "come si ottiene il bonus idrico",
)
WATER_AMOUNT: Topic = (
    "bonus idrico 50 litri per persona al giorno 18,25 metri cubi",
    WATER_DOC,
    "quanto vale il bonus idrico",
)
NEVER_ASKED: Topic = (
    "cosa Lumea non ti chiederà mai su WhatsApp DSU attestazione ISEE",
    WHATSAPP_DOC,
    "cosa lumea non ti chieder",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9])|\n+")


def passage(deps: GraphDeps, topic: Topic) -> list[Hit]:
    """The passage of the topic's document that holds its section (at most one hit)."""
    query, doc_id, heading = topic
    try:
        hits = deps.retriever.search(query, k=5, filters=SearchFilters(doc_id=[doc_id]))
    except KnowledgeUnavailable:  # documents down: the reply goes without this quote
        return []
    return ([h for h in hits if heading in h.text.lower()] or hits)[:1]


def quote(deps: GraphDeps, topic: Topic, sentences: int = 2) -> tuple[str, list[Hit]]:
    """The lead sentences of the topic's section (where the corpus states the rule), and the
    passage to cite."""
    hits = passage(deps, topic)
    if not hits:
        return "", []
    text = hits[0].text
    at = text.lower().find(topic[2])
    if at >= 0:  # skip to the line after the section's heading
        text = text[text.find("\n", at) + 1 :] if "\n" in text[at:] else ""
    lead = [s.strip(" -•\t") for s in _SENTENCE_END.split(text) if len(s.strip()) > 25]
    return " ".join(lead[:sentences]), hits


def customer_bonuses(
    backend: UtilityBackend, customer_code: str, today: date
) -> tuple[Customer, list[SupplyBonus]]:
    customer = backend.get_customer(customer_code)
    return customer, bonus_statuses(customer, today)


def electricity_supply(customer: Customer) -> Supply | None:
    """The customer's electricity supply that is not closed, if any (the physical bonus's)."""
    return next(
        (s for s in customer.supplies if s.commodity == "electricity" and s.status != "inactive"),
        None,
    )


def read_tools(backend: UtilityBackend, customer_code: str) -> list[BaseTool]:
    """The agent's read tools (LLM mode): the bonus on each supply is in the supplies every
    agent reads; nothing else of the customer's is the bonus vertical's."""
    return []
