"""The onboarding vertical: welcome, WhatsApp activation, preferences, consents, first bill."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from langchain_core.messages import AIMessage
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from graph.accounts import is_no, is_yes
from graph.agent import agent_steps
from graph.backends.ports import BackendError, Consent, ConsentCategory, Customer, Preferences
from graph.deps import ITALY, GraphDeps
from graph.grounded import commodity_in, knowledge_reply
from graph.policy import is_question
from graph.prompts import render
from graph.prompts.common import TEMPLATES as COMMON
from graph.reply import Reply, question_text, user_text
from graph.state import Choice, ConversationState
from graph.subgraph import (
    ToolSteps,
    call_tool,
    call_tools,
    compile_vertical,
    leave,
    tool_node,
    tool_results,
    yes_no,
)
from graph.verticals.onboarding.texts import TEMPLATES
from graph.verticals.onboarding.tools import (
    BY_CATEGORY,
    CATEGORIES,
    REVOCATION,
    WHAT_YOU_CAN_DO,
    Changes,
    changed,
    guide_passages,
    intent_of,
    latest_consents,
    mask_email,
    passage,
    quote,
    read_tools,
    requested_consents,
    requested_preferences,
    write_tools,
)
from knowledge.sparse import fold

# Preference options offered as a list (WhatsApp: up to 10 rows), in this order.
OPTIONS: tuple[tuple[str, str], ...] = (
    ("bill_delivery", "email"),
    ("bill_delivery", "paper"),
    ("reminder_channel", "whatsapp"),
    ("reminder_channel", "sms"),
    ("reminder_channel", "email"),
    ("reminder_channel", "none"),
)
MENU = ("btn_whatsapp", "btn_preferences", "btn_guide")
_OTHER_PROCEDURES = ("consents", "guide", "welcome", "email_change")
_REVOKING = re.compile(r"\b(revoc\w*|ritir\w*|withdraw\w*|revok\w*|retir\w*|opt.?out)\b")
_PERSONAL = re.compile(r"\b(mio|mia|miei|mie|ho dato|my|mine|i gave|mes|mon|ai donne)\b")


def _when(at: datetime | None) -> str:
    return at.astimezone(ITALY).strftime("%d/%m/%Y %H:%M") if at else "-"


def _preferences_text(preferences: Preferences, language: str) -> str:
    return render(
        TEMPLATES,
        "preferences",
        language,
        bill=render(TEMPLATES, f"bill_{preferences.bill_delivery}", language),
        reminders=render(TEMPLATES, f"reminders_{preferences.reminder_channel}", language),
        whatsapp=render(
            TEMPLATES, "whatsapp_on" if preferences.whatsapp_active else "whatsapp_off", language
        ),
    )


def _now_text(preferences: Preferences, language: str) -> str:
    return render(
        TEMPLATES,
        "preferences_now",
        language,
        preferences=_preferences_text(preferences, language),
    )


def _change_text(changes: Changes, customer: Customer, language: str) -> str:
    parts = []
    for field in ("bill_delivery", "reminder_channel"):
        if field in changes:
            prefix = "bill" if field == "bill_delivery" else "reminders"
            value = render(TEMPLATES, f"{prefix}_{changes[field]}", language)
            if changes[field] == "email" and customer.email:
                value += render(TEMPLATES, "email_to", language, email=mask_email(customer.email))
            parts.append(render(TEMPLATES, f"change_{field}", language, value=value))
    if changes.get("whatsapp_active") is False:
        parts.append(render(TEMPLATES, "change_whatsapp_off", language))
    return "; ".join(parts)


class _Node:
    """One onboarding turn; the procedures share the state read here."""

    def __init__(self, deps: GraphDeps, state: ConversationState) -> None:
        self.deps = deps
        self.state = state
        self.language = state.get("language", "it")
        self.thread = state.get("user_id", "")
        self.code = state.get("customer_code") if state.get("identified") else None
        flow = state.get("flow") or {}
        self.step = flow.get("step") if flow.get("vertical") == "onboarding" else None
        self.slots: dict[str, Any] = flow.get("slots", {}) if self.step else {}

    # ------------------------------------------------------------------ plumbing
    def say(self, reply: Reply, **update: Any) -> Command:  # type: ignore[type-arg]
        update.setdefault("flow", None)
        return leave("respond", reply.update(**update))

    def ask(self, reply: Reply, step: str, **slots: Any) -> Command:  # type: ignore[type-arg]
        return self.say(reply, flow={"vertical": "onboarding", "step": step, "slots": slots})

    def identify(self, question: str) -> Command:  # type: ignore[type-arg]
        """Identification first; the question is answered once the customer is identified."""
        update: dict[str, Any] = {
            "route": "identify",
            "pending_route": "onboarding",
            "pending_text": question,
            "flow": None,
        }
        if re.search(r"\d", user_text(self.state)):
            # A menu number ("2") would read as a malformed customer code: ask for it here.
            reply = Reply(render(COMMON, "ask_customer_code", self.language))
            return leave("respond", {**reply.update(), **update})
        return leave("identify", update)

    def text(self, key: str, **values: Any) -> str:
        return render(TEMPLATES, key, self.language, **values)

    # ------------------------------------------------------------------ the turn
    def start(self, question: str) -> Command:  # type: ignore[type-arg]
        intent = intent_of(question)
        if intent == "consents":
            return self.consents(question)
        if intent == "email_change":
            return self.say(Reply(self.text("email_change")))
        if intent == "guide":
            return self.say(self.guide(question))
        if intent == "preferences":
            return self.preferences(question)
        if intent == "welcome":
            return self.welcome()
        # The whole knowledge base, not only the onboarding documents: a question routed here
        # may be about anything a new customer wonders (a PDR code's digits, a power cut).
        reply = knowledge_reply(
            self.deps,
            question,
            self.language,
            verticals=["onboarding"],
            commodity=commodity_in(question),
        )
        return self.say(reply)

    # ------------------------------------------------------------------ welcome and guide
    def welcome(self) -> Command:  # type: ignore[type-arg]
        reply = Reply(
            self.text("welcome"),
            choices=[Choice(id=key, title=self.text(key)) for key in MENU],
        )
        reply.cite(passage(self.deps, WHAT_YOU_CAN_DO))
        return self.ask(reply, "menu")

    def menu_choice(self, answer: str) -> str:
        """The welcome button picked (by title or number) as the request it stands for."""
        folded = fold(answer).strip(" .!")
        for number, key in enumerate(MENU, 1):
            if folded in (str(number), fold(self.text(key))):
                return {
                    "btn_whatsapp": "attiva whatsapp",
                    "btn_preferences": "preferenze",
                    "btn_guide": "prima bolletta",
                }[key]
        return answer

    def guide(self, question: str) -> Reply:
        """A short guide to the first bill, each step from a cited section of the bill guides."""
        commodity = commodity_in(question)
        if commodity == "water":
            return knowledge_reply(
                self.deps, question, self.language, verticals=["billing"], commodity="water"
            )
        keys = ("guide_intro", "guide_front", "guide_receipt", "guide_items", "guide_estimates")
        reply = Reply("\n".join([*(self.text(k) for k in keys), self.text("guide_own_bill")]))
        reply.cite(guide_passages(self.deps, commodity, self.language))
        return reply.act("search_knowledge", bool(reply.citations))

    # ------------------------------------------------------------------ preferences
    def picked_option(self, answer: str) -> Changes | None:
        folded = fold(answer).strip(" .!")
        for number, (field, value) in enumerate(OPTIONS, 1):
            if folded in (str(number), fold(self.text(f"opt_{field}_{value}"))):
                return {field: value}
        return None

    def preferences(self, question: str, picked: Changes | None = None) -> Command:  # type: ignore[type-arg]
        if self.code is None:
            return self.identify(question)
        customer = self.deps.backend.get_customer(self.code)
        current = self.deps.backend.get_preferences(self.code)
        requested = picked or requested_preferences(question, current)
        changes = changed(requested, current)
        if not requested:
            reply = Reply(
                "\n".join([_now_text(current, self.language), self.text("preferences_ask")]),
                choices=[
                    Choice(id=f"{field}:{value}", title=self.text(f"opt_{field}_{value}"))
                    for field, value in OPTIONS
                ],
            )
            reply.act("get_preferences", True, current.model_dump_json())
            return self.ask(reply, "choose_preference")
        if not changes:
            return self.say(
                Reply(self.text("already", preferences_now=_now_text(current, self.language)))
            )
        if "email" in (changes.get("bill_delivery"), changes.get("reminder_channel")) and (
            not customer.email
        ):
            return self.say(Reply(self.text("no_email")))  # validated before anything is saved
        return self.ask_confirmation(customer, changes)

    def ask_confirmation(self, customer: Customer, changes: Changes) -> Command:  # type: ignore[type-arg]
        others = _change_text(changes, customer, self.language)
        wording = None
        if changes.get("whatsapp_active") is True:
            wording = self.text("whatsapp_wording")
            also = self.text("also", changes=others) if others else ""
            text = self.text("confirm_whatsapp", wording=wording, others=also)
        else:
            text = self.text("confirm_change", changes=others)
        reply = Reply(text, choices=yes_no(self.language))
        if wording:
            reply.cite(passage(self.deps, WHAT_YOU_CAN_DO))
        return self.ask(reply, "confirm_preferences", changes=changes, wording=wording)

    def confirm_preferences(self, answer: str) -> Command:  # type: ignore[type-arg]
        changes: Changes = self.slots.get("changes", {})
        if is_no(answer):
            return self.say(Reply(self.text("unchanged")))
        current = self.deps.backend.get_preferences(self.code or "")
        if not is_yes(answer):
            more = requested_preferences(answer, current)
            if more:  # the customer amended the change: confirm again
                return self.preferences(answer, {**changes, **more})
            customer = self.deps.backend.get_customer(self.code or "")
            return self.ask_confirmation(customer, changes)
        before = current.model_dump(mode="json")
        return Command(
            goto="tools", update={**call_tool("set_preferences", **changes), "turn_before": before}
        )

    def preferences_saved(self, ok: bool, result: str, before: Preferences) -> Command:  # type: ignore[type-arg]
        """After the `tools` step: what was saved, audited with the wording shown."""
        if not ok:
            return self.say(Reply(render(COMMON, "error", self.language)))
        saved = Preferences.model_validate_json(result)
        changes: Changes = self.slots.get("changes", {})
        wording = self.slots.get("wording")
        reason = "customer confirmed the change of communication preferences"
        if wording:
            reason += "; WhatsApp activated with explicit consent to the wording shown"
        self.deps.audit.record(
            self.thread,
            "tool",
            "set_preferences",
            reason,
            customer_code=self.code,
            data={
                "changes": {k: [getattr(before, k), v] for k, v in changes.items()},
                "wording": wording,
            },
        )
        lines = [self.text("saved", preferences_now=_now_text(saved, self.language))]
        update: dict[str, Any] = {}
        if saved.whatsapp_active and not before.whatsapp_active:
            lines.append(self.text("whatsapp_saved"))
            update["opted_out"] = False  # an explicit yes to WhatsApp messages lifts a STOP
        reply = Reply(" ".join(lines))
        reply.act(
            "set_preferences",
            True,
            saved.model_dump_json(),
            args=saved.model_dump(mode="json", exclude={"customer_code", "updated_at"}),
        )
        return self.say(reply, **update)

    # ------------------------------------------------------------------ consents
    def consents(self, question: str) -> Command:  # type: ignore[type-arg]
        granted, categories = requested_consents(question)
        if granted is None and self.code is None and not _PERSONAL.search(fold(question)):
            return self.say(self.consent_rules(question))
        if self.code is None and granted is False and is_question(question):
            # "I don't want your adverts any more, how do I stop them?": how, then the offer
            # to withdraw the consent now (a code or a yes next identifies for it).
            reply = self.consent_rules(question)
            reply.text += "\n\n" + self.text("offer_revoke")
            offer = {"route": "onboarding", "text": question, "offered": "yes"}
            return self.say(reply, identity_offer=offer)
        if self.code is None:
            return self.identify(question)
        latest = latest_consents(self.deps.backend.list_consents(self.code))
        if granted is None:
            return self.say(self.consent_status(latest))
        if granted is False:
            return self.revoke(categories)
        to_ask = [c for c in categories if not (c in latest and latest[c].granted)]
        if not to_ask:
            given = latest[categories[0]]
            label = self.text(f"label_{categories[0]}")
            return self.say(Reply(self.text("consent_already", label=label, at=_when(given.at))))
        return self.ask_consent(to_ask)

    def consent_rules(self, question: str) -> Reply:
        """How consents work, from the privacy notice, and how to change them here."""
        if _REVOKING.search(fold(question)) or requested_consents(question)[0] is False:
            text, hits = quote(self.deps, REVOCATION)  # the ways to withdraw, STOP included
            reply = Reply(text).cite(hits)
            if self.language != "it" and text:
                reply.text = render(COMMON, "quoted_in_italian", self.language) + text
        else:
            labels = ", ".join(self.text(f"label_{c}") for c in CATEGORIES)
            text, hits = quote(self.deps, BY_CATEGORY, lines=1)
            if self.language != "it" and text:
                text = render(COMMON, "quoted_in_italian", self.language) + text
            reply = Reply("\n".join([self.text("categories", labels=labels), text])).cite(hits)
        reply.text += "\n" + self.text("consents_hint")
        return reply.act("search_knowledge", bool(reply.citations))

    def consent_status(self, latest: dict[str, Consent]) -> Reply:
        lines = [self.text("consents_header")]
        for category in CATEGORIES:
            label = self.text(f"label_{category}")
            record = latest.get(category)
            if record is None:
                lines.append(self.text("consent_line_never", label=label))
            else:
                key = "consent_line_yes" if record.granted else "consent_line_no"
                lines.append(self.text(key, label=label, at=_when(record.at)))
        lines.append(self.text("consents_hint"))
        reply = Reply("\n".join(lines))
        return reply.act("list_consents", True, [r.model_dump_json() for r in latest.values()])

    def ask_consent(self, queue: list[ConsentCategory], done: Reply | None = None) -> Command:  # type: ignore[type-arg]
        """The exact wording of one category's consent, to confirm; the others wait in turn."""
        category, rest = queue[0], queue[1:]
        label = self.text(f"label_{category}")
        wording = self.text(f"wording_{category}")
        reply = done or Reply("")
        asked = self.text("consent_ask", label=label, wording=wording)
        reply.text = f"{reply.text}\n{asked}" if reply.text else asked
        reply.choices = yes_no(self.language)
        return self.ask(
            reply, "confirm_consent", category=category, wording=wording, queue=list(rest)
        )

    def confirm_consent(self, answer: str) -> Command:  # type: ignore[type-arg]
        category: ConsentCategory = self.slots["category"]
        label = self.text(f"label_{category}")
        queue: list[ConsentCategory] = self.slots.get("queue", [])
        if is_yes(answer):
            return Command(
                goto="tools", update=call_tool("record_consent", category=category, granted=True)
            )
        if is_no(answer):
            self.deps.audit.record(
                self.thread,
                "policy",
                "consent_refused",
                "customer declined the consent; nothing recorded",
                customer_code=self.code,
                data={"category": category},
            )
            done = Reply(self.text("consent_not_given", label=label))
        else:
            return self.ask_consent([category, *queue])
        return self.ask_consent(queue, done) if queue else self.say(done)

    def consent_recorded(self, ok: bool, result: str) -> Command:  # type: ignore[type-arg]
        """After the `tools` step: the consent on record; the next category is asked, if any."""
        if not ok:
            return self.say(Reply(render(COMMON, "error", self.language)))
        consent = Consent.model_validate_json(result)
        self.deps.audit.record(
            self.thread,
            "tool",
            "record_consent",
            "customer gave explicit consent to the wording shown",
            customer_code=self.code,
            data=consent.model_dump(mode="json"),
        )
        label = self.text(f"label_{consent.category}")
        done = Reply(self.text("consent_granted", label=label, at=_when(consent.at)))
        done.act(
            "record_consent",
            True,
            consent.model_dump_json(),
            args={"category": consent.category, "granted": consent.granted},
        )
        queue: list[ConsentCategory] = self.slots.get("queue", [])
        return self.ask_consent(queue, done) if queue else self.say(done)

    def revoke(self, categories: list[ConsentCategory]) -> Command:  # type: ignore[type-arg]
        """Revocation is immediate, with no question asked: one tool call per category."""
        calls = [("record_consent", {"category": c, "granted": False}) for c in categories]
        return Command(goto="tools", update=call_tools(*calls))

    def revoked(self, results: list[tuple[bool, str]]) -> Command:  # type: ignore[type-arg]
        """After the `tools` step: each withdrawal on record, with the wording recorded (and
        the apology if one of them could not be recorded)."""
        done = [Consent.model_validate_json(result) for ok, result in results if ok]
        if not done:
            return self.say(Reply(render(COMMON, "error", self.language)))
        reply = Reply("")
        wordings = []
        for consent in done:
            self.deps.audit.record(
                self.thread,
                "tool",
                "record_consent",
                "customer revoked the consent",
                customer_code=self.code,
                data=consent.model_dump(mode="json"),
            )
            reply.act(
                "record_consent",
                True,
                consent.model_dump_json(),
                args={"category": consent.category, "granted": consent.granted},
            )
            wordings.append(consent.wording)
        reply.text = self.text("revoked", at=_when(done[0].at), wordings="\n".join(wordings))
        if len(done) < len(results):
            reply.text += "\n" + render(COMMON, "error", self.language)
        return self.say(reply.cite(passage(self.deps, REVOCATION)))


class OnboardingState(ToolSteps, total=False):
    """The subgraph's own keys, for this turn only (they never reach the conversation)."""

    turn_text: str  # the request `start` serves (a menu button read as its request)
    turn_before: dict[str, Any]  # the preferences before a confirmed change is saved


def build(deps: GraphDeps) -> CompiledStateGraph:  # type: ignore[type-arg]
    """gate -> start (welcome, guide, e-mail change, preferences, consents, or an answer
    from the documents) | choose_preference | confirm_preferences (the write after a yes) |
    confirm_consent (the write after a yes)."""

    def gate(
        state: OnboardingState,
    ) -> Command[Literal["start", "choose_preference", "confirm_preferences", "confirm_consent"]]:
        node = _Node(deps, state)
        answer = user_text(state)
        answered = is_yes(answer) or is_no(answer)
        if node.step and not answered and intent_of(answer) in _OTHER_PROCEDURES:
            # a new request in the middle of a procedure
            return Command(goto="start", update={"turn_text": answer})
        if node.step == "confirm_preferences":
            return Command(goto="confirm_preferences")
        if node.step == "confirm_consent":
            return Command(goto="confirm_consent")
        if node.step == "choose_preference":
            return Command(goto="choose_preference")
        question = question_text(state)
        if node.step == "menu":
            question = node.menu_choice(question)
        return Command(goto="start", update={"turn_text": question})

    def step(method: Callable[[_Node, str], Command]) -> Callable[[OnboardingState], Command]:  # type: ignore[type-arg]
        def run(state: OnboardingState) -> Command:  # type: ignore[type-arg]
            node = _Node(deps, state)
            try:
                return method(node, state.get("turn_text") or user_text(state))
            except BackendError:
                return node.say(Reply(render(COMMON, "error", node.language)))

        return run

    def choose(node: _Node, answer: str) -> Command:  # type: ignore[type-arg]
        return node.preferences(answer, node.picked_option(answer))

    def written(state: OnboardingState) -> Command:  # type: ignore[type-arg]
        """After the `tools` step: tell what was saved, by the call that was made."""
        node = _Node(deps, state)
        results = tool_results(state)
        asked = state["turn_messages"][-len(results) - 1]
        assert isinstance(asked, AIMessage) and asked.tool_calls
        call = asked.tool_calls[0]
        try:
            if call["name"] == "set_preferences":
                before = Preferences.model_validate(state.get("turn_before") or {})
                return node.preferences_saved(*results[0], before)
            if call["args"].get("granted"):
                return node.consent_recorded(*results[0])
            return node.revoked(results)
        except BackendError:
            return node.say(Reply(render(COMMON, "error", node.language)))

    return compile_vertical(
        "onboarding",
        {
            **agent_steps(deps, "onboarding", read_tools),
            "gate": (
                gate,
                ("start", "choose_preference", "confirm_preferences", "confirm_consent"),
            ),
            "start": (step(_Node.start), ("tools",)),
            "choose_preference": (step(choose), ()),
            "confirm_preferences": (step(_Node.confirm_preferences), ("tools",)),
            "confirm_consent": (step(_Node.confirm_consent), ("tools",)),
            "tools": (tool_node(write_tools(deps)), ("written",)),
            "written": (written, ()),
        },
        state=OnboardingState,
        entry="agent",
    )
