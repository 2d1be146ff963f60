"""The billing vertical: explain a bill, compare it, send a copy, spot duplicates, escalate."""

from __future__ import annotations

import re
from typing import Any, Literal

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from graph.accounts import commodity_name, day, euro, is_no, is_yes, pick_supply
from graph.agent import agent_steps
from graph.backends.ports import BackendError, Bill, Ticket
from graph.deps import GraphDeps
from graph.grounded import retrieve, vertical_answer
from graph.policy import asks_how_things_work, needs_identity
from graph.prompts import render
from graph.prompts.common import TEMPLATES as COMMON
from graph.reply import Reply, question_text, user_text
from graph.slots import find_month
from graph.state import ConversationState, Flow
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
from graph.verticals.billing.texts import TEMPLATES
from graph.verticals.billing.tools import (
    bills_of,
    bills_of_customer,
    compare_with_average,
    find_duplicates,
    open_anomaly_ticket,
    read_tools,
    write_tools,
)
from knowledge.retriever import KnowledgeUnavailable
from knowledge.schema import Hit
from knowledge.sparse import fold

_INSTALMENTS = re.compile(
    r"\b(rat[ae]|rateizz\w*|instal\w*|install?ments?|echelonn\w*|plusieurs fois)\b"
)
_COPY = re.compile(
    r"\b(copi[ae]|duplicato|pdf|invia|invii|inviami|mandami|mandi\b|mandate\b|mandare\b|"
    r"mandarmi|rimanda|copy|send|"
    r"envoy|renvoy)\w*"
)
_DOUBLE = re.compile(
    r"\b(doppi[ae]|due volte|addebitat\w* due|duplicate|twice|double|deux fois|"
    r"doublon)"
)
_HIGH = re.compile(
    r"\b(alt[ao]|alte|altissim\w*|troppo|car[ao]|carissim\w*|salat[ao]|conguagli\w*|assurd\w*|high|"
    r"expensive|too much|elevee|chere?|trop|regularisation|enorme|"
    # the usual amount beside the new one: "300 euro quando di solito pago 80"
    r"di solito|del solito|cosi tanto|usually|than usual|so much|d'habitude|autant)\b"
)


def _explain(bill: Bill, language: str) -> str:
    kind = "kind_estimated" if bill.estimated else "kind_actual"
    lines = [
        render(
            TEMPLATES,
            "bill_summary",
            language,
            commodity=commodity_name(bill.commodity, language),
            number=bill.number,
            start=day(bill.period_start),
            end=day(bill.period_end),
            amount=euro(bill.amount),
            due=day(bill.due_date),
            status=render(TEMPLATES, f"status_{bill.status}", language),
            kind=render(TEMPLATES, kind, language),
        )
    ]
    if bill.lines:
        lines.append(render(TEMPLATES, "items_header", language))
        lines += [f"• {line.description}: {euro(line.amount)}" for line in bill.lines[:8]]
    return "\n".join(lines)


def build(deps: GraphDeps) -> CompiledStateGraph:  # type: ignore[type-arg]
    """gate -> answer (how bills work, from the documents) | identify (in the main graph)
    | confirm_ticket | offer_instalments | account (the customer's own bills)."""

    def gate(
        state: ConversationState,
    ) -> Command[Literal["answer", "confirm_ticket", "offer_instalments", "account"]]:
        question = question_text(state)
        if not state.get("identified"):
            if needs_identity("billing", question):
                return ask_identity("billing", question)
            return Command(goto="answer")
        step = (state.get("flow") or {}).get("step")
        if step == "confirm_ticket":
            return Command(goto="confirm_ticket")
        if step == "offer_instalments":
            return Command(goto="offer_instalments")
        # (a question the customer was identified for is about their own account; so is
        # "e come mai così tanto?" right after their bill was shown)
        text = user_text(state)
        about_the_bill_shown = (
            state.get("last_route") == "billing"
            and len(text.split()) <= 8  # a short follow-up, no new topic
            and bool(_HIGH.search(fold(text)))
        )
        if (
            not state.get("pending_text")
            and not about_the_bill_shown
            and asks_how_things_work("billing", question)
        ):
            return Command(goto="answer")
        return Command(goto="account")

    def answer(state: ConversationState) -> Command:  # type: ignore[type-arg]
        reply = vertical_answer(deps, state, "billing")
        return leave("respond", reply.update())

    def confirm_ticket(state: ConversationState) -> Command[Literal["tools"]]:
        """The customer's yes to the check of an anomalous bill asks for the ticket."""
        return _confirm_ticket(state, state.get("flow") or {}, state.get("language", "it"))

    def ticket_opened(state: ToolSteps) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        ok, result = tool_result(state)
        if not ok:
            return backend_failed(language)
        ticket = Ticket.model_validate_json(result)
        deps.audit.record(
            state.get("user_id", ""),
            "tool",
            "open_ticket",
            "customer confirmed an anomalous bill check",
            customer_code=state.get("customer_code"),
            data={
                "ticket_id": ticket.ticket_id,
                "bill_id": (state.get("flow") or {}).get("slots", {}).get("bill_id"),
            },
        )
        reply = Reply(render(TEMPLATES, "ticket_opened", language, ticket=ticket.ticket_id))
        reply.act("open_ticket", True, ticket.ticket_id)
        return leave("respond", reply.update(flow=None))

    def offer_instalments(
        state: ConversationState,
    ) -> Command[Literal["account"]]:
        """After a high bill: a yes goes on to the instalments vertical, a no closes."""
        language = state.get("language", "it")
        question = question_text(state)
        if is_yes(question) or _INSTALMENTS.search(fold(question)):
            return leave("instalments", {"flow": None, "route": "instalments"})
        if is_no(question):
            return leave(
                "respond",
                {**Reply(render(COMMON, "resume_declined", language)).update(), "flow": None},
            )
        return Command(goto="account")

    def account(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        question = question_text(state)
        code = state["customer_code"] or ""
        thread = state.get("user_id", "")
        try:
            customer = deps.backend.get_customer(code)
            pick = pick_supply(customer, question, language)
            if pick.supply is not None:
                bills = bills_of(deps.backend, code, pick.supply.supply_id)
            else:  # no commodity named: the customer's newest bill, whatever the supply
                newest = bills_of_customer(deps.backend, code)
                bills = bills_of(deps.backend, code, newest[0].supply_id) if newest else []
            if not bills:
                return leave(
                    "respond", Reply(render(TEMPLATES, "no_bills", language)).update(flow=None)
                )
            # the bill of a month named ("e quella di settembre?"), else the newest
            said = user_text(state)
            year = re.search(r"\b20\d\d\b", said)
            named, bills = _of_month(
                bills,
                find_month(said) or find_month(question),
                int(year.group(0)) if year else None,
            )
            folded = fold(question)
            update: dict[str, Any] = {"flow": None}
            if _COPY.search(folded):
                latest = bills[0]
                deps.backend.bill_pdf(code, latest.bill_id)
                reply = Reply(
                    render(
                        TEMPLATES,
                        "pdf_sent",
                        language,
                        number=latest.number,
                        amount=euro(latest.amount),
                        due=day(latest.due_date),
                    )
                )
                reply.attachments.append(
                    {
                        "kind": "document",
                        "bill_id": latest.bill_id,
                        "filename": f"bolletta-{latest.number}.pdf",
                    }
                )
                reply.act("send_bill_pdf", True, latest.model_dump_json())
                deps.audit.record(
                    thread,
                    "tool",
                    "send_bill_pdf",
                    "customer asked for a copy",
                    customer_code=code,
                    data={"bill_id": latest.bill_id},
                )
            elif _DOUBLE.search(folded):
                pair = find_duplicates(bills)
                reply = Reply("")
                reply.act("find_duplicate_bills", True)
                if pair is None:
                    reply.text = render(TEMPLATES, "no_duplicate", language)
                else:
                    first, second = pair
                    summary = (
                        f"Possible duplicate bills {first.number} and {second.number}, "
                        f"same period and amount {first.amount}"
                    )
                    ticket = open_anomaly_ticket(deps.backend, second, summary)
                    reply.act("open_ticket", True, ticket.ticket_id)
                    deps.audit.record(
                        thread,
                        "tool",
                        "open_ticket",
                        "duplicate bills found",
                        customer_code=code,
                        data={"ticket_id": ticket.ticket_id},
                    )
                    reply.text = "\n".join(
                        [
                            render(
                                TEMPLATES,
                                "duplicate_found",
                                language,
                                first=first.number,
                                second=second.number,
                                amount=euro(first.amount),
                            ),
                            render(TEMPLATES, "ticket_opened", language, ticket=ticket.ticket_id),
                        ]
                    )
            elif _HIGH.search(folded) and named is not False:
                reply, update = _analyse(deps, bills, language, question)
            else:  # in LLM mode the agent step answered, unless the model declined or failed
                reply = Reply(_explain(bills[0], language))
                if named is False:
                    reply.text = f"{render(TEMPLATES, 'no_bill_of_month', language)}\n{reply.text}"
                reply.act("get_bill", True, bills[0].model_dump_json())
                reply.cite(
                    _cited(
                        deps,
                        "voci della bolletta materia energia trasporto oneri di sistema imposte",
                        commodity=bills[0].commodity,
                    )
                )
            return leave("respond", reply.update(**update))
        except BackendError:
            return backend_failed(language)

    return compile_vertical(
        "billing",
        {
            **agent_steps(deps, "billing", read_tools),
            "gate": (gate, ("answer", "confirm_ticket", "offer_instalments", "account")),
            "answer": (answer, ()),
            "confirm_ticket": (confirm_ticket, ("tools",)),
            "tools": (tool_node(write_tools(deps.backend)), ("ticket_opened",)),
            "ticket_opened": (ticket_opened, ()),
            "offer_instalments": (offer_instalments, ("account",)),
            "account": (account, ()),
        },
        state=ToolSteps,
        entry="agent",
    )


def _of_month(
    bills: list[Bill], month: int | None, year: int | None = None
) -> tuple[bool | None, list[Bill]]:
    """The bills with the newest one covering `month` (of `year`, when one is named) first:
    (True, bills) when one does, (False, bills) when none does (the newest stays first),
    (None, bills) for no month."""
    if month is None:
        return None, bills
    for bill in bills:  # newest first
        start, end = bill.period_start, bill.period_end
        months = {
            (start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1)
            for i in range((end.year - start.year) * 12 + end.month - start.month + 1)
        }
        if any(m == month and year in (None, y) for y, m in months):
            return True, [bill, *(b for b in bills if b is not bill)]
    return False, bills


def _cited(deps: GraphDeps, query: str, commodity: str | None = None) -> list[Hit]:
    """The billing passage to cite, or none when the documents cannot be consulted (the
    explanation comes from the bill itself)."""
    try:
        return retrieve(deps, query, verticals=["billing"], commodity=commodity, k=1)
    except KnowledgeUnavailable:
        return []


def _analyse(
    deps: GraphDeps, bills: list[Bill], language: str, question: str
) -> tuple[Reply, dict[str, Any]]:
    comparison = compare_with_average(bills)
    bill = comparison.bill
    reply = Reply(_explain(bill, language))
    reply.act("compare_with_average", True, comparison)
    lines = [reply.text]
    if comparison.average is not None and comparison.ratio is not None:
        lines.append(
            render(
                TEMPLATES,
                "comparison",
                language,
                amount=euro(bill.amount),
                ratio=str(comparison.ratio).replace(".", ","),
                average=euro(comparison.average),
            )
        )
    update: dict[str, Any] = {"flow": None}
    if bill.conguaglio:
        lines.append(
            render(
                TEMPLATES, "conguaglio", language, estimated=comparison.estimated_before or "più"
            )
        )
        reply.cite(_cited(deps, "conguaglio bolletta dopo acconti stimati"))
        if comparison.anomalous and bill.status == "unpaid":
            lines.append(render(TEMPLATES, "instalments_hint", language))
            reply.choices = yes_no(language)
            # A yes (or "rate") goes on to the instalments procedure for this customer.
            update["flow"] = {
                "vertical": "billing",
                "step": "offer_instalments",
                "slots": {"bill_id": bill.bill_id},
            }
    elif comparison.anomalous:
        lines.append(render(TEMPLATES, "offer_ticket", language))
        reply.choices = yes_no(language)
        update["flow"] = {
            "vertical": "billing",
            "step": "confirm_ticket",
            "slots": {
                "bill_id": bill.bill_id,
                "supply_id": bill.supply_id,
                "summary": f"Bill {bill.number}: {bill.amount} EUR is {comparison.ratio}x the "
                f"12-month average {comparison.average} EUR; customer asks why.",
            },
        }
    reply.text = "\n".join(lines)
    return reply, update


def _confirm_ticket(state: ConversationState, flow: Flow, language: str) -> Command:  # type: ignore[type-arg]
    text = user_text(state)
    slots = flow.get("slots", {})
    if is_yes(text):  # the write goes through the tools step, as an LLM's tool call would
        return Command(goto="tools", update=call_tool("open_ticket", bill_id=slots["bill_id"]))
    if is_no(text):
        return leave(
            "respond", Reply(render(TEMPLATES, "ticket_declined", language)).update(flow=None)
        )
    return leave(
        "respond",
        Reply(
            render(TEMPLATES, "offer_ticket", language),
            choices=yes_no(language),
        ).update(),
    )
