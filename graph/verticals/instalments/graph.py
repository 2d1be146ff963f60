"""The instalments vertical: eligibility in code, 2-3 plans, explicit consent, the plan."""

from __future__ import annotations

import re
from typing import Any, Literal

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from graph.accounts import day, euro, is_no, is_yes
from graph.agent import agent_steps
from graph.backends.ports import BackendError, InstalmentPlan
from graph.deps import GraphDeps
from graph.grounded import vertical_answer
from graph.policy import asks_how_things_work
from graph.prompts import render
from graph.reply import Reply, question_text, user_text
from graph.slots import find_position
from graph.state import Choice, ConversationState
from graph.subgraph import (
    ToolSteps,
    ask_identity,
    backend_failed,
    call_tool,
    compile_vertical,
    leave,
    tool_node,
    tool_result,
    yes_no,
)
from graph.verticals.instalments.rules import PlanOption
from graph.verticals.instalments.texts import TEMPLATES
from graph.verticals.instalments.tools import assess, candidate_bill, read_tools, write_tools
from knowledge.sparse import fold

MAX_OPTIONS = 3  # WhatsApp reply buttons
_INSIST = re.compile(
    r"\b(ma |insist|per favore|ti prego|devo per forza|non posso pagare|"
    r"please|i need|can't pay|je dois|s'il vous plait|impossible)"
)


def _option_title(option: PlanOption, language: str) -> str:
    return render(TEMPLATES, "option_short", language, count=option.count)


def _chosen(text: str, raw_options: list[dict[str, Any]]) -> PlanOption | None:
    """The plan the customer picked: by its number of instalments, or by its position."""
    options = [PlanOption.model_validate(o) for o in raw_options]
    folded = fold(text)
    counts = [o.count for o in options]
    for number in re.findall(r"\d+", folded):
        if int(number) in counts:
            return options[counts.index(int(number))]
    position = find_position(text, len(options))
    return options[position] if position is not None else None


_COUNT_ASKED = re.compile(
    r"\b(\d{1,2})\s*(rat[ae]|instal+ments?|rates|mensualites?|fois|mesi|months?|mois)\b"
)


def _count_asked(text: str) -> int | None:
    """A number of instalments the customer asks for ("3 rate", "in 3 fois"), if any."""
    match = _COUNT_ASKED.search(fold(text))
    return int(match[1]) if match else None


def _either(counts: list[int], language: str) -> str:
    """6 o 12 / 6 or 12 / 6 ou 12."""
    word = {"it": "o", "en": "or", "fr": "ou"}.get(language, "o")
    head = ", ".join(str(c) for c in counts[:-1])
    return f"{head} {word} {counts[-1]}" if head else str(counts[-1])


def build(deps: GraphDeps) -> CompiledStateGraph:  # type: ignore[type-arg]
    """gate -> identify (in the main graph) | assess (eligibility in code, 2-3 plans) |
    choose (the customer picks a plan) | consent (the summary, explicitly confirmed) ->
    create_plan (the only write, reached through consent) | refused (not eligible; an
    insisting customer goes to an operator)."""

    def say(reply: Reply, **update: Any) -> Command:  # type: ignore[type-arg]
        return leave("respond", reply.update(**update))

    def gate(
        state: ConversationState,
    ) -> Command[Literal["assess", "choose", "consent", "refused"]]:
        if not state.get("identified"):
            return ask_identity("instalments", user_text(state))
        step = (state.get("flow") or {}).get("step")
        if step == "refused":
            return Command(goto="refused")
        if step == "choose":
            return Command(goto="choose")
        if step == "consent":
            return Command(goto="consent")
        question = question_text(state)
        if not state.get("pending_text") and asks_how_things_work("instalments", question):
            # a question about the rules, from someone already identified ("how many
            # instalments at least?"): the documents answer it, no eligibility check
            return leave("respond", vertical_answer(deps, state, "instalments").update())
        return Command(goto="assess")

    def refused(state: ConversationState) -> Command[Literal["assess"]]:
        text = user_text(state)
        if _INSIST.search(fold(text)) and not is_no(text):
            return leave(
                "handoff", {"handoff_reason": "instalments not eligible; customer insists"}
            )
        return Command(goto="assess")

    def choose(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        slots = (state.get("flow") or {}).get("slots", {})
        text = user_text(state)
        chosen = _chosen(text, slots["options"])
        if chosen is None:
            # A number of instalments that is not offered ("ok 3 rates" to 6 or 12): said so,
            # with what is (it got "which plan?" again, as if nothing had been asked).
            asked = _count_asked(text)
            offered = [PlanOption.model_validate(o).count for o in slots["options"]]
            key = "pick_one" if asked is None else "count_not_offered"
            return say(
                Reply(
                    render(
                        TEMPLATES,
                        key,
                        language,
                        count=asked,
                        offered=_either(offered, language),
                    ),
                    choices=_choices(slots["choices"]),
                )
            )
        return say(
            _consent(chosen, language),
            flow={
                "vertical": "instalments",
                "step": "consent",
                "slots": {**slots, "option": chosen.model_dump(mode="json")},
            },
        )

    def consent(state: ConversationState) -> Command[Literal["create_plan"]]:
        language = state.get("language", "it")
        text = user_text(state)
        slots = (state.get("flow") or {}).get("slots", {})
        option = PlanOption.model_validate(slots["option"])
        # A change of mind at the summary ("no aspetta, meglio 6"): the other plan's
        # summary, to be confirmed in its turn; nothing is created yet.
        other = _chosen(text, slots.get("options", []))
        if other is not None and other.count != option.count:
            return say(
                _consent(other, language),
                flow={
                    "vertical": "instalments",
                    "step": "consent",
                    "slots": {**slots, "option": other.model_dump(mode="json")},
                },
            )
        if is_yes(text):
            return Command(goto="create_plan")
        if is_no(text):
            deps.audit.record(
                state.get("user_id", ""),
                "policy",
                "consent_refused",
                "customer declined the instalment plan",
                customer_code=state.get("customer_code"),
            )
            return say(Reply(render(TEMPLATES, "cancelled", language)), flow=None)
        return say(_consent(option, language))

    def create_plan_step(state: ToolSteps) -> Command[Literal["tools"]]:
        """The write is asked for only here, after the customer confirmed this very plan;
        the tool itself checks that again against the state."""
        slots = (state.get("flow") or {}).get("slots", {})
        count = PlanOption.model_validate(slots["option"]).count
        call = call_tool("create_instalment_plan", bill_id=slots["bill_id"], instalments=count)
        return Command(goto="tools", update=call)

    def created(state: ToolSteps) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        code = state.get("customer_code") or ""
        ok, result = tool_result(state)
        if not ok:
            return backend_failed(language)
        plan = InstalmentPlan.model_validate_json(result)
        option = PlanOption.model_validate((state.get("flow") or {}).get("slots", {})["option"])
        deps.audit.record(
            state.get("user_id", ""),
            "tool",
            "create_instalment_plan",
            "eligible bill; customer gave explicit consent",
            customer_code=code,
            data={
                "plan_id": plan.plan_id,
                "bill_id": plan.bill_id,
                "count": option.count,
                "total": str(option.total),
            },
        )
        first = option.instalments[0]
        reply = Reply(
            render(
                TEMPLATES,
                "created",
                language,
                plan=plan.plan_id,
                count=option.count,
                amount=euro(first.amount),
                first=day(first.due_date),
            )
        )
        reply.act(
            "create_instalment_plan",
            True,
            result,
            args={"bill_id": plan.bill_id, "instalments": len(plan.instalments)},
        )
        return say(reply, flow=None)

    def assess_step(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        code = state.get("customer_code") or ""
        thread = state.get("user_id", "")
        today = deps.clock().date()
        try:
            customer = deps.backend.get_customer(code)
            candidate = candidate_bill(deps.backend, code)
            reply = Reply("")
            if candidate is None:
                reply.text = render(TEMPLATES, "no_bill", language)
                return say(reply.act("find_open_bill", True), flow=None)
            bill = candidate
            eligibility, plans = assess(deps.backend, customer, bill, today, deps.ecb_rate)
            reply.act("check_instalment_eligibility", True, eligibility.model_dump_json())
            deps.audit.record(
                thread,
                "tool",
                "check_instalment_eligibility",
                "eligible"
                if eligibility.eligible
                else "not eligible: " + ", ".join(eligibility.reasons),
                customer_code=code,
                data={"bill_id": bill.bill_id, "grounds": eligibility.grounds},
            )
            if not eligibility.eligible:
                reasons = "; ".join(
                    render(
                        TEMPLATES,
                        f"reason_{r}",
                        language,
                        deadline=day(eligibility.deadline),
                        average=euro(eligibility.average) if eligibility.average else "-",
                        threshold=euro(eligibility.threshold) if eligibility.threshold else "-",
                    )
                    for r in eligibility.reasons
                    if f"reason_{r}" in TEMPLATES
                )
                reply.text = "\n".join(
                    [
                        render(
                            TEMPLATES,
                            "not_eligible",
                            language,
                            number=bill.number,
                            amount=euro(bill.amount),
                            reasons=reasons or "-",
                        ),
                        render(TEMPLATES, "insist_hint", language),
                    ]
                )
                reply.evidence.append(bill.model_dump_json())
                return say(
                    reply,
                    flow={
                        "vertical": "instalments",
                        "step": "refused",
                        "slots": {"bill_id": bill.bill_id},
                    },
                )
            options = plans[:MAX_OPTIONS]
            lines = [
                render(
                    TEMPLATES,
                    "eligible",
                    language,
                    number=bill.number,
                    amount=euro(bill.amount),
                    due=day(bill.due_date),
                )
            ]
            lines += [
                f"{i}) "
                + render(
                    TEMPLATES,
                    "option",
                    language,
                    count=o.count,
                    amount=euro(o.instalments[0].amount),
                    total=euro(o.total),
                )
                for i, o in enumerate(options, 1)
            ]
            choices = [
                Choice(id=f"plan-{o.count}", title=_option_title(o, language)) for o in options
            ]
            reply.text = "\n".join(lines)
            reply.choices = choices
            reply.evidence += [o.model_dump_json() for o in options]
            return say(
                reply,
                flow={
                    "vertical": "instalments",
                    "step": "choose",
                    "slots": {
                        "bill_id": bill.bill_id,
                        "options": [o.model_dump(mode="json") for o in options],
                        "choices": [dict(c) for c in choices],
                    },
                },
            )
        except BackendError:
            return backend_failed(language)

    return compile_vertical(
        "instalments",
        {
            **agent_steps(deps, "instalments", read_tools),
            "gate": (gate, ("assess", "choose", "consent", "refused")),
            "refused": (refused, ("assess",)),
            "assess": (assess_step, ()),
            "choose": (choose, ()),
            "consent": (consent, ("create_plan",)),
            "create_plan": (create_plan_step, ("tools",)),
            "tools": (tool_node(write_tools(deps.backend)), ("created",)),
            "created": (created, ()),
        },
        state=ToolSteps,
        entry="agent",
    )


def _choices(raw: list[dict[str, str]]) -> list[Choice]:
    return [Choice(id=c["id"], title=c["title"]) for c in raw]


def _consent(option: PlanOption, language: str) -> Reply:
    """The summary the customer must explicitly confirm before a plan is created."""
    first = option.instalments[0]
    reply = Reply(
        render(
            TEMPLATES,
            "consent",
            language,
            count=option.count,
            amount=euro(first.amount),
            first=day(first.due_date),
            total=euro(option.total),
            interest=euro(option.interest),
        ),
        choices=yes_no(language),
    )
    reply.evidence.append(option.model_dump_json())
    return reply
