"""The bonus vertical end to end (offline brain, demo backend), and its rules in code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from graph.accounts import day
from graph.backends.ports import BonusStatus, Customer, Supply
from graph.verticals.bonus.rules import mentions_isee_document, supply_bonus
from tests.conftest import DEMO_TODAY, converse

GIULIA, ANNA, GIOVANNI, MARTINA = "LM00010001", "LM00010014", "LM00010018", "LM00010021"
TODAY = date(*DEMO_TODAY)
ECONOMIC_DOC, PHYSICAL_DOC = "bonus-sociale-disagio-economico", "bonus-sociale-disagio-fisico"


def _tools(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {a.tool for a in result.actions}


def _docs(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {c.doc_id for c in result.citations}


@pytest.mark.parametrize(
    ("code", "question", "expected"),
    [
        (ANNA, "il mio bonus quando scade?", "rinnova subito la DSU"),
        (MARTINA, "stato del mio bonus", "dura 12 mesi"),
        (GIOVANNI, "ho il bonus sociale?", "Non va rinnovato ogni anno"),
    ],
)
def test_a_bonus_holder_sees_each_supply_and_when_it_expires(
    make_graph, code: str, question: str, expected: str
) -> None:
    graph, deps = make_graph()
    ask, _, status = converse(graph, question, code, "123456", user=f"wa-{code}")
    assert ask.awaiting == "identification" and "codice cliente" in (ask.reply or "")
    reply = status.reply or ""
    assert status.route == "bonus" and "get_bonus_status" in _tools(status)
    customer = deps.backend.get_customer(code)
    for supply in customer.supplies:
        assert supply.bonus is not None
        assert day(supply.bonus.valid_to) in reply
        if supply.bonus.kind == "economic":
            assert f"scade tra {(supply.bonus.valid_to - TODAY).days} giorni" in reply
            assert "disagio economico" in reply
        else:
            assert "disagio fisico" in reply and day(supply.bonus.valid_from) in reply
    assert expected in reply
    assert status.citations and _docs(status) <= {ECONOMIC_DOC, PHYSICAL_DOC}
    (event,) = [e for e in deps.audit.events(kind="tool") if e.name == "get_bonus_status"]
    assert event.customer_code == code and "own bonus" in event.reason


@pytest.mark.parametrize(
    "question",
    [
        "do I have the social bonus?",
        "est-ce que je bénéficie du bonus social ?",
        "am I getting the social bonus on my bill?",
    ],
)
def test_an_identified_customer_asking_whether_they_have_the_bonus_gets_their_supplies(
    make_graph, question: str
) -> None:
    """ "Do I have the social bonus?" after identification was answered from the documents
    (what the bonus is), not from the customer's own supplies."""
    graph, _ = make_graph()
    *_, status = converse(graph, ANNA, "123456", question, user="wa-bonus-own")
    assert status.route == "bonus" and "get_bonus_status" in _tools(status), status.reply


def test_a_customer_without_bonus_is_told_how_to_get_it_and_what_to_bring(make_graph) -> None:
    graph, deps = make_graph()
    *_, status, documents = converse(
        graph,
        "ho il bonus sociale?",
        GIULIA,
        "123456",
        "quali documenti servono per il bonus disagio fisico?",
        user="wa-giulia",
    )
    reply = status.reply or ""
    assert reply.count("nessun bonus attivo") == 2  # electricity and gas
    assert "presenta la DSU all'INPS" in reply and "Nessuna domanda" in reply
    assert "disagio fisico" in reply and "Comune o a un CAF" in reply
    assert {ECONOMIC_DOC, PHYSICAL_DOC} <= _docs(status)
    text = documents.reply or ""
    electricity = next(s for s in deps.backend.get_customer(GIULIA).supplies if s.pod)
    assert documents.route == "bonus"
    assert "certificato dell'ASL" in text and electricity.pod and electricity.pod in text
    assert "3 kW" in text and "Comune di residenza o a un CAF abilitato" in text
    assert "non mandarlo qui" in text
    assert _docs(documents) == {PHYSICAL_DOC}


@pytest.mark.parametrize(
    ("message", "language", "marker"),
    [
        ("ti mando l'ISEE", "it", "Non serve mandarci l'ISEE"),
        ("il mio ISEE è 8.000 euro, ho diritto al bonus?", "it", "Non serve mandarci l'ISEE"),
        ("My ISEE is €8,500, am I eligible for the bonus?", "en", "There's no need to send us"),
    ],
)
def test_an_isee_document_or_figure_is_never_asked_for(
    make_graph, message: str, language: str, marker: str
) -> None:
    graph, deps = make_graph()
    (result,) = converse(graph, message, user="wa-isee")
    reply = result.reply or ""
    assert result.route == "bonus" and result.language == language
    assert marker in reply
    assert "DSU" in reply and "INPS" in reply  # the automatic route instead
    assert "8.000" not in reply and "8,500" not in reply  # the figure is not repeated
    assert "codice cliente" not in reply and "customer code" not in reply  # nor identified
    assert {ECONOMIC_DOC, "lumea-su-whatsapp"} <= _docs(result)
    (event,) = deps.audit.events(kind="policy", thread_id=result.thread_id)[-1:]
    assert event.name == "isee_not_requested" and "automatic" in event.reason
    assert all("8.000" not in str(e.data) for e in deps.audit.events())


def test_eligibility_is_explained_from_the_knowledge_base_with_citations(make_graph) -> None:
    graph, _ = make_graph()
    (result,) = converse(graph, "chi ha diritto al bonus sociale?", user="wa-elig")
    reply = result.reply or ""
    assert result.route == "bonus" and "codice cliente" not in reply
    assert "9.796 euro" in reply and "20.000 euro" in reply  # the 2026 ISEE thresholds
    assert "automatico" in reply and "DSU" in reply
    assert "disagio fisico non è automatico" in reply and "CAF" in reply
    assert {ECONOMIC_DOC, PHYSICAL_DOC} <= _docs(result)
    assert "search_knowledge" in _tools(result)


def test_a_question_for_a_figure_gets_its_answer_not_the_overview(make_graph) -> None:
    graph, _ = make_graph()
    (result,) = converse(
        graph, "a quanto ammonta lo sconto del bonus gas per una famiglia di 5?", user="wa-fig"
    )
    reply = result.reply or ""
    assert result.route == "bonus" and result.citations
    assert "Ecco chi ha diritto" not in reply  # not the who-and-how overview
    assert "euro" in reply or "€" in reply


def test_own_bonus_named_beside_a_general_question_answers_first_then_checks(
    make_graph,
) -> None:
    graph, _ = make_graph()
    answered, coded, checked = converse(
        graph,
        "ho già il bonus sulla luce, ma se passo a un altro fornitore lo perdo?",
        ANNA,
        "123456",
        user="wa-mixed-bonus",
    )
    assert answered.route == "bonus" and answered.citations
    assert answered.awaiting is None and "codice cliente" in (answered.reply or "")
    assert coded.route == "bonus" and coded.awaiting == "otp"
    assert "get_bonus_status" in _tools(checked)  # the customer's own bonus, once identified


@pytest.mark.parametrize(
    "message",
    [
        "ti mando l'ISEE",
        "vi devo mandare l'ISEE per avere lo sconto?",
        "ecco il mio isee",
        "ISEE 9.000, PDR 05370000123456, mi spetta lo sconto sul gas?",
        "ho un isee da 6000",
        "8500 di isee, mi spetta?",
        "Mon ISEE est de 8 500 €, j'ai droit au bonus ?",
        "do I have to send you my ISEE to get the discount?",
        "posso allegare la DSU qui?",
    ],
)
def test_isee_rule_catches_figures_and_offers_to_send(message: str) -> None:
    assert mentions_isee_document(message)


@pytest.mark.parametrize(
    "message",
    [
        "c'è un bonus per chi ha l'ISEE sotto i 20.000 euro con 4 figli?",
        "Qual è la soglia ISEE per il bonus 2026?",
        "ho presentato la DSU a gennaio, quando arriva il bonus in bolletta?",
        "ho inviato la DSU all'INPS ma il bonus non c'è",
        "l'isee e scaduto perdo il bonus??",
        "isee per una famiglia di 4 persone?",
        "il mio bonus quando scade?",
    ],
)
def test_isee_rule_leaves_general_questions_alone(message: str) -> None:
    assert not mentions_isee_document(message)


def _customer(supply: Supply, domestic: bool = True) -> Customer:
    return Customer(
        code="LM00099999", name="Test", phone="+390000000000", domestic=domestic, supplies=[supply]
    )


def _supply(commodity: str = "electricity", bonus: BonusStatus | None = None) -> Supply:
    return Supply(
        supply_id="S-1",
        customer_code="LM00099999",
        commodity=commodity,  # type: ignore[arg-type]
        address="Via Roma 1, 50063 Figline Valdarno FI",
        commune="Figline Valdarno",
        power_kw=Decimal("3"),
        bonus=bonus,
        distributor="Lumea Reti Elettriche",
        distributor_emergency_phone="800900111",
    )


def test_supply_bonus_states_follow_the_validity_dates() -> None:
    economic = BonusStatus(
        kind="economic", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31)
    )
    supply = _supply(bonus=economic)
    assert supply_bonus(_customer(supply), supply, date(2026, 6, 1)).state == "active"
    expiring = supply_bonus(_customer(supply), supply, date(2026, 12, 1))
    assert expiring.state == "expiring" and expiring.days_left == 30
    expired = supply_bonus(_customer(supply), supply, date(2027, 1, 1))
    assert expired.state == "expired" and expired.obtainable == ("economic", "physical")
    assert supply_bonus(_customer(supply), supply, date(2025, 12, 1)).state == "not_started"
    physical = _supply(bonus=economic.model_copy(update={"kind": "physical"}))
    assert supply_bonus(_customer(physical), physical, date(2026, 12, 1)).state == "active"
    gas = _supply("gas")
    assert supply_bonus(_customer(gas), gas, TODAY).obtainable == ("economic",)
    shop = _supply()
    assert supply_bonus(_customer(shop, domestic=False), shop, TODAY).state == "not_domestic"


@pytest.mark.parametrize(
    "text",
    [
        "voglio sapere se ho diritto al bonus acqua",
        "who can get the water bonus?",
        "qui a droit au bonus social sur l'eau ?",
    ],
)
def test_who_gets_the_water_bonus_is_answered_from_the_water_bonus(make_graph, text: str) -> None:
    """The water bonus asked about by name got the general overview, which ends with the
    physical-hardship bonus (electricity only) and says nothing of the water."""
    graph, _ = make_graph()
    (answered,) = converse(graph, text)
    assert answered.route == "bonus"
    assert "bonus-idrico" in {c.doc_id for c in answered.citations}, answered.citations
    assert "18,25" in (answered.reply or "") and "disagio fisico" not in (answered.reply or "")


@pytest.mark.parametrize(
    ("question", "yes", "then", "offer"),
    [
        ("vorrei sapere se ho diritto al bonus sociale", "sì", "e quanto vale all'anno?", "controlli il bonus"),
        ("do I qualify for the social bonus?", "yes", "and how much is it per year?", "check the bonus"),
        ("salut, je voudrais savoir si j'ai droit au bonus social", "oui", "et combien ça fait par an ?", "vérifie le bonus"),
    ],
)  # fmt: skip
def test_eligibility_asked_in_the_first_person_offers_the_check_of_the_own_bonus(
    make_graph, question: str, yes: str, then: str, offer: str
) -> None:
    """ "do I qualify for the social bonus?" got the rules and nothing else: the "yes" after
    it closed the conversation, the code after it was asked for nothing, and "how much is it
    per year?" then quoted the gas bill's VAT ("oui" was taken for the question's subject)."""
    graph, _ = make_graph()
    rules, accepted, _, checked, amount = converse(graph, question, yes, GIULIA, "123456", then)
    assert "9.796" in (rules.reply or "") and offer in (rules.reply or ""), rules.reply
    assert accepted.awaiting == "identification", accepted.reply
    assert "get_bonus_status" in _tools(checked), checked.reply
    assert amount.route == "bonus", amount.reply
    cited = {c.doc_id for c in amount.citations}
    assert cited == {"bonus-sociale-disagio-economico"}, (cited, amount.reply)


@pytest.mark.parametrize(
    ("text", "office"),
    [
        ("what documents do I need for the physical hardship bonus?", "(Comune di residenza)"),
        ("quels documents pour le bonus disagio fisico ?", "(Comune di residenza)"),
    ],
)
def test_the_offices_and_the_certificate_are_named_in_italian_too(
    make_graph, text: str, office: str
) -> None:
    """An English or French customer asks an Italian health authority and town hall for
    them: the reply gives the Italian names beside the translation."""
    graph, _ = make_graph()
    (result,) = converse(graph, text)
    reply = result.reply or ""
    assert "certificato dell'ASL" in reply and office in reply, reply
