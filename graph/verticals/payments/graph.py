"""The payments vertical: what is due, "I already paid", how to pay, late-payment notices."""

from __future__ import annotations

import json
import re
from typing import Literal

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from graph.accounts import commodity_name, day, euro, is_no, is_yes
from graph.agent import agent_steps
from graph.answers import asks_for_a_figure
from graph.backends.ports import BackendError, Bill, Ticket
from graph.deps import GraphDeps
from graph.grounded import knowledge_reply, vertical_answer
from graph.policy import asks_how_things_work, needs_identity
from graph.prompts import render
from graph.reply import Reply, has_no_subject, question_text, user_text
from graph.slots import find_amount, find_date
from graph.state import ConversationState
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
from graph.verticals.payments.texts import TEMPLATES
from graph.verticals.payments.tools import (
    match_claimed_payment,
    read_tools,
    unpaid_bills,
    write_tools,
)
from knowledge.sparse import fold

_PAID = re.compile(
    r"(gia pagat|ho (gia )?pagato|pagata|already paid|i paid|i've paid|"
    r"have paid|deja paye|j'ai paye|j'ai deja)"
)
# The same bill paid twice: the extra is refunded or deducted, nothing is missing.
_TWICE = re.compile(
    r"\b(due volte|doppio pagamento|pagat\w* doppi\w*|twice|double payment|paid double|"
    r"deux fois|double paiement)\b"
)
_NOTICE = re.compile(
    r"(sollecit|mora|sospension|sospes|distacc|staccare|reminder|notice|"
    r"suspen|cut off|relance|mise en demeure|coupure|lettera)"
)
_HOW = re.compile(
    r"(come (posso )?pag|metod|modalit|link|carta|bonifico|pagopa|how (can i|to) "
    r"pay|payment method|comment payer|moyen de paiement|domiciliazione)"
)


def build(deps: GraphDeps) -> CompiledStateGraph:  # type: ignore[type-arg]
    """gate -> answer (how to pay, late-payment rules: from the documents) | identify (in the
    main graph) | account (what is due, a claimed payment matched or a ticket opened)."""

    def gate(state: ConversationState) -> Command[Literal["answer", "account", "confirm_claim"]]:
        question = question_text(state)
        flow = state.get("flow") or {}
        if state.get("identified") and flow.get("step") == "confirm_claim":
            return Command(goto="confirm_claim")
        if state.get("identified"):
            # (a question the customer was identified for is about their own account; so is
            # "and how much is it?" right after their bills to pay were listed)
            text = user_text(state)
            about_the_bills_shown = (
                state.get("last_route") == "payments"
                and has_no_subject(text)
                and asks_for_a_figure(text)
            )
            if (
                not state.get("pending_text")
                and not about_the_bills_shown
                and asks_how_things_work("payments", question)
            ):
                return Command(goto="answer")
            return Command(goto="account")
        if needs_identity("payments", question):
            return ask_identity("payments", question)
        return Command(goto="answer")

    def answer(state: ConversationState) -> Command:  # type: ignore[type-arg]
        reply = vertical_answer(deps, state, "payments")
        return leave("respond", reply.update())

    def account(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        question = question_text(state)
        folded = fold(question)
        code = state.get("customer_code") or ""
        try:
            due = unpaid_bills(deps.backend, code)
            reply = Reply("")
            reply.act("list_unpaid_bills", True, [b.model_dump_json() for b in due])
            today = deps.clock().date()
            if _TWICE.search(folded):
                return _paid_twice(deps, question, language, code, reply)
            if _PAID.search(folded) and due:
                payments_made = deps.backend.list_payments(code)
                match = match_claimed_payment(
                    due, payments_made, find_amount(question), find_date(question, today)
                )
                reply.act("match_payment", match is not None)
                if match is not None:
                    bill, payment = match
                    reply.evidence.append(payment.model_dump_json())
                    reply.text = render(
                        TEMPLATES,
                        "payment_matched",
                        language,
                        amount=euro(payment.amount),
                        date=day(payment.paid_on),
                        number=bill.number,
                    )
                else:  # a claim to check, opened only if the customer wants it
                    reply.text = render(
                        TEMPLATES,
                        "claim_offer",
                        language,
                        number=due[0].number,
                        amount=euro(due[0].amount),
                    )
                    reply.choices = yes_no(language)
                    claim = {"bill_id": due[0].bill_id}
                    flow = {"vertical": "payments", "step": "confirm_claim", "slots": claim}
                    return leave("respond", reply.update(flow=flow))
                return leave("respond", reply.update())
            lines = []
            if _NOTICE.search(folded) or _HOW.search(folded):
                kb = knowledge_reply(deps, question, language, verticals=["payments"])
                lines.append(kb.text)
                reply.citations, reply.evidence = kb.citations, reply.evidence + kb.evidence
            if due:
                lines.append(render(TEMPLATES, "unpaid_header", language))
                for bill in due[:3]:
                    late = render(TEMPLATES, "overdue", language) if bill.due_date < today else ""
                    lines.append(
                        render(
                            TEMPLATES,
                            "unpaid_line",
                            language,
                            number=bill.number,
                            commodity=commodity_name(bill.commodity, language),
                            amount=euro(bill.amount),
                            due=day(bill.due_date),
                            late=late,
                        )
                    )
                link = deps.backend.payment_link(code, due[0].bill_id)
                reply.act("payment_link", True, link)
                lines.append(
                    render(TEMPLATES, "pay_link", language, number=due[0].number, link=link)
                )
            elif not lines:
                made = sorted(deps.backend.list_payments(code), key=lambda p: p.paid_on)
                reply.act("list_payments", True)
                lines.append(
                    render(
                        TEMPLATES,
                        "all_paid",
                        language,
                        amount=euro(made[-1].amount),
                        date=day(made[-1].paid_on),
                    )
                    if made
                    else render(TEMPLATES, "nothing_due", language)
                )
            reply.text = "\n".join(lines)
            return leave("respond", reply.update())
        except BackendError:
            return backend_failed(language)

    def confirm_claim(state: ConversationState) -> Command[Literal["tools"]]:
        """The customer's yes opens the claim (through the tools step, as an LLM's tool call
        would); a no opens nothing; anything else gets the question again."""
        language = state.get("language", "it")
        text = user_text(state)
        slots = (state.get("flow") or {}).get("slots") or {}
        if is_yes(text):
            return Command(goto="tools", update=call_tool("open_ticket", bill_id=slots["bill_id"]))
        if is_no(text):
            declined = Reply(render(TEMPLATES, "claim_declined", language))
            return leave("respond", declined.update(flow=None))
        again = Reply(_last_offer(state), choices=yes_no(language))
        return leave("respond", again.update())

    def claim_opened(state: ToolSteps) -> Command:  # type: ignore[type-arg]
        """The claim is open: its number, and the receipt the customer is asked for."""
        language = state.get("language", "it")
        ok, result = tool_result(state)
        if not ok:
            return backend_failed(language)
        found = json.loads(result)
        ticket, bill = Ticket.model_validate(found["ticket"]), Bill.model_validate(found["bill"])
        reply = Reply(
            render(
                TEMPLATES,
                "claim_opened",
                language,
                number=bill.number,
                amount=euro(bill.amount),
                ticket=ticket.ticket_id,
            )
        )
        reply.act("list_unpaid_bills", True, [bill.model_dump_json()])
        reply.act("open_ticket", True, ticket.ticket_id)
        deps.audit.record(
            state.get("user_id", ""),
            "tool",
            "open_ticket",
            "claimed payment not found",
            customer_code=state.get("customer_code"),
            data={"ticket_id": ticket.ticket_id},
        )
        return leave("respond", reply.update(flow=None))

    return compile_vertical(
        "payments",
        {
            **agent_steps(deps, "payments", read_tools),
            "gate": (gate, ("answer", "account", "confirm_claim")),
            "confirm_claim": (confirm_claim, ("tools",)),
            "answer": (answer, ()),
            "account": (account, ("tools",)),
            "tools": (tool_node(write_tools(deps.backend)), ("claim_opened",)),
            "claim_opened": (claim_opened, ()),
        },
        state=ToolSteps,
        entry="agent",
    )


def _last_offer(state: ConversationState) -> str:
    """The offer to open the claim, as it was made (the reply's first paragraph)."""
    return (state.get("reply") or "").split("\n\n")[0]


def _paid_twice(deps: GraphDeps, question: str, language: str, code: str, reply: Reply) -> Command:  # type: ignore[type-arg]
    """The same bill paid twice: what the documents say (the extra is refunded or deducted,
    with the two receipts), then the payments recorded, for the customer to see. Nothing is
    written: it was taken for a payment not found, and a claim opened on the bill to pay."""
    kb = knowledge_reply(deps, question, language, verticals=["payments"])
    made = sorted(deps.backend.list_payments(code), key=lambda p: p.paid_on, reverse=True)
    reply.act("list_payments", True)
    lines = [kb.text, render(TEMPLATES, "payments_header", language)]
    lines += [
        render(TEMPLATES, "payment_line", language, date=day(p.paid_on), amount=euro(p.amount))
        for p in made[:4]
    ]
    reply.text = "\n".join(lines) if made else kb.text
    reply.citations, reply.evidence = kb.citations, reply.evidence + kb.evidence
    reply.actions.extend(kb.actions)
    return leave("respond", reply.update())
