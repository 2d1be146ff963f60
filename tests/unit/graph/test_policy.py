"""Answer first: which messages need the customer identified now (their own data, a reading,
a request to start a write), which are answered from the documents, and which of those end
with the offer to check the customer's own account."""

from __future__ import annotations

import pytest

from graph.policy import is_question, needs_identity, offers_identity

GENERIC = [
    ("billing", "Cos'è la quota fissa?"),
    ("billing", "cos'e l'accisa"),
    ("billing", "Cosa significa conguaglio?"),
    ("billing", "Cosa vuol dire bolletta stimata?"),
    ("billing", "Come si legge la bolletta?"),
    ("billing", "come leggo la bolletta"),
    ("billing", "Come funziona la bolletta in acconto?"),
    ("billing", "Quali sono le fasce orarie F1 F2 F3?"),
    ("billing", "che cos'è il canone RAI"),
    ("billing", "What is the standing charge?"),
    ("billing", "What does ricalcolo mean?"),
    ("billing", "How does an adjustment bill work?"),
    ("billing", "How to read a bill?"),
    ("billing", "Qu'est-ce que la quota fissa ?"),
    ("billing", "C'est quoi le conguaglio ?"),
    ("billing", "Comment lire une facture ?"),
    ("payments", "Come si paga con pagoPA?"),
    ("payments", "Quali sono i metodi di pagamento?"),
    ("payments", "How do I pay by direct debit?"),
    ("payments", "What are the payment methods?"),
    ("payments", "Que signifie mise en demeure ?"),
]


@pytest.mark.parametrize(("route", "text"), GENERIC)
def test_how_does_it_work_questions_need_no_identity(route: str, text: str) -> None:
    assert needs_identity(route, text) is False


OWN_ACCOUNT = [
    ("billing", "Quanto devo pagare?"),
    ("billing", "mi mandate la copia della bolletta di marzo?"),
    ("billing", "la bolletta di marzo"),
    ("billing", "What is my last bill?"),
    ("billing", "What is the amount of my bill?"),
    ("billing", "spiegami la mia ultima bolletta"),
    ("payments", "Ho già pagato ma mi è arrivato un sollecito"),
    ("payments", "Quando scade la bolletta?"),
    ("payments", "How much do I owe?"),
    ("payments", "When is my bill due?"),
    ("payments", "I paid last week, why a reminder?"),
    ("payments", "Quand est ma prochaine échéance ?"),
    ("payments", "J'ai payé hier, pourquoi une relance ?"),
    ("instalments", "voglio pagare a rate"),
    ("instalments", "vorrei rateizzare la bolletta del gas"),
    ("instalments", "I'd like to pay in instalments"),
    ("instalments", "je voudrais payer en plusieurs fois"),
    ("self_reading", "voglio comunicare la lettura"),
    ("self_reading", "la lettura è 01234"),
    ("self_reading", "F1 1234 F2 567 F3 890"),
]


@pytest.mark.parametrize(("route", "text"), OWN_ACCOUNT)
def test_own_data_readings_and_requests_to_act_need_identity(route: str, text: str) -> None:
    assert needs_identity(route, text) is True


# Questions about the customer's own bill that a document answers first; the reply then
# offers to check their own account.
MIXED = [
    ("billing", "Perché la mia bolletta è così alta?"),
    ("billing", "Cosa sono questi 312 euro nella mia bolletta?"),
    ("billing", "Cosa significa la voce oneri nella mia bolletta?"),
    ("billing", "Why is my bill so high?"),
    ("billing", "Pourquoi ma facture est si élevée ?"),
    ("billing", "la mia bolletta è altissima, perché?"),
    ("instalments", "posso pagare a rate la bolletta?"),
    ("instalments", "vorrei rateizzare la bolletta del gas, entro quando devo chiederlo?"),
    ("instalments", "can I pay my water bill in instalments? it's way higher than usual"),
    ("self_reading", "How do I read my electronic meter to send a self reading?"),
]


@pytest.mark.parametrize(("route", "text"), MIXED)
def test_mixed_questions_are_answered_first_then_offered(route: str, text: str) -> None:
    assert needs_identity(route, text) is False
    assert offers_identity(route, text) is True


@pytest.mark.parametrize(
    ("route", "text"),
    [
        ("instalments", "Come funziona la rateizzazione?"),
        ("instalments", "qual è il numero minimo di rate?"),
        ("instalments", "che documenti servono per chiedere la rateizzazione?"),
        ("instalments", "What are installments?"),
        ("instalments", "Comment fonctionne l'échelonnement ?"),
        ("self_reading", "Cos'è l'autolettura?"),
        ("self_reading", "how do I read the meter"),
        ("self_reading", "ciao, come si legge il contatore del gas?"),
        ("self_reading", "Comment fonctionne le relevé ?"),
        ("self_reading", ""),
    ],
)
def test_general_questions_need_no_identity_and_get_no_offer(route: str, text: str) -> None:
    assert needs_identity(route, text) is False
    assert offers_identity(route, text) is False


def test_questions_are_recognised_by_form() -> None:
    assert is_question("come funziona?") and is_question("Bonjour, comment lire ma facture")
    assert is_question("ok. e quante rate al massimo")
    assert not is_question("voglio pagare a rate") and not is_question("LM00010001")


@pytest.mark.parametrize(
    "route", ["outage", "bonus", "contracts", "onboarding", "general", "handoff"]
)
@pytest.mark.parametrize("text", ["la mia bolletta", "my bill is wrong", "non ho la luce"])
def test_routes_without_personal_data_never_need_identity(route: str, text: str) -> None:
    assert needs_identity(route, text) is False


@pytest.mark.parametrize(
    ("route", "text"),
    [
        pytest.param(
            "billing",
            "Buongiorno, cos'è la quota fissa?",
        ),
        pytest.param(
            "billing",
            "Salve, come si legge la bolletta?",
        ),
        pytest.param(
            "billing",
            "Hi, what is the standing charge?",
        ),
        pytest.param(
            "billing",
            "Che cosa è il conguaglio?",
        ),
        pytest.param(
            "billing",
            "cos è il conguaglio",
        ),
    ],
)
def test_generic_questions_written_the_usual_way_need_no_identity(route: str, text: str) -> None:
    assert needs_identity(route, text) is False
