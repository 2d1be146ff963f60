"""Each vertical's procedure end to end over several turns, offline brain, demo backend."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.conftest import converse

GIULIA, LORENZO, SILVIA, FRANCESCO, SARAH = (
    "LM00010001",
    "LM00010009",
    "LM00010016",
    "LM00010017",
    "LM00010028",
)


def _tools(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {a.tool for a in result.actions}


def test_instalment_plan_with_explicit_consent(make_graph) -> None:
    graph, deps = make_graph()
    results = converse(
        graph,
        "vorrei pagare a rate la bolletta del gas",
        GIULIA,
        "123456",
        "6",
        "sì",
        user="wa-inst",
    )
    offer, summary, done = results[2], results[3], results[4]
    assert offer.route == "instalments"
    assert 2 <= len(offer.choices) <= 3 and all("rate" in c["title"] for c in offer.choices)
    assert "check_instalment_eligibility" in _tools(offer)
    assert "6 rate mensili" in (summary.reply or "") and "Confermi" in (summary.reply or "")
    assert "create_instalment_plan" in _tools(done)
    plans = deps.backend.list_plans(GIULIA)
    new = [p for p in plans if p.status == "active" and len(p.instalments) == 6]
    assert len(new) == 1
    bill = deps.backend.get_bill(GIULIA, new[0].bill_id)
    assert bill.status == "in_instalments"
    assert sum((i.amount for i in new[0].instalments), Decimal(0)) == new[0].total
    amount = re.search(r"6 rate da ([\d.,]+) €", done.reply or "")
    assert (
        amount
        and Decimal(amount.group(1).replace(".", "").replace(",", "."))
        == new[0].instalments[0].amount
    )
    audit = [e for e in deps.audit.events(kind="tool") if e.name == "create_instalment_plan"]
    assert audit and "consent" in audit[0].reason


@pytest.mark.parametrize(
    ("pick", "position"),
    [("la prima", 0), ("the second one", 1), ("la seconda", 1), ("la dernière", -1)],
)
def test_an_instalment_plan_picked_by_its_position(make_graph, pick: str, position: int) -> None:
    """ "la prima" after the plans were listed got "Quale piano preferisci?" again and again:
    only a number of instalments or a digit picked a plan."""
    graph, _ = make_graph()
    *_, offer = converse(graph, "posso rateizzare la bolletta?", GIULIA, "123456")
    count = offer.choices[position]["title"].split()[0]  # e.g. "6" from "6 rate"
    (summary,) = converse(graph, pick)
    assert summary.awaiting == "consent", summary.reply
    assert re.search(rf"\b{count} (rate|instalments|mensualit)", summary.reply or ""), summary.reply


def test_declining_consent_creates_nothing(make_graph) -> None:
    graph, deps = make_graph()
    before = len(deps.backend.list_plans(GIULIA))
    *_, offer = converse(graph, "posso rateizzare la bolletta?", GIULIA, "123456")
    first_option = offer.choices[0]["title"].split()[0]  # e.g. "6" from "6 rate"
    results = converse(graph, first_option, "no")
    assert "Confermi" in (results[0].reply or "")
    assert "non ho attivato" in (results[-1].reply or "")
    assert len(deps.backend.list_plans(GIULIA)) == before


def test_not_eligible_says_why_and_hands_over_if_the_customer_insists(make_graph) -> None:
    graph, deps = make_graph()
    results = converse(
        graph,
        "voglio pagare a rate",
        LORENZO,
        "123456",
        "ma non posso pagarla tutta, per favore",
        user="wa-lorenzo",
    )
    refusal, insist = results[2], results[3]
    assert "non si può rateizzare" in (refusal.reply or "")
    assert "150%" in (refusal.reply or "")
    assert insist.handoff and insist.route == "handoff"
    summary = deps.audit.events(kind="handoff")[0].data or {}
    assert summary["reason"] == "instalments not eligible; customer insists"
    assert summary["procedure"]["vertical"] == "instalments"


def test_high_bill_is_compared_and_the_conguaglio_explained(make_graph) -> None:
    graph, _ = make_graph()
    results = converse(graph, "perché la bolletta del gas è così alta?", GIULIA, "123456")
    reply = results[-1].reply or ""
    assert "volte la media" in reply and "conguaglio" in reply
    assert "compare_with_average" in _tools(results[-1])
    assert results[-1].citations


def test_a_copy_of_the_bill_is_sent_as_a_pdf(make_graph) -> None:
    graph, deps = make_graph()
    results = converse(graph, "mi mandi una copia della bolletta della luce?", GIULIA, "123456")
    (attachment,) = results[-1].attachments
    pdf = deps.backend.bill_pdf(GIULIA, attachment["bill_id"])
    assert pdf.startswith(b"%PDF") and attachment["filename"].endswith(".pdf")
    assert "send_bill_pdf" in _tools(results[-1])


def test_duplicate_bills_open_a_priority_ticket(make_graph) -> None:
    graph, deps = make_graph()
    results = converse(
        graph, "mi avete mandato la stessa bolletta due volte", FRANCESCO, "123456", user="wa-fra"
    )
    reply = results[-1].reply or ""
    ticket = re.search(r"TK-\d{4}-\d+", reply)
    assert ticket, reply
    opened = deps.backend.get_ticket(ticket.group(0))
    assert opened.category == "bill_anomaly" and opened.priority == "high"


def test_already_paid_is_matched_to_the_recorded_payment(make_graph) -> None:
    graph, _ = make_graph()
    results = converse(graph, "ho già pagato l'ultima bolletta!", SILVIA, "123456", user="wa-sil")
    assert "Ho trovato il tuo pagamento" in (results[-1].reply or "")
    assert "match_payment" in _tools(results[-1])


def test_already_paid_without_a_match_opens_a_case_once_the_customer_agrees(make_graph) -> None:
    """The claim was opened with no question asked: a write needs the customer's yes."""
    graph, deps = make_graph()
    *_, offered = converse(graph, "ho già pagato la bolletta", LORENZO, "123456", user="wa-lor2")
    assert offered.awaiting == "consent" and "open_ticket" not in _tools(offered), offered.reply
    assert not [t for t in deps.backend.list_tickets(LORENZO) if t.category == "payment_claim"]
    (opened,) = converse(graph, "sì", user="wa-lor2")
    ticket = re.search(r"TK-\d{4}-\d+", opened.reply or "")
    assert ticket and deps.backend.get_ticket(ticket.group(0)).category == "payment_claim"
    assert opened.awaiting is None and opened.procedure is None, opened.reply


def test_already_paid_without_a_match_and_no_claim_wanted_writes_nothing(make_graph) -> None:
    graph, deps = make_graph()
    *_, declined = converse(
        graph, "I already paid my bill", LORENZO, "123456", "no thanks", user="wa-lor4"
    )
    assert "open_ticket" not in _tools(declined) and declined.awaiting is None, declined.reply
    assert not [t for t in deps.backend.list_tickets(LORENZO) if t.category == "payment_claim"]


@pytest.mark.parametrize(
    "text",
    [
        "ciao ho pagato due volte la stessa bolletta, come faccio a riavere i soldi?",
        "I paid the same bill twice, how do I get my money back?",
        "j'ai payé deux fois la même facture, comment être remboursé ?",
    ],
)
def test_a_bill_paid_twice_gets_the_refund_rule_and_the_payments_recorded(
    make_graph, text: str
) -> None:
    """It was taken for a payment not found, and a claim opened on the bill still to pay."""
    graph, deps = make_graph()
    *_, answered = converse(graph, text, GIULIA, "123456", user="wa-giu9")
    assert "list_payments" in _tools(answered) and "open_ticket" not in _tools(answered)
    assert any(c.doc_id == "pagare-la-bolletta" for c in answered.citations), answered.reply
    assert "2 ricevute" in (answered.reply or "") or "due ricevute" in (answered.reply or "")
    assert "143,48 €" in (answered.reply or ""), answered.reply  # her latest payment
    assert not deps.backend.list_tickets(GIULIA) or all(
        t.category != "payment_claim" for t in deps.backend.list_tickets(GIULIA)
    )


def test_payment_status_lists_what_is_due_with_a_link(make_graph) -> None:
    graph, _ = make_graph()
    results = converse(
        graph, "quanto devo pagare e quando scade?", LORENZO, "123456", user="wa-lor3"
    )
    reply = results[-1].reply or ""
    assert "Bollette da pagare" in reply and "https://pay.lumea.example/" in reply


def test_self_reading_is_validated_then_recorded(make_graph) -> None:
    graph, deps = make_graph()
    customer = deps.backend.get_customer(GIULIA)
    gas = next(s for s in customer.supplies if s.commodity == "gas")
    last = [r for r in deps.backend.list_readings(gas.supply_id) if r.source != "estimated"][-1]
    previous = int(last.values["total"])
    results = converse(
        graph,
        "voglio comunicare l'autolettura del gas",
        GIULIA,
        "123456",
        str(previous - 50),
        str(previous + 40),
        user="wa-read",
    )
    ask, lower, ok = results[2], results[3], results[4]
    assert "lettura del contatore gas" in (ask.reply or "")
    assert "più bassa dell'ultima" in (lower.reply or "")
    assert "Lettura registrata" in (ok.reply or "")
    saved = deps.backend.list_readings(gas.supply_id)[-1]
    assert saved.source == "self" and saved.values["total"] == previous + 40


def test_a_reading_in_the_first_message_is_recorded_after_identification(make_graph) -> None:
    """The reading comes with the request, before anything else was said in the thread: it
    is recorded once the customer is identified. The record tool read the procedure from
    the state, which had none yet, and the turn crashed."""
    graph, deps = make_graph()
    (gas,) = deps.backend.get_customer("LM00010010").supplies
    last = [r for r in deps.backend.list_readings(gas.supply_id) if r.source != "estimated"][-1]
    reading = int(last.values["total"]) + 30
    *_, done = converse(
        graph,
        f"vorrei comunicare la lettura del gas: {reading}",
        "LM00010010",
        "123456",
        user="wa-first-reading",
    )
    assert "Lettura registrata" in (done.reply or ""), done.reply
    assert deps.backend.list_readings(gas.supply_id)[-1].values["total"] == reading


@pytest.mark.parametrize(
    ("opening", "insisting", "language"),
    [
        ("voglio comunicare l'autolettura del gas", "è giusta, l'ho controllata due volte", "it"),
        ("I'd like to send my gas meter reading", "yes, it's right, I checked", "en"),
    ],
)
def test_standing_by_a_refused_reading_records_nothing_and_points_to_a_person(
    make_graph, opening: str, insisting: str, language: str
) -> None:
    graph, deps = make_graph()
    gas = next(s for s in deps.backend.get_customer(GIULIA).supplies if s.commodity == "gas")
    before = deps.backend.list_readings(gas.supply_id)
    previous = int([r for r in before if r.source != "estimated"][-1].values["total"])
    *_, lower, disputed = converse(graph, opening, GIULIA, "123456", str(previous - 50), insisting)
    assert lower.procedure is not None  # refused: asked again
    assert disputed.procedure is None and disputed.language == language
    assert ("OPERATORE" if language == "it" else "OPERATOR") in (disputed.reply or "")
    assert deps.backend.list_readings(gas.supply_id) == before  # nothing recorded


def test_english_customer_gets_english_replies(make_graph) -> None:
    graph, _ = make_graph()
    results = converse(
        graph, "I would like to pay my bill in instalments", SARAH, "123456", user="wa-sarah"
    )
    assert all(r.language == "en" for r in results[:1])
    assert "customer code" in (results[0].reply or "")
    assert "artificial intelligence" in (results[0].reply or "")


def _last_gas_reading(deps) -> int:  # type: ignore[no-untyped-def]
    gas = next(s for s in deps.backend.get_customer(GIULIA).supplies if s.commodity == "gas")
    last = [r for r in deps.backend.list_readings(gas.supply_id) if r.source != "estimated"][-1]
    return int(last.values["total"])


def test_the_meter_chosen_by_its_position_is_not_taken_for_a_reading(make_graph) -> None:
    """ "2" to "which meter?" chose the second meter and was also read as a reading of 2,
    refused as lower than the last one."""
    graph, _ = make_graph()
    *_, asked = converse(graph, "voglio comunicare l'autolettura", GIULIA, "123456")
    assert asked.procedure is not None and asked.procedure.step == "choose_supply"
    position = next(i for i, c in enumerate(asked.choices) if c["title"].startswith("Gas")) + 1
    (chosen,) = converse(graph, str(position))
    assert chosen.awaiting == "slot:await_reading", chosen.reply
    assert "lettura del contatore gas" in (chosen.reply or "")
    assert "validate_reading" not in _tools(chosen)


@pytest.mark.parametrize(
    ("opening", "kept_while"),
    [
        ("voglio comunicare l'autolettura", "choosing"),  # after identification
        ("I want to send a meter reading", "identifying"),  # before the customer code
    ],
)
def test_a_reading_sent_before_the_meter_is_named_is_kept(
    make_graph, opening: str, kept_while: str
) -> None:
    """The reading sent to "which meter?" (or to "your customer code?") was dropped, and
    asked for again once the meter was named; before the code, it was refused as a code."""
    graph, deps = make_graph()
    reading = _last_gas_reading(deps) + 40
    if kept_while == "choosing":
        *_, kept, done = converse(graph, opening, GIULIA, "123456", str(reading), "gas")
    else:
        _, kept, *_, done = converse(graph, opening, str(reading), GIULIA, "123456", "gas")
        assert kept.awaiting == "identification", kept.reply
    assert kept.route == "self_reading" and "LM" not in (kept.reply or "")[:20], kept.reply
    assert "record_reading" in _tools(done), done.reply
    gas = next(s for s in deps.backend.get_customer(GIULIA).supplies if s.commodity == "gas")
    assert deps.backend.list_readings(gas.supply_id)[-1].values["total"] == reading


@pytest.mark.parametrize(
    ("opening", "asked", "said"),
    [
        ("posso rateizzare la bolletta?", "ok 3 rate", "3 rate non è possibile"),
        ("can I pay my bill in instalments?", "ok 3 rates", "3 instalments isn't possible"),
        ("je peux payer ma facture en plusieurs fois ?", "en 3 fois", "3 mensualités n'est pas"),
    ],
)
def test_a_number_of_instalments_not_offered_is_said_so_with_what_is(
    make_graph, opening: str, asked: str, said: str
) -> None:
    """ "ok 3 rates" to a choice of 6 or 12 got "which plan?" again, as if nothing was asked."""
    graph, _ = make_graph()
    *_, offer, refused = converse(graph, opening, GIULIA, "123456", asked)
    counts = [c["title"].split()[0] for c in offer.choices]
    assert said in (refused.reply or ""), refused.reply
    assert all(count in (refused.reply or "") for count in counts), refused.reply
    assert refused.procedure is not None and refused.procedure.step == "choose"
