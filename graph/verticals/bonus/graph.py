"""The bonus vertical: eligibility from the knowledge base, each supply's bonus, the ISEE rule."""

from __future__ import annotations

import re
from typing import Literal

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from graph.accounts import commodity_name, day
from graph.agent import agent_steps
from graph.answers import asks_for_a_figure
from graph.backends.ports import BackendError, Customer, Supply
from graph.deps import GraphDeps
from graph.grounded import asked_commodity, grounded_reply, knowledge_reply
from graph.policy import asks_besides
from graph.prompts import render
from graph.reply import Reply, question_text
from graph.state import ConversationState
from graph.subgraph import backend_failed, compile_vertical, leave
from graph.verticals.bonus.rules import PHYSICAL, SupplyBonus, mentions_isee_document
from graph.verticals.bonus.texts import TEMPLATES
from graph.verticals.bonus.tools import (
    APPLICATION,
    AUTOMATIC,
    DOCUMENTS,
    DURATION,
    NEVER_ASKED,
    PHYSICAL_DURATION,
    THRESHOLDS,
    WATER_AMOUNT,
    WATER_AUTOMATIC,
    customer_bonuses,
    electricity_supply,
    passage,
    quote,
    read_tools,
)
from knowledge.sparse import fold

# "il mio bonus", "quando scade il bonus", "ho il bonus?", "my bonus", "mon bonus"...
_OWN_BONUS = re.compile(
    r"\b(mio|mia|miei|mie|my|mon|ma|mes)\b[^.?!]{0,25}\bbonus\b"
    r"|\bbonus\b[^.?!]{0,30}\b(scade|scadra|scadenza|scaduto\w*|attiv[oa]|tolt[oa]|sparit[oa]|"
    r"revocat[oa]|expire\w*|expiry|active|removed|actif|retire|supprime)\b"
    r"|\b(ho|abbiamo|have i|do i have|do we have|have we|am i (getting|receiving|on)|do i get|"
    r"j'ai|ai-je|je (beneficie|touche|percois)|est-ce que (je beneficie|j'ai)|ricevo|percepisco)"
    r"\b\W+(gia |ancora |still |encore |deja )?(il |un |lo |the |a |le |du |d'un |de )?"
    r"((social|economic|water) )?bonus\b"
    r"|\b(stato|status|statut|a che punto)\b[^.?!]{0,20}\bbonus\b"
    r"|\b(tolt[oa]|revocat[oa]|sospes[oa]|removed|retire)\b[^.?!]{0,15}\bbonus\b"
)
_PHYSICAL = re.compile(
    r"disagio fisico|salvavita|elettromedical|apparecchiatur|macchinar|ossigeno|dialisi|"
    r"ventilator|life.?support|medical equipment|oxygen|dialysis|physical hardship|"
    r"\basl\b|maintien en vie|appareil\w* (medica|respirat|electri)\w*|respirat\w*|oxygene|dialyse"
)
# Eligibility asked in the first person ("ho diritto al bonus?", "do I qualify?", "j'ai
# droit ?"): the rules answer it, and the customer may want their own supplies checked.
_MINE = re.compile(
    r"\b(ho diritto|mi spetta|spetta a me|posso avere|potrei avere|rientro|do i (qualify|get)|"
    r"am i (entitled|eligible)|can i get|could i get|j'ai droit|ai-je droit|je peux avoir|"
    r"je pourrais avoir)\b"
)
_ELIGIBILITY = re.compile(
    r"\b(diritt\w*|spett\w*|requisit\w*|soglia|soglie|chi (puo|ha)|posso (avere|ottenere|chiedere)"
    r"|come (si )?(ottien\w*|ottenere|richied\w*|chied\w*|prend\w*|funzion\w*|fa|faccio)|"
    r"automatic\w*|document\w*|domanda|agevolazion\w*|sconto|entitled|eligib\w*|qualif\w*|"
    r"threshold|who can|apply|automatik|discount|droit|seuil|conditions?|obtenir|demander|"
    r"aides?|reduction)\b"
)


def _supply_label(supply: Supply, language: str) -> str:
    street = supply.address.split(",")[0]
    return f"{commodity_name(supply.commodity, language).capitalize()} · {street}"


def _status_line(status: SupplyBonus, language: str) -> str:
    label = _supply_label(status.supply, language)
    if status.state in ("none", "not_domestic"):
        return render(TEMPLATES, f"status_{status.state}", language, supply=label)
    assert status.kind and status.valid_from and status.valid_to  # a bonus is on record
    key = (
        "status_physical"
        if status.kind == "physical" and status.state == "active"
        else f"status_{status.state}"
    )
    return render(
        TEMPLATES,
        key,
        language,
        supply=label,
        kind=render(TEMPLATES, f"kind_{status.kind}", language),
        start=day(status.valid_from),
        end=day(status.valid_to),
        days=status.days_left,
    )


def status_reply(deps: GraphDeps, statuses: list[SupplyBonus], language: str) -> Reply:
    """Each supply's bonus, when it expires, and how the missing ones would be obtained."""
    if not statuses:
        return Reply(render(TEMPLATES, "no_supplies", language))
    lines = [render(TEMPLATES, "status_header", language)]
    supplies = [_status_line(s, language) for s in statuses]
    lines += supplies
    missing = {kind for s in statuses if s.state in ("none", "expired") for kind in s.obtainable}
    economic = [s.state for s in statuses if s.kind == "economic"]
    economic_running = any(state in ("active", "expiring", "not_started") for state in economic)
    reply = Reply("")
    if "economic" in missing:
        lines.append(render(TEMPLATES, "how_economic", language))
        reply.cite(passage(deps, AUTOMATIC))
    if economic_running:
        if "expiring" not in economic:  # the expiring lines already say to renew the DSU
            lines.append(render(TEMPLATES, "renew_economic", language))
        reply.cite(passage(deps, DURATION))
    has_physical = any(s.kind == "physical" and s.state != "expired" for s in statuses)
    if has_physical:
        reply.cite(passage(deps, PHYSICAL_DURATION))
    if "physical" in missing and not has_physical:
        lines.append(render(TEMPLATES, "how_physical", language))
        reply.cite(passage(deps, APPLICATION))
    reply.text = "\n".join(lines)
    # The supplies' lines are the backend's record, dated and counted in code ("expires in
    # 174 days"): their figures are the tool's result, not a claim to find in a passage.
    reply.evidence += supplies
    return reply


def physical_reply(deps: GraphDeps, customer: Customer | None, language: str) -> Reply:
    """Where to apply for the physical-hardship bonus and what to bring (rules.PHYSICAL)."""
    supply = electricity_supply(customer) if customer else None
    where = render(TEMPLATES, "or", language).join(
        render(TEMPLATES, f"where_{place}", language) for place in PHYSICAL.apply_at
    )
    values = {"pod": supply.pod if supply else None, "contracted_power": None}
    if supply and supply.power_kw is not None:
        power = format(supply.power_kw.normalize(), "f").replace(".", ",")
        values["contracted_power"] = f"{power} kW"
    lines = []
    if supply and supply.bonus and supply.bonus.kind == "physical":
        lines.append(
            render(TEMPLATES, "physical_has_it", language, supply=_supply_label(supply, language))
        )
    lines.append(render(TEMPLATES, "physical_intro", language, where=where))
    for document in PHYSICAL.documents:
        value = values.get(document)
        suffix = (
            render(TEMPLATES, "yours", language, value=value)
            if value
            else render(TEMPLATES, "on_the_bill", language)
            if document in values
            else ""
        )
        lines.append("• " + render(TEMPLATES, f"doc_{document}", language, value=suffix))
    lines.append(render(TEMPLATES, "physical_lasts", language))
    lines.append(render(TEMPLATES, "physical_outro", language))
    reply = Reply("\n".join(lines))
    reply.cite(
        passage(deps, APPLICATION) + passage(deps, DOCUMENTS) + passage(deps, PHYSICAL_DURATION)
    )
    if supply is not None:
        reply.evidence.append(supply.model_dump_json())
    return reply


# The water bonus asked about by name: its own document, not the general overview (which
# ends with the physical-hardship bonus, electricity only).
_WATER = re.compile(r"\b(acqua|idric\w*|water|eau)\b")


def eligibility_reply(deps: GraphDeps, question: str, language: str) -> Reply:
    """Thresholds, automatic recognition after the DSU, the physical bonus's application:
    each quoted from its own section of the knowledge base, with citations."""
    water = bool(_WATER.search(fold(question)))
    topics = (
        (THRESHOLDS, WATER_AUTOMATIC, WATER_AMOUNT)
        if water
        else (THRESHOLDS, AUTOMATIC, APPLICATION)
    )
    quotes = [quote(deps, topic) for topic in topics]
    hits = [hit for _, found in quotes for hit in found]
    if deps.chat_model is not None and hits:
        reply = grounded_reply(deps, question, language, hits)
    else:
        intro = "eligibility_intro_water" if water else "eligibility_intro"
        lines = [render(TEMPLATES, intro, language)]
        lines += [f"{i}. {text}" for i, (text, _) in enumerate(quotes, 1) if text]
        reply = Reply("\n".join(lines)).cite(hits)
    reply.act("search_knowledge", bool(reply.citations))
    return reply


def isee_reply(deps: GraphDeps, language: str) -> Reply:
    """The ISEE rule: its figures and documents are never asked for nor needed on WhatsApp."""
    thresholds, hits = quote(deps, THRESHOLDS)
    lines = [render(TEMPLATES, "isee_not_needed", language)]
    if thresholds:
        lines.append(render(TEMPLATES, "thresholds", language, text=thresholds))
    lines.append(render(TEMPLATES, "isee_check_status", language))
    reply = Reply("\n".join(lines))
    reply.cite(passage(deps, AUTOMATIC) + hits + passage(deps, NEVER_ASKED))
    return reply


class BonusState(ConversationState, total=False):
    """The bonus subgraph's private keys (never part of the conversation)."""

    turn_offer: bool  # the answer ends by offering to check the customer's own bonus


def build(deps: GraphDeps) -> CompiledStateGraph:  # type: ignore[type-arg]
    """gate -> isee (no ISEE is asked for on WhatsApp) | status (the customer's own bonus,
    behind identification) | physical (the physical-hardship bonus) | eligibility (who is
    entitled, from the documents) | answer (how the bonus works, from the documents)."""

    def say(reply: Reply) -> Command:  # type: ignore[type-arg]
        return leave("respond", reply.update())

    def gate(
        state: ConversationState,
    ) -> Command[Literal["isee", "status", "physical", "eligibility", "answer"]]:
        question = question_text(state)
        folded = fold(question)
        if mentions_isee_document(question):
            return Command(goto="isee")
        physical = bool(_PHYSICAL.search(folded))
        mine = bool(_MINE.search(folded))
        if (_OWN_BONUS.search(folded) or mine and state.get("identified")) and not physical:
            if state.get("identified"):
                return Command(goto="status")
            if asks_besides(question, _OWN_BONUS):  # answer first, then offer the check
                return Command(goto="answer", update={"turn_offer": True})
            return leave(
                "identify",
                {"route": "identify", "pending_route": "bonus", "pending_text": question},
            )
        if physical:
            return Command(goto="physical")
        if _ELIGIBILITY.search(folded) and not asks_for_a_figure(question):
            # the overview: who, how, thresholds; then, asked in the first person, the
            # offer to check the customer's own supplies
            return Command(goto="eligibility", update={"turn_offer": mine})
        return Command(goto="answer")

    def isee(state: ConversationState) -> Command:  # type: ignore[type-arg]
        deps.audit.record(
            state.get("user_id", ""),
            "policy",
            "isee_not_requested",
            "customer offered an ISEE figure or document; not needed on WhatsApp, the "
            "economic bonus is automatic after the DSU",
            customer_code=state.get("customer_code") if state.get("identified") else None,
        )
        return say(isee_reply(deps, state.get("language", "it")))

    def status(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        code = state.get("customer_code") or ""
        try:
            _, statuses = customer_bonuses(deps.backend, code, deps.clock().date())
        except BackendError:
            return backend_failed(language)
        reply = status_reply(deps, statuses, language)
        reply.act(
            "get_bonus_status",
            True,
            [
                s.supply.model_dump_json(include={"supply_id", "commodity", "bonus"})
                for s in statuses
            ],
        )
        deps.audit.record(
            state.get("user_id", ""),
            "tool",
            "get_bonus_status",
            "customer asked about their own bonus",
            customer_code=code,
            data={"supplies": {s.supply.supply_id: s.state for s in statuses}},
        )
        return say(reply)

    def physical(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        code = state.get("customer_code") if state.get("identified") else None
        try:
            customer = deps.backend.get_customer(code) if code else None
        except BackendError:
            return backend_failed(language)
        return say(physical_reply(deps, customer, language))

    def eligibility(state: BonusState) -> Command:  # type: ignore[type-arg]
        question, language = question_text(state), state.get("language", "it")
        reply = eligibility_reply(deps, question, language)
        if not state.get("turn_offer"):
            return say(reply)
        return _offer_status(reply, question, language)

    def answer(state: BonusState) -> Command:  # type: ignore[type-arg]
        question = question_text(state)
        language = state.get("language", "it")
        reply = knowledge_reply(
            deps, question, language, verticals=["bonus"], commodity=asked_commodity(state)
        )
        if not state.get("turn_offer"):
            return say(reply)
        return _offer_status(reply, question, language)

    return compile_vertical(
        "bonus",
        {
            **agent_steps(deps, "bonus", read_tools),
            "gate": (gate, ("isee", "status", "physical", "eligibility", "answer")),
            "isee": (isee, ()),
            "status": (status, ()),
            "physical": (physical, ()),
            "eligibility": (eligibility, ()),
            "answer": (answer, ()),
        },
        state=BonusState,
        entry="agent",
    )


def _offer_status(reply: Reply, question: str, language: str) -> Command:  # type: ignore[type-arg]
    """The answer, then the offer to check the customer's own bonus: a code or a yes next
    checks it for this question."""
    reply.text += "\n\n" + render(TEMPLATES, "offer_status", language)
    offer = {"route": "bonus", "text": question, "offered": "yes"}
    return leave("respond", {**reply.update(), "identity_offer": offer})
