"""The supervisor: understands each turn (language, intent, urgency), enforces policy, routes."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Literal, cast

from langchain_core.messages import HumanMessage
from langgraph.graph import END
from langgraph.types import Command

from graph.accounts import accepts, after_yes, declines
from graph.classifier import Understanding, without_preamble
from graph.deps import GraphDeps
from graph.grounded import knowledge_reply
from graph.llm import describe_stack, llm_route
from graph.policy import (
    OPT_IN,
    asks_for_a_copy,
    asks_to_act,
    identification_lapsed,
    is_locked,
    is_question,
    is_thanks,
    needs_identity,
)
from graph.prompts import render
from graph.prompts.common import TEMPLATES
from graph.reply import Reply, has_no_subject, user_text
from graph.slots import (
    find_customer_code,
    find_date,
    find_iban,
    find_pdr,
    find_pod,
    find_position,
    find_reading,
    mislabelled_code,
)
from graph.state import (
    PERSONAL_DATA_ROUTES,
    VERTICALS,
    Choice,
    ConversationState,
    Flow,
    Route,
    SuspendedFlow,
)
from graph.verticals import cancelled_text, continues_answer
from knowledge.sparse import fold

Goto = Literal[Route, "identify", "knowledge", "respond", "__end__"]
FRESH_TURN: dict[str, Any] = {
    "reply": None,
    "notice": None,
    "choices": [],
    "citations": [],
    "actions": [],
    "evidence": [],
    "attachments": [],
    "identity_offer": None,  # an offer to check the customer's own data lasts one turn
    "operator_offered": False,  # so does the offer of an operator after no answer was found
    "follow_up_of": None,
}
# Answers to a procedure's question: a choice number, yes/no, a code, a reading, an amount.
_FLOW_ANSWER = re.compile(
    r"^\s*(\d[\d\s.,/]*|si|sì|no|ok|yes|oui|non|confermo|confirm|annulla|cancel|[1-9]\)?|"
    r"opzione \d|piano \d|option \d|plan \d)\s*[.!]*\s*$",
    re.IGNORECASE,
)


def _answers_the_question(text: str) -> bool:
    """A bare answer to what the procedure asked: a number, a yes or no, a code, or the
    position of an option ("la prima", "the second one")."""
    return bool(_FLOW_ANSWER.match(text)) or find_position(text, 10) is not None  # list rows


# What a fault report asks to check first ("ho controllato, il salvavita è su"): an answer to
# the report, though "salvavita" also names life-support equipment (payments).
_CHECKED_AT_HOME = re.compile(
    r"\b(ho controllato|ho verificato|ho guardato|checked|j'ai (verifie|regarde|controle)|"
    r"salvavita|interruttore|differenziale|breaker|trip switch|disjoncteur|contatore|meter|"
    r"compteur)\b"
)
# A pronoun standing for what the last message was about, by language ("il" is a French
# pronoun and an Italian article).
_REFERS_BACK = {
    "en": re.compile(r"\b(it|that|this|they|them|those)\b"),
    "fr": re.compile(
        r"\b(il|elle|ils|ca|cela|celui-ci|(le|la|les) (payer|annuler|faire|obtenir|demander|"
        r"envoyer|changer|resilier|activer|eviter|contester|recevoir|supprimer|arreter)|"
        r"l'(annuler|obtenir|activer|eviter|envoyer|arreter|enlever))\b"
    ),
    # and a pronoun joined to the verb: "come faccio a non pagarlo?", "posso disdirla?"
    "it": re.compile(r"\b(lo|li|esso|questo|quello|\w+(ar|er|ir|r)(lo|la|li|le))\b"),
}
# Up to this confidence, a short question that refers back is about the last topic, whatever
# its words resemble ("come faccio a non pagarlo?" after the canone RAI: payments 0.66).
REFERS_BACK_VOTE = 0.75
_FOLLOW_UP = re.compile(r"^(e|and|et)\s+(per|for|pour)?\s*(il|la|le|l'|the|)?\s*\w+\s*\??$")
# A message carrying on from the last answer ("e per quanto tempo vale?", "but how long?").
_CONTINUATION = re.compile(r"^(e|ed|ma|anche|quindi|allora|and|but|also|so|et|mais|aussi|donc)\b")
FOLLOW_UP_WORDS = 7  # longer messages say what they are about
DATA_ANSWER_WORDS = 6  # up to this, a message answering a procedure keeps its language
_DISSATISFIED = re.compile(
    r"\b(non (mi )?(serve|servi|aiuti) a niente|inutile|useless|not helpful|ridicol|"
    r"vergogna|ne sert a rien|nul|pessimo servizio|terrible service)\b"
)
# Dropping the procedure in progress ("anzi no, lascia stare", "never mind"): nothing of it
# has been written (writes come only after the final confirmation).
_DROP = re.compile(
    r"\b(lascia(mo)? (stare|perdere|correre)|non (importa|fa niente|serve piu)|"
    r"annulla tutto|never ?mind|forget (it|about it)|cancel (it|that|everything)|"
    r"laisse[rz]? tomber|tant pis|annule[rz]? tout|oublie[rz]?[- ]le)\b"
)
# What a dropped request leaves behind: no identification waits for it any more.
_NOTHING_PENDING: dict[str, Any] = {"pending_route": None, "pending_text": None, "otp": None}
LOW_CONFIDENCE = 0.3
# Intents that still belong to a procedure in progress ("but I can't pay it" while asking
# for instalments is about that procedure, not a new payments question).
RELATED = {"instalments": {"payments", "billing"}, "self_reading": {"billing"}}


_FISCAL_CODE = re.compile(r"\b[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]\b", re.IGNORECASE)


def carries_data(text: str) -> bool:
    """An answer to a procedure's question: it carries an IBAN, a tax code, a POD or PDR."""
    return bool(find_iban(text) or find_pod(text) or find_pdr(text) or _FISCAL_CODE.search(text))


MAX_SUSPENDED = 3


def suspend(state: ConversationState) -> list[SuspendedFlow]:
    """The dialogue stack with the active procedure pushed on it (if there is one)."""
    stack = list(state.get("suspended") or [])
    flow = state.get("flow")
    if flow:
        stack = [s for s in stack if s["flow"].get("vertical") != flow.get("vertical")]
        stack.append(
            SuspendedFlow(
                flow=flow, question=_last_question(state), choices=list(state.get("choices", []))
            )
        )
    return stack[-MAX_SUSPENDED:]


# Thanks or an okay before the actual message ("grazie, e quando torna?").
_COURTESY = re.compile(
    r"^(ok(ay)?|grazie( mille| tante| ancora)?|perfetto|bene|va bene|thanks( a lot| so much)?|"
    r"thank you( so much| very much)?|great|merci( beaucoup| bien)?|parfait|d'accord|"
    # what closes with the thanks: "grazie, è tutto", "that's all", "rien d'autre"
    r"e tutto|e basta|niente altro|nient'altro|that'?s (all|it)|nothing else|c'?est tout|"
    r"rien d'autre)\b[\s,.!;:]*"
)


REQUEST_WORDS = 4  # beside a customer code, this many words ask for something


def _without_code(text: str) -> str:
    """The message without the customer code (its digits, "LM") and the words that present
    it."""
    words = [w for w in fold(text).split() if w != "lm" and not any(c.isdigit() for c in w)]
    return _PRESENTS_CODE.sub(" ", " ".join(words))


_PRESENTS_CODE = re.compile(
    r"\b(buongiorno|buonasera|ciao|salve|hello|hi|bonjour|il )?(mio )?(codice( cliente)?|"
    r"customer (code|number)|my code|code client|mon code)( e| is| est)?\b"
)


def _follows_up(folded: str, u: Understanding, text: str) -> bool:
    """A short message with no topic of its own after an answer: a follow-up of it. Its own
    topic is one the classifier is sure of (a rule, or a confident vote); "e per quanto tempo
    vale?" is about the last answer, "e se non pago la bolletta?" is not. Thanks before it
    change nothing ("grazie, e quando torna?")."""
    confidence = u.confidence
    rest = folded
    while (shorter := _COURTESY.sub("", rest)) != rest:
        rest = shorter
    if rest != folded:
        if not (is_question(rest) or _CONTINUATION.match(rest)):
            return False  # thanks and nothing asked ("ok grazie mille"): a close
        folded, text = rest, rest
        if u.route == "general":  # what the vote was sure of is the thanks
            confidence = 0.0
    if u.by_rule or len(folded.split()) > FOLLOW_UP_WORDS:
        return False
    return bool(
        _FOLLOW_UP.match(folded)
        or (_CONTINUATION.match(folded) and (confidence < 0.6 or u.route == "general"))
        or (confidence < 0.45 and is_question(text))
        or (confidence < LOW_CONFIDENCE and u.route == "general" and len(folded) < 40)
    )


# A question about how things work, by its first word (after "wait", "ok"...): in the middle
# of a procedure it is asked besides the procedure's question, not an answer to it.
_ASKS_HOW = re.compile(
    r"^(?:no |non )?(?:e |and |et |ma |but |mais )?(?:(?:prima |first )?(?:dimmi|mi dici|mi sai dire|"
    r"tell me|dis-moi|dites-moi) )?(?:come|cosa|cos'?\s?e|quando|entro quando|quant[aeio]|"
    r"qual[ei]?|perche|dove|how|what|when|why|where|which|comment|quand|pourquoi|ou|combien|"
    r"quel(?:le)?s?|(?:c'?est |ca prend )?(?:ou|combien|quand|quoi|comment)|est-ce que)\b|"
    # "prima dimmi se ci sono penali", "tell me if there's a fee", "dis-moi s'il y a des frais"
    r"^(?:no |non )?(?:(?:prima |first |d'abord )?(?:dimmi|mi dici|sai dirmi|mi sai dire|tell me|"
    r"dis-moi|dites-moi))(?: prima| first| d'abord)? (?:se|if|whether|si|s')"
)


def _carries_no_answer(text: str, folded: str) -> bool:
    """Nothing a procedure or the identification asks for (no figure, code, IBAN or yes/no),
    and more than a word or two."""
    if any(c.isdigit() for c in folded) or carries_data(text) or _answers_the_question(text):
        return False
    return len(folded.split()) >= 3


def _asks_how(text: str, folded: str) -> bool:
    """A question about how things work, by its first word, carrying no answer."""
    if not _carries_no_answer(text, folded):
        return False
    request = fold(without_preamble(text))
    return any(_ASKS_HOW.match(c.strip()) for c in re.split(r"[,.;:!?]", request))


def _asks_while_identifying(text: str, folded: str) -> bool:
    """Any question carrying no answer, while only a customer code or a one-time code is
    awaited: "posso pagare anche con il bollettino?" or "can I do it online instead?" is not
    a code (a procedure's own questions are told apart by their first word, `_asks_how`)."""
    return _asks_how(text, folded) or (_carries_no_answer(text, folded) and is_question(text))


def _side_question(
    flow: Flow, text: str, folded: str, choices: list[Choice] | None, u: Understanding
) -> bool:
    """ "wait, how long does it take to become active?" while the direct debit waits for the
    IBAN: a question besides the procedure's, carrying no answer to it ("non so leggere il
    contatore, come faccio?" too). A yes or no, or an option named, answers the procedure. A
    fault report's questions are its own ("quando torna la luce?")."""
    if flow.get("vertical") == "outage":
        return False
    if _asks_how(text, folded):
        return True
    return (
        is_question(text)
        and _carries_no_answer(text, folded)
        and not (accepts(text) or declines(text) or _picks_a_choice(folded, choices))
        # "mi inviate anche il pdf dell'ultima bolletta?" asks for the customer's own bill
        and not needs_identity(u.route, text)
    )


def _own_topic_request(u: Understanding, text: str) -> bool:
    """A question about the customer's own data ("how much do I owe?"): identification,
    under way, serves it."""
    return u.route in PERSONAL_DATA_ROUTES and needs_identity(u.route, text)


_CHECK_IT = re.compile(r"\b(controll|verific|check|look|verifi|regard)")


# A yes that stays one with thanks after it ("sì grazie" is "yes please"; "ok grazie" closes).
_PLAIN_YES = re.compile(r"^(si|yes|yeah|yep|oui|certo|sure|volentieri|avec plaisir)\b")


def _closes(text: str) -> bool:
    """Thanks without a yes ("ok grazie", "perfetto grazie mille", "ok thanks", "merci"): the
    conversation is closing, whatever was offered."""
    return is_thanks(text) and not _PLAIN_YES.match(fold(text))


def _takes_offer(text: str, to_check: bool = False) -> bool:
    """A yes to what was offered, and not a new question opened with one: "ok e quanto tempo
    avete per rispondere?" asks something else; "ok, can you check?" takes the offer; "ok
    grazie" is thanks. An offer `to_check` the customer's own data is taken without a yes
    too: "can u check it"."""
    if _closes(text):
        return False
    folded = fold(text)
    if not accepts(text):
        return (
            to_check
            and len(folded.split()) <= 4
            and bool(_CHECK_IT.search(folded))
            and not declines(text)
            and not re.search(r"\b(non|not|pas)\b", folded)
        )
    rest = after_yes(text)
    return not is_question(rest) or bool(_CHECK_IT.search(rest))


def _answers_an_offer(folded: str, text: str) -> bool:
    """A short yes or no to what the procedure just offered ("ok la voglio attivare", "non mi
    interessa"): the procedure's answer, whatever topic its words resemble."""
    return len(folded.split()) <= FOLLOW_UP_WORDS and (accepts(text) or declines(text))


def _picks_a_choice(folded: str, choices: list[Choice] | None) -> bool:
    """A short message naming one of the options just offered ("gas" for "luce, gas o
    acqua?", "the second one" is a number and handled elsewhere): the procedure's answer,
    even when the word alone resembles another topic ("gas" reads like self-reading)."""
    words = re.findall(r"\w+", folded)
    if not choices or not words or len(words) > 4:
        return False
    said = " ".join(words)
    for choice in choices:
        for label in (choice["id"], choice["title"]):
            name = " ".join(re.findall(r"\w+", fold(label)))
            if name and (said == name or (" " not in name and name in words)):
                return True
    return False


def _own_topic(u: Understanding, flow: Flow) -> bool:
    """A message the classifier is sure is about another vertical: a topic switch."""
    vertical = str(flow.get("vertical"))
    return (
        u.route in VERTICALS
        and u.route != vertical
        and u.route not in RELATED.get(vertical, ())
        and u.confidence >= 0.6
    )


def _requested_procedure(u: Understanding, text: str) -> Route | None:
    """The procedure a message asks to start, when the vote chose a vertical that only
    explains its subject: "la mia bolletta del gas è stimata, posso mandare la lettura?" is a
    reading to send (billing 0.84 in the vote), "I'm behind, I want to pay in instalments"
    a plan."""
    if u.by_rule:
        return None
    for procedure, explained_by in RELATED.items():
        if u.route in explained_by and asks_to_act(procedure, text):
            return cast(Route, procedure)
    return None


def _own_request(u: Understanding, text: str) -> bool:
    """A clear request of a related vertical for the customer's own data ("send me the last
    bill's PDF" while choosing instalments): a topic switch, not part of the procedure. A
    copy of a bill is asked for however unsure the vote ("but first send me the pdf of my
    bill": 0.80, the e-bill examples being close)."""
    copy = u.route == "billing" and asks_for_a_copy(text)
    return (u.confidence >= 0.9 or copy) and needs_identity(u.route, text)


def _previous_message(state: ConversationState) -> str | None:
    """The customer's message before this turn's, past the customer code and one-time code
    they sent to be identified: "how long does it last?" after identification follows up on
    "do I have the social bonus?", not on "123456". A follow-up of a follow-up follows up on
    the question with a subject: "e quanto tempo ci vuole?" after "quanto costa?" after the
    voltura is about the voltura (it searched "quanto costa?" and quoted the termination)."""
    asked = [m for m in state.get("messages", []) if isinstance(m, HumanMessage)]
    earlier: list[str] = []
    for message in reversed(asked[:-1]):
        content = message.content
        if not isinstance(content, str):
            break
        # (a code sent to be identified, or a bare yes to an offer, is about nothing)
        bare_answer = len(content.split()) <= 3 and (accepts(content) or declines(content))
        if not _IDENTIFICATION_ONLY.match(content) and not bare_answer:
            earlier.append(content)
        if len(earlier) == FOLLOW_UP_HOPS:
            break
    with_subject = [m for m in earlier if not has_no_subject(m)]
    found = with_subject or earlier
    return found[0] if found else None


# How far back a follow-up looks for the question it is about (messages with a subject).
FOLLOW_UP_HOPS = 3
# A message that is only a customer code or a one-time code.
_IDENTIFICATION_ONLY = re.compile(r"^\s*(lm\s?\d{8}|\d{6})\s*[.!]*\s*$", re.IGNORECASE)


def _last_question(state: ConversationState) -> str:
    """What the assistant last asked, without the disclosure, notices or sources around it."""
    sources = tuple(f"{label}:" for label in TEMPLATES["sources"].values())
    parts = [p.strip() for p in (state.get("reply") or "").split("\n\n") if p.strip()]
    asked = [p for p in parts if not p.startswith(sources)]
    return asked[-1] if asked else ""


def make_supervisor(deps: GraphDeps):  # type: ignore[no-untyped-def]
    def supervisor(state: ConversationState) -> Command[Goto]:
        text = user_text(state)
        thread = state.get("user_id", "")
        update: dict[str, Any] = dict(FRESH_TURN)
        customer = state.get("customer_code")

        if state.get("handoff"):
            deps.audit.record(
                thread,
                "policy",
                "silent",
                "conversation is with an operator",
                customer_code=customer,
            )
            return Command(goto=END, update={**update, "route": "handoff"})  # type: ignore[arg-type]

        now = deps.clock()
        lapsed = identification_lapsed(
            state, now, deps.identification_idle_minutes, deps.identification_max_minutes
        )
        if lapsed:
            # The customer must identify again; what was in progress for them is dropped.
            deps.audit.record(
                thread, "policy", "identification_lapsed", lapsed, customer_code=customer
            )
            cleared: dict[str, Any] = {
                "identified": False,
                "customer_code": None,
                "identified_at": None,
                "active_at": None,
                "flow": None,
                "suspended": [],
                "pending_route": None,
                "pending_text": None,
                "identity_offer": None,
            }
            state = cast(ConversationState, {**state, **cleared})
            update.update(cleared)
            customer = None
        elif state.get("identified"):
            update["active_at"] = now.isoformat()

        default_language = state.get("language", "it")
        llm_mode = deps.chat_model is not None
        u = deps.classifier.understand(text, default_language, vote=not llm_mode)
        if not llm_mode and (procedure := _requested_procedure(u, text)):
            u = replace(u, route=procedure)
        route, urgency, language = u.route, u.urgency, u.language
        answering = state.get("flow") or state.get("pending_route") or state.get("otp")
        if deps.chat_model is not None and not u.by_rule:
            decision = llm_route(
                deps.chat_model,
                text,
                state.get("last_route"),
                deps.llm_structured_method,
                procedures=describe_stack(state.get("flow"), state.get("suspended") or []),
                # A message that answers no procedure's question is most often searched:
                # its vector is computed while the model decides (about 20 ms of a turn).
                meanwhile=None if answering else lambda: deps.retriever.embed_ahead(text),
            )
            if decision is None:  # the offline brain's vote, for this turn only
                u = deps.classifier.understand(text, default_language)
                route, language = u.route, u.language
            else:
                u = replace(u, route=decision.route, language=decision.language, confidence=1.0)
                route, language = decision.route, decision.language
                urgency = (
                    "emergency"
                    if decision.urgency == "emergency"
                    else max(urgency, decision.urgency, key=("normal", "high", "emergency").index)
                )
        if answering and state.get("language") and len(text.split()) <= DATA_ANSWER_WORDS:
            # An answer to a procedure's question is data ("12 via roma, figline valdarno",
            # "Luca Peretti PRTLCU85T10D612E", "dal 1 dicembre"): it does not change the
            # conversation's language, however Italian its names look.
            language = state["language"]
        update.update(language=language, urgency=urgency, confidence=u.confidence, hazard=u.hazard)

        def goto(target: str, reason: str, **extra: Any) -> Command[Goto]:
            deps.audit.record(
                thread,
                "routing",
                target,
                reason,
                customer_code=customer,
                data={"urgency": urgency, "language": language, "confidence": u.confidence},
            )
            if lapsed and target == "identify":
                extra["notice"] = render(TEMPLATES, "identification_lapsed", language)
            return Command(
                goto=target,  # type: ignore[arg-type]
                update={**update, "route": extra.pop("route", target), **extra},
            )

        def answer(reply: Reply, reason: str, **extra: Any) -> Command[Goto]:
            deps.audit.record(thread, "policy", reason, reason, customer_code=customer)
            return Command(
                goto="respond", update={**update, "route": "general", **reply.update(), **extra}
            )

        folded = fold(text).strip(" .!")
        if u.opt_out:
            return answer(
                Reply(render(TEMPLATES, "opted_out", language)), "opt_out", opted_out=True
            )
        if folded in OPT_IN and state.get("opted_out"):
            return answer(Reply(render(TEMPLATES, "opted_in", language)), "opt_in", opted_out=False)
        if urgency == "emergency":
            # Safety first: no identification, no questions before the instructions.
            # A procedure in progress is suspended as it stands: nothing is written for it.
            return goto(
                "outage",
                f"emergency ({u.hazard or 'named by the model'}): safety instructions first",
                flow=None,
                suspended=suspend(state),
                resume_offered=False,
                pending_route=None,
                pending_text=None,
            )
        if u.injection:
            return answer(Reply(render(TEMPLATES, "injection", language)), "injection_refused")
        if u.other_customer:
            return answer(
                Reply(render(TEMPLATES, "other_customer", language)), "other_customer_refused"
            )
        explicit_handoff = (route == "handoff" and u.by_rule) or _DISSATISFIED.search(folded)
        if explicit_handoff:
            return goto(
                "handoff",
                "customer asked for a person" if route == "handoff" else "customer dissatisfied",
                route="handoff",
            )

        flow = state.get("flow")
        mislabelled = mislabelled_code(text)
        if mislabelled and not (flow or state.get("pending_route") or state.get("otp")):
            # "il mio pdr è IT001E12345678 giusto?": the formats are rules, said in code, and
            # cited from the codes' document (its sentences are not quoted: the example of a
            # POD, quoted alone after the PDR, read as a PDR's)
            kind, code = mislabelled
            said = Reply(render(TEMPLATES, f"code_is_{kind}", language, code=code))
            known = knowledge_reply(deps, f"formato codice {kind} pod pdr", language)
            said.citations, said.evidence = known.citations[:1], known.evidence
            said.actions = known.actions
            return answer(said, "supply_code_corrected")
        if (
            flow
            and flow.get("step") == "start"
            and not (accepts(text) or declines(text) or find_customer_code(text))
        ):
            # Only offered after an answer ("shall I start the change of offer?") and not
            # taken up: the message stands on its own ("et pour le gaz ?" is a follow-up of
            # the answer, not a reply to the offer).
            flow = None
            update["flow"] = None
        step = str((flow or {}).get("step", ""))
        if flow and (step.startswith("offer") or step == "start") and _closes(text):
            # "grazie mille" after the offer to pay the bill in instalments, "ok thanks" after
            # "shall I start the termination?": a close, not an answer (the bill was shown
            # again; the customer code was asked)
            flow = None
            update["flow"] = None
        dropping = route != "handoff" and _DROP.search(folded)  # "lascia stare, un operatore"
        if flow and dropping and not any(c.isdigit() for c in folded):
            deps.audit.record(
                thread,
                "policy",
                "procedure_dropped",
                f"customer dropped the {flow.get('vertical')} procedure before any write",
                customer_code=customer,
            )
            own = cancelled_text(str(flow.get("vertical")))
            dropped = Reply(
                own.get(language, own["it"])
                if own
                else render(TEMPLATES, "procedure_dropped", language)
            )
            return Command(
                goto="respond",
                update={
                    **update,
                    **dropped.update(),
                    **_NOTHING_PENDING,
                    "route": flow.get("vertical"),
                    "flow": None,
                },
            )
        continuing = False
        stack = list(state.get("suspended") or [])
        figure = any(c.isdigit() for c in folded) and not is_question(text)
        if state.get("resume_offered") and stack and not flow:
            if accepts(text) and not figure:  # "ok ecco 4520" is the reading
                top = stack.pop()
                deps.audit.record(
                    thread, "routing", "resume", "procedure resumed", customer_code=customer
                )
                if top["flow"].get("step") == "identify" and state.get("identified"):
                    # It waited for identification, done since: it goes on at once (its last
                    # question asked for the customer code).
                    return goto(
                        str(top["flow"]["vertical"]),
                        "procedure resumed after identification",
                        flow=top["flow"],
                        suspended=stack,
                        resume_offered=False,
                    )
                resumed = Reply(
                    render(TEMPLATES, "resumed", language) + "\n\n" + top["question"],
                    choices=list(top.get("choices", [])),
                )
                return Command(
                    goto="respond",
                    update={
                        **update,
                        **resumed.update(),
                        "route": top["flow"]["vertical"],
                        "flow": top["flow"],
                        "suspended": stack,
                        "resume_offered": False,
                    },
                )
            if declines(text):
                stack.pop()
                return answer(
                    Reply(render(TEMPLATES, "resume_declined", language)),
                    "resume_declined",
                    suspended=stack,
                    resume_offered=False,
                )
            answers_it = bool(carries_data(text) or _answers_the_question(text) or figure)
            waiting = stack[-1]["flow"].get("vertical")
            if not answers_it and stack[-1].get("choices") and not is_question(text):
                # an option of the suspended procedure named ("je prends le fixe" after the
                # question about fixed and variable prices)
                answers_it = _picks_a_choice(folded, stack[-1]["choices"]) or (
                    u.route == waiting and len(folded.split()) <= FOLLOW_UP_WORDS and not u.by_rule
                )
            if answers_it:
                # The suspended question answered straight away (the IBAN, a reading, "la
                # prima"): the procedure resumes with it.
                top = stack.pop()
                flow = top["flow"]
                update.update(flow=flow, suspended=stack, choices=list(top.get("choices", [])))
                deps.audit.record(
                    thread, "routing", "resume", "procedure resumed", customer_code=customer
                )
        if not flow and dropping and len(folded.split()) <= FOLLOW_UP_WORDS:
            # Nothing in progress to drop ("ok lascia stare" after an answer): a polite close,
            # and a procedure that was waiting to be offered again is dropped too.
            if state.get("resume_offered") and stack:
                stack.pop()
            return answer(
                Reply(render(TEMPLATES, "resume_declined", language)),
                "customer let it go",
                suspended=stack,
                resume_offered=False,
                **_NOTHING_PENDING,
            )
        update["resume_offered"] = False
        if state.get("operator_offered") and not flow and _takes_offer(text):
            # "Vuoi che ti passi a un operatore?" (nothing relevant was found) - "sì".
            return goto("handoff", "customer accepted the operator offered", route="handoff")
        offer = state.get("identity_offer")
        if (
            offer
            and not flow
            and not state.get("identified")
            and (
                find_customer_code(text)
                or (offer.get("offered") and _takes_offer(text, to_check=True))
            )
        ):
            return goto(
                "identify",
                f"customer accepted to have their own data checked ({offer['route']})",
                route="identify",
                pending_route=offer["route"],
                pending_text=offer["text"],
            )
        # Identification was asked for a question (by the supervisor or by a procedure) and
        # has not finished: the customer code and the one-time code continue it.
        in_identification = not state.get("identified") and (
            bool(state.get("otp")) or state.get("pending_route") is not None
        )
        if in_identification and not is_locked(state, deps.clock()):
            if _asks_while_identifying(text, folded) and not _own_topic_request(u, text):
                # "c'est combien de temps pour la résiliation ?" while the customer code is
                # asked: answered from the documents; the identification still waits.
                # ("che documenti servono?" asks about the request waiting, whatever the vote)
                asked = (
                    u.route
                    if u.route in VERTICALS and u.confidence >= 0.6 and not has_no_subject(text)
                    else None
                )
                return goto(
                    "knowledge",
                    "a question while identification is under way; answered from the documents",
                    route=asked
                    or state.get("pending_route")
                    or state.get("last_route")
                    or "general",
                    follow_up_of=None if asked else _previous_message(state),
                )
            # what the request waiting needs, sent before the code: a meter reading, the
            # day a bill was paid ("l'ho pagata il 3 novembre con bollettino")
            kept_first = not state.get("otp") and (
                (state.get("pending_route") == "self_reading" and find_reading(text) is not None)
                or (
                    state.get("pending_route") == "payments"
                    and find_date(text, deps.clock().date()) is not None
                )
            )
            if (
                (carries_data(text) or kept_first)
                and not find_customer_code(text)
                and state.get("pending_route") is not None
            ):
                # An IBAN or a POD sent before the customer code: kept with the request it
                # belongs to, which reads it once the customer is identified (a meter reading
                # too: "ok allora la lettura è 4521" was taken for a wrong customer code)
                waits = "otp_waits" if state.get("otp") else "identification_waits"
                kept = render(TEMPLATES, "kept_for_request", language)
                deps.audit.record(
                    thread,
                    "policy",
                    "data_kept",
                    "data sent before identification",
                    customer_code=customer,
                )
                return Command(
                    goto="respond",
                    update={
                        **update,
                        **Reply(f"{kept} {render(TEMPLATES, waits, language)}").update(),
                        "route": "identify",
                        "pending_text": f"{state.get('pending_text') or ''}\n{text}".strip(),
                    },
                )
            if (
                u.route != state.get("pending_route")
                and _own_topic_request(u, text)
                and not (find_customer_code(text) or _answers_the_question(text))
            ):
                # "actually no, first tell me how much I owe" while the code is asked for the
                # instalments: identification goes on, for the new request (the procedure
                # waits on the stack).
                return goto(
                    "identify",
                    f"customer changed the request to {u.route} during identification",
                    route="identify",
                    pending_route=u.route,
                    pending_text=text,
                    **({"flow": None, "suspended": suspend(state)} if flow else {}),
                )
            if (
                route in (state.get("pending_route"), "general", "handoff")
                or u.confidence < 0.6
                or _answers_the_question(text)
                or find_customer_code(text)
            ):
                return goto("identify", "identification in progress", route="identify")
        elif find_customer_code(text) and not state.get("identified") and not flow:
            # A customer code out of the blue: identify for the topic of the conversation, and
            # continue the question it answered (not the code itself: "LM..." or "123456"
            # searched for would quote whatever passage holds those digits).
            # A code sent with a request of its own ("il mio codice è LM..., vorrei sapere
            # quanto ho consumato") identifies for that request: it was lost, and "how can I
            # help?" came after the one-time code.
            last = state.get("last_route")
            topic = last in VERTICALS
            # (a request for the customer's own data or a write: "what's the phone number on
            # code LM...?" is no request of the customer's own, and identifies for nothing)
            asks = (
                u.route in VERTICALS
                and needs_identity(u.route, text)
                and len(_without_code(text).split()) >= REQUEST_WORDS
            )
            return goto(
                "identify",
                "customer code sent",
                route="identify",
                pending_route=u.route if asks else last if topic else None,
                pending_text=text if asks else _previous_message(state) if topic else None,
            )
        if in_identification:
            update["pending_route"] = None  # the customer moved on: a new question
        subjectless = is_question(text) and has_no_subject(text)
        if (
            flow
            and _side_question(flow, text, folded, state.get("choices"), u)
            and (subjectless or not _own_topic(u, flow))
        ):
            # Answered from the documents; the procedure waits, offered again after the answer
            # (an answer to its question resumes it too).
            return goto(
                "knowledge",
                "a question in the middle of the procedure; answered from the documents",
                route=flow["vertical"],
                flow=None,
                suspended=suspend(state),
                follow_up_of=_previous_message(state),
            )
        if flow and (
            route in (flow.get("vertical"), "general", "handoff")  # handoff cues were ruled above
            or (route in RELATED.get(str(flow.get("vertical")), ()) and not _own_request(u, text))
            or u.confidence < 0.6
            or _answers_the_question(text)
            or carries_data(text)
            or _answers_an_offer(folded, text)
            or _picks_a_choice(folded, state.get("choices"))
            or subjectless
            or (flow.get("vertical") == "outage" and _CHECKED_AT_HOME.search(folded))
        ):
            route = flow["vertical"]  # type: ignore[assignment]
            reason = "continuing the procedure in progress"
            continuing = True
        else:
            last = state.get("last_route")
            after_emergency = (state.get("answered_flow") or {}).get("step") == "emergency"
            # A short question with a word standing for what the last one was about
            refers_back = bool(
                not u.by_rule
                and is_question(text)
                and len(folded.split()) <= FOLLOW_UP_WORDS
                and _REFERS_BACK.get(language, _REFERS_BACK["it"]).search(folded)
            )
            if (
                last == "outage"
                and after_emergency
                and not u.by_rule
                and (u.route in ("general", "outage") or u.confidence < 0.6)
                and not is_question(text)
                and len(folded.split()) <= 2 * FOLLOW_UP_WORDS
            ):
                # "ok I'm away from it, I called" after the safety sheet: news about the
                # emergency, whatever the words resemble
                route = "outage"
                reason = "news after an emergency"
            elif (
                last in VERTICALS
                and not u.by_rule
                and (u.route in ("general", last) or u.confidence < 0.6)
                and continues_answer(str(last), text)
            ):
                # "any news?" after a fault report: news of it, by the vertical's own rules
                route = last  # type: ignore[assignment]
                reason = f"follow-up of the {last} answer by its rules"
            elif last in VERTICALS and _follows_up(folded, u, text):
                route = last  # type: ignore[assignment]
                reason = "follow-up of the previous question"
                update["follow_up_of"] = _previous_message(state)
            elif last in VERTICALS and refers_back and u.confidence < REFERS_BACK_VOTE:
                route = last  # type: ignore[assignment]
                reason = "follow-up: it refers back to the previous question"
                update["follow_up_of"] = _previous_message(state)
            elif last in VERTICALS and subjectless and not u.by_rule:
                # "che documenti servono?" after the voltura: its cost, time or documents
                route = last  # type: ignore[assignment]
                reason = "follow-up: a question with no subject of its own"
                update["follow_up_of"] = _previous_message(state)
            else:
                reason = f"intent {route} ({u.confidence:.2f})"
                if route == last and refers_back:
                    # A short question about what the last one was about ("how long does it
                    # last?" after "do I have the social bonus?") is searched with it.
                    update["follow_up_of"] = _previous_message(state)
            if flow and flow.get("vertical") != route:
                # A topic switch: the procedure waits on the stack, to be offered again.
                update["flow"] = None
                update["suspended"] = suspend(state)
        if route == "handoff":
            return goto("handoff", "customer asked for a person", route="handoff")
        if route == "general" and u.confidence < 0.15:
            misses = state.get("not_understood", 0) + 1
            if misses >= 3:
                return goto(
                    "handoff", "not understood three times", route="handoff", not_understood=0
                )
            update["not_understood"] = misses
        else:
            update["not_understood"] = 0
        if route in PERSONAL_DATA_ROUTES and not state.get("identified") and not continuing:
            if needs_identity(route, text):
                return goto(
                    "identify",
                    f"{route} needs identification",
                    route="identify",
                    pending_route=route,
                    pending_text=text,
                )
            # Answer first: how things work comes from the documents, to anyone.
            return goto("knowledge", f"{reason}; answered from the documents", route=route)
        return goto(route, reason)

    return supervisor
