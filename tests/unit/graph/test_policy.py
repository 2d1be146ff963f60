"""Which questions need the customer identified: own bills yes, how things work no."""

from __future__ import annotations

import pytest

from graph.policy import needs_identity

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
    ("billing", "Perché la mia bolletta è così alta?"),
    ("billing", "mi mandate la copia della bolletta di marzo?"),
    ("billing", "Cosa sono questi 312 euro nella mia bolletta?"),
    ("billing", "Cosa significa la voce oneri nella mia bolletta?"),
    ("billing", "la bolletta di marzo"),
    ("billing", "What is my last bill?"),
    ("billing", "Why is my bill so high?"),
    ("billing", "What is the amount of my bill?"),
    ("billing", "Pourquoi ma facture est si élevée ?"),
    ("payments", "Ho già pagato ma mi è arrivato un sollecito"),
    ("payments", "Quando scade la bolletta?"),
    ("payments", "How much do I owe?"),
    ("payments", "When is my bill due?"),
    ("payments", "I paid last week, why a reminder?"),
    ("payments", "Quand est ma prochaine échéance ?"),
    ("payments", "J'ai payé hier, pourquoi une relance ?"),
]


@pytest.mark.parametrize(("route", "text"), OWN_ACCOUNT)
def test_questions_about_the_customers_own_bills_need_identity(route: str, text: str) -> None:
    assert needs_identity(route, text) is True


@pytest.mark.parametrize(
    "text",
    [
        "Come funziona la rateizzazione?",
        "Cos'è l'autolettura?",
        "What are installments?",
        "how do I read the meter",
        "Comment fonctionne le relevé ?",
        "",
    ],
)
def test_instalments_always_need_identity(text: str) -> None:
    assert needs_identity("instalments", text) is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cos'è l'autolettura?", False),
        ("how do I read the meter", False),
        ("ciao, come si legge il contatore del gas?", False),
        ("Comment fonctionne le relevé ?", False),
        ("voglio comunicare la lettura", True),
        ("la lettura è 01234", True),
        ("F1 1234 F2 567 F3 890", True),
        ("", True),
    ],
)
def test_self_reading_needs_identity_only_to_record_a_reading(text: str, expected: bool) -> None:
    assert needs_identity("self_reading", text) is expected


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
