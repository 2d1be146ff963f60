"""The last node of every turn: AI disclosure, brevity, sources, and the message history."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.types import Command

from graph.deps import GraphDeps
from graph.grounded import knowledge_reply
from graph.policy import is_question, is_thanks
from graph.prompts import render
from graph.prompts.common import TEMPLATES
from graph.reply import Reply, user_text
from graph.state import Citation, ConversationState
from knowledge.sparse import fold

MAX_BUTTONS = 3
MAX_LIST_ROWS = 10
_GREETING = (
    "ciao",
    "buongiorno",
    "buonasera",
    "salve",
    "hello",
    "hi",
    "hey",
    "bonjour",
    "bonsoir",
    "salut",
)
# "Yes, that's right", "ok", "great": an acknowledgement of what was just done.
_ACKNOWLEDGEMENT = re.compile(
    r"^(si|sì|ok|okay|okk?|va bene|bene|benissimo|ottimo|giusto|esatto|certo|d'accordo|"
    r"perfetto|yes|yeah|yep|right|great|fine|good|cool|oui|d'accord|parfait|tres bien|"
    r"super|top)(\W+(si|sì|e|è|giusto|corretto|right|correct|that's right|c'est ca|"
    r"grazie|thanks|merci|cosi|va bene|ok|perfetto|great|parfait))*\W*$"
)


def make_general(deps: GraphDeps):  # type: ignore[no-untyped-def]
    """Thanks, greetings and acknowledgements get a short polite close; any other question
    is looked up in the whole knowledge base; only what it cannot answer is out of scope."""

    def general(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        text = user_text(state)
        folded = fold(text).strip(" .!?")
        if is_thanks(text):
            key = "thanks"
        elif _ACKNOWLEDGEMENT.match(folded):
            key = "acknowledged"
        elif any(folded == w or folded.startswith(w + " ") for w in _GREETING):
            key = "greeting"
        elif state.get("not_understood") or not re.search(r"[^\W\d_]", folded):
            key = "not_understood"  # (a figure alone, "12700", is no out-of-scope request)
        else:
            key = "out_of_scope"
        # A question is looked up, even after thanks ("grazie, e quando torna?"); the polite
        # close is for what the documents do not answer.
        if key == "out_of_scope" or (key != "not_understood" and is_question(text)):
            reply = knowledge_reply(deps, text, language)
            if reply.citations:
                return Command(goto="respond", update=reply.update())
        return Command(goto="respond", update=Reply(render(TEMPLATES, key, language)).update())

    return general


def _sources_line(citations: list[Citation], language: str) -> str:
    titles = list(dict.fromkeys(c["title"] for c in citations))[:3]
    return f"{render(TEMPLATES, 'sources', language)}: " + "; ".join(titles)


def _resume_offer(state: ConversationState) -> str | None:
    """When no procedure is active and one waits on the dialogue stack, offer it again; not
    during an emergency, a handoff or identification, and not when no reply was written."""
    stack = state.get("suspended") or []
    if (
        not stack
        or state.get("flow")
        or state.get("urgency") == "emergency"
        or state.get("handoff")
        or state.get("route") in ("identify", "handoff")
        or state.get("choices")
        or not state.get("reply")
    ):
        return None
    language = state.get("language", "it")
    vertical = stack[-1]["flow"].get("vertical", "")
    procedure = render(TEMPLATES, f"procedure_{vertical}", language)
    return render(TEMPLATES, "resume_offer", language, procedure=procedure)


def make_respond(deps: GraphDeps):  # type: ignore[no-untyped-def]
    def respond(state: ConversationState) -> dict[str, Any]:
        language = state.get("language", "it")
        text = state.get("reply") or ""
        parts = []
        if not state.get("disclosed"):
            parts.append(render(TEMPLATES, "disclosure", language))
        if state.get("notice"):
            parts.append(state["notice"] or "")
        actions = state.get("actions", [])
        # A reply with a safety sheet is never cut: the sheet is fixed, reviewed text, and
        # what follows it is short (WhatsApp takes 4,096 characters).
        safety = any(a["tool"] == "safety_instructions" for a in actions)
        if text:
            if len(text) > deps.max_reply_chars and not safety:
                text = text[: deps.max_reply_chars].rsplit(" ", 1)[0] + "…"
            parts.append(text)
        citations = state.get("citations", [])
        if citations and text:
            parts.append(_sources_line(citations, language))
        offer = _resume_offer(state)
        parts.append(offer or "")
        choices = state.get("choices", [])[:MAX_LIST_ROWS]
        final = "\n\n".join(p for p in parts if p)
        update: dict[str, Any] = {
            "reply": final or None,
            "choices": choices,
            "disclosed": True,
            "notice": None,
            "tools_called": [*state.get("tools_called", []), *(a["tool"] for a in actions)],
        }
        if offer:  # the next "sì" or "no" answers it
            update["resume_offered"] = True
        route = state.get("route")
        if route != "identify":  # the question asked before identification has been answered
            update["pending_text"] = None
        if route not in (None, "identify", "handoff"):
            update["last_route"] = route
        if final:
            update["messages"] = [AIMessage(final)]
        return update

    return respond
