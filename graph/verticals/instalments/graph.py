"""The instalments vertical: eligibility in code, 2-3 plans, explicit consent, the plan."""

from __future__ import annotations

import re
from typing import Any

from langgraph.types import Command

from graph.accounts import day, euro, is_no, is_yes
from graph.backends.ports import BackendError
from graph.deps import GraphDeps
from graph.prompts import render
from graph.prompts.common import TEMPLATES as COMMON
from graph.prompts.instalments import TEMPLATES
from graph.reply import Reply, user_text
from graph.state import Choice, ConversationState
from graph.verticals.instalments.rules import PlanOption
from graph.verticals.instalments.tools import assess, candidate_bill, create_plan
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
    ordinal = re.fullmatch(r"\s*(?:opzione|piano|option|plan)?\s*([1-3])\W*", folded)
    if ordinal and int(ordinal.group(1)) <= len(options):
        return options[int(ordinal.group(1)) - 1]
    return None


def make_node(deps: GraphDeps):  # type: ignore[no-untyped-def]
    def instalments(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        code = state.get("customer_code") or ""
        thread = state.get("user_id", "")
        flow = state.get("flow") or {}
        slots = flow.get("slots", {})
        step = flow.get("step")
        text = user_text(state)
        today = deps.clock().date()

        def say(reply: Reply, **update: Any) -> Command:  # type: ignore[type-arg]
            return Command(goto="respond", update=reply.update(**update))

        if not state.get("identified"):
            return Command(
                goto="identify", update={"pending_route": "instalments", "pending_text": text}
            )
        try:
            if step == "refused":
                if _INSIST.search(fold(text)) and not is_no(text):
                    return Command(
                        goto="handoff",
                        update={"handoff_reason": "instalments not eligible; customer insists"},
                    )
                step = None
            if step == "choose":
                chosen = _chosen(text, slots["options"])
                if chosen is None:
                    return say(
                        Reply(
                            render(TEMPLATES, "pick_one", language),
                            choices=_choices(slots["choices"]),
                        )
                    )
                reply = _consent(chosen, language)
                return say(
                    reply,
                    flow={
                        "vertical": "instalments",
                        "step": "consent",
                        "slots": {**slots, "option": chosen.model_dump(mode="json")},
                    },
                )
            if step == "consent":
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
                    bill = deps.backend.get_bill(code, slots["bill_id"])
                    plan = create_plan(deps.backend, bill, option)
                    deps.audit.record(
                        thread,
                        "tool",
                        "create_instalment_plan",
                        "eligible bill; customer gave explicit consent",
                        customer_code=code,
                        data={
                            "plan_id": plan.plan_id,
                            "bill_id": bill.bill_id,
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
                        plan.model_dump_json(),
                        args={"bill_id": plan.bill_id, "instalments": len(plan.instalments)},
                    )
                    return say(reply, flow=None)
                if is_no(text):
                    deps.audit.record(
                        thread,
                        "policy",
                        "consent_refused",
                        "customer declined the instalment plan",
                        customer_code=code,
                    )
                    return say(Reply(render(TEMPLATES, "cancelled", language)), flow=None)
                return say(_consent(option, language))
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
            return say(Reply(render(COMMON, "error", language)))

    return instalments


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
        choices=[
            Choice(id="yes", title=render(TEMPLATES, "yes", language)),
            Choice(id="no", title=render(TEMPLATES, "no", language)),
        ],
    )
    reply.evidence.append(option.model_dump_json())
    return reply
