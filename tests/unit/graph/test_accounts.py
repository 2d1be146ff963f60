"""Shared account helpers: money and dates as bills print them, yes/no, choosing a supply."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from graph.accounts import SupplyPick, day, euro, is_no, is_yes, pick_supply
from graph.backends.ports import Commodity, Customer, Supply


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "0,00 €"),
        ("0.5", "0,50 €"),
        ("84.2", "84,20 €"),
        ("84.204", "84,20 €"),
        ("84.206", "84,21 €"),
        ("999.999", "1.000,00 €"),
        ("1000", "1.000,00 €"),
        ("1234.56", "1.234,56 €"),
        ("1234567.89", "1.234.567,89 €"),
        ("-84.20", "-84,20 €"),
        ("-1234.5", "-1.234,50 €"),
    ],
)
def test_euro_uses_the_italian_format_of_bills(amount: str, text: str) -> None:
    assert euro(Decimal(amount)) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(2026, 3, 5), "05/03/2026"),
        (date(2026, 12, 31), "31/12/2026"),
        (date(2027, 1, 1), "01/01/2027"),
    ],
)
def test_day_is_day_month_year(value: date, text: str) -> None:
    assert day(value) == text


YES = [
    "sì",
    "si",
    "SI",
    "Sì, confermo",
    "si certo",
    "s",
    "s.",
    "ok",
    "OK!",
    "okay",
    "va bene",
    "confermo",
    "certo",
    "yes",
    "Y",
    "yep",
    "Sure, go ahead",
    "confirm",
    "oui",
    "Oui !",
    "d'accord",
    "je confirme",
]
NO = [
    "no",
    "No",
    "no grazie",
    "NO!",
    "annulla",
    "non",
    "non voglio",
    "nope",
    "cancel",
    "stop",
    "pas maintenant",
]
NEITHER = [
    "",
    "sono a casa",
    "silvia",
    "sicurezza",
    "nota bene",
    "nonna",
    "notte",
    "yesterday",
    "oggi pomeriggio",
    "quanto costa?",
    "stoppino",
    "cancello",
]


@pytest.mark.parametrize("text", YES)
def test_yes(text: str) -> None:
    assert is_yes(text) is True
    assert is_no(text) is False


@pytest.mark.parametrize("text", NO)
def test_no(text: str) -> None:
    assert is_no(text) is True
    assert is_yes(text) is False


@pytest.mark.parametrize("text", NEITHER)
def test_words_that_merely_start_like_yes_or_no_are_neither(text: str) -> None:
    assert is_yes(text) is False
    assert is_no(text) is False


# --------------------------------------------------------------------------- pick_supply


def supply(
    supply_id: str,
    commodity: Commodity,
    address: str = "Via Roma 1",
    status: str = "active",
) -> Supply:
    return Supply(
        supply_id=supply_id,
        customer_code="LM00000001",
        commodity=commodity,
        address=address,
        commune="Arezzo",
        status=status,  # type: ignore[arg-type]
        distributor="Distributore Valdarno",
        distributor_emergency_phone="800 900 111",
    )


def customer(*supplies: Supply) -> Customer:
    return Customer(
        code="LM00000001", name="Anna Rossi", phone="+393331234567", supplies=list(supplies)
    )


LUCE = supply("S-000001", "electricity", "Via Roma 1")
GAS = supply("S-000002", "gas", "Via Roma 1")
ACQUA = supply("S-000003", "water", "Via Roma 1")
THREE = customer(LUCE, GAS, ACQUA)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("la bolletta della luce", "it", LUCE),
        ("contatore elettrico", "it", LUCE),
        ("non ho corrente", "it", LUCE),
        ("my electricity bill", "en", LUCE),
        ("the power one", "en", LUCE),
        ("POD IT001E12345678", "it", LUCE),
        ("ma facture d'électricité", "fr", LUCE),
        ("il gas", "it", GAS),
        ("metano", "it", GAS),
        ("il mio PDR", "it", GAS),
        ("le gaz", "fr", GAS),
        ("bolletta dell'acqua", "it", ACQUA),
        ("servizio idrico", "it", ACQUA),
        ("the water bill", "en", ACQUA),
        ("l'eau", "fr", ACQUA),
        ("S-000002", "it", GAS),
        ("quella s-000003 grazie", "it", ACQUA),
        ("1", "it", LUCE),
        ("2.", "it", GAS),
        (" 3 ", "it", ACQUA),
        ("la seconda", "it", GAS),  # the list's order
        ("the last one", "en", ACQUA),
    ],
)
def test_the_supply_named_in_the_message(text: str, language: str, expected: Supply) -> None:
    pick = pick_supply(THREE, text, language)
    assert pick.supply == expected
    assert pick.choices == []


@pytest.mark.parametrize(
    "text",
    [
        "la bolletta",  # no commodity at all
        "luce e gas",  # two commodities
        "4",  # beyond the list
        "0",
        "12",
        "la quarta",  # beyond the list
    ],
)
def test_an_unclear_message_offers_every_supply_as_a_choice(text: str) -> None:
    pick = pick_supply(THREE, text, "it")
    assert pick.supply is None
    assert [c["id"] for c in pick.choices] == ["S-000001", "S-000002", "S-000003"]


@pytest.mark.parametrize(
    ("language", "titles"),
    [
        ("it", ["Luce · Via Roma 1", "Gas · Via Roma 1", "Acqua · Via Roma 1"]),
        ("en", ["Electricity · Via Roma 1", "Gas · Via Roma 1", "Water · Via Roma 1"]),
        ("fr", ["Électricité · Via Roma 1", "Gaz · Via Roma 1", "Eau · Via Roma 1"]),
        ("de", ["Luce · Via Roma 1", "Gas · Via Roma 1", "Acqua · Via Roma 1"]),
    ],
)
def test_choices_are_titled_in_the_customers_language(language: str, titles: list[str]) -> None:
    pick = pick_supply(THREE, "?", language)
    assert [c["title"] for c in pick.choices] == titles


def test_choice_titles_fit_a_whatsapp_list_row() -> None:
    long = customer(
        supply("S-000010", "electricity", "Via Giuseppe Garibaldi 128, scala B"),
        supply("S-000011", "electricity", "Piazza della Repubblica 4"),
    )
    pick = pick_supply(long, "la luce", "fr")
    assert pick.supply is None
    assert [c["title"] for c in pick.choices] == [
        "Électricité · Via Giusep",
        "Électricité · Piazza del",
    ]
    assert all(len(c["title"]) <= 24 for c in pick.choices)


def test_at_most_ten_choices() -> None:
    many = customer(*(supply(f"S-{i:06d}", "electricity") for i in range(1, 13)))
    pick = pick_supply(many, "la luce", "it")
    assert pick.supply is None
    assert [c["id"] for c in pick.choices] == [f"S-{i:06d}" for i in range(1, 11)]


def test_the_only_supply_needs_no_choice() -> None:
    pick = pick_supply(customer(GAS), "la bolletta della luce", "it")
    assert pick == SupplyPick(GAS, [])


def test_inactive_supplies_are_left_out_while_an_active_one_exists() -> None:
    closed = supply("S-000009", "electricity", status="inactive")
    pick = pick_supply(customer(closed, GAS), "la luce", "it")
    assert pick.supply == GAS
    suspended = supply("S-000008", "electricity", status="suspended")
    assert pick_supply(customer(suspended, GAS), "la luce", "it").supply == suspended


def test_with_only_inactive_supplies_all_of_them_are_offered() -> None:
    old_luce = supply("S-000007", "electricity", status="inactive")
    old_gas = supply("S-000006", "gas", status="inactive")
    assert pick_supply(customer(old_luce, old_gas), "il gas", "it").supply == old_gas
    assert [c["id"] for c in pick_supply(customer(old_luce, old_gas), "?", "it").choices] == [
        "S-000007",
        "S-000006",
    ]


def test_a_supply_already_chosen_wins_over_the_text() -> None:
    assert pick_supply(THREE, "la luce", "it", chosen="S-000003").supply == ACQUA
    # an unknown or inactive choice is ignored and the text decides
    assert pick_supply(THREE, "la luce", "it", chosen="S-999999").supply == LUCE
    closed = supply("S-000009", "water", status="inactive")
    two = customer(LUCE, GAS, closed)
    assert pick_supply(two, "il gas", "it", chosen="S-000009").supply == GAS


def test_two_supplies_of_the_named_commodity_need_a_choice() -> None:
    home = supply("S-000020", "gas", "Via Roma 1")
    holiday = supply("S-000021", "gas", "Via del Mare 5")
    pick = pick_supply(customer(home, holiday, LUCE), "la bolletta del gas", "it")
    assert pick.supply is None
    assert len(pick.choices) == 3
    assert pick_supply(customer(home, holiday), "gas di S-000021", "it").supply == holiday


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        pytest.param(
            "merci beaucoup, c'est pour le gaz",
            "fr",
            GAS,
        ),
        pytest.param(
            "le relevé du nouveau compteur de gaz",
            "fr",
            GAS,
        ),
        pytest.param(
            "pago con addebito sul conto corrente, è per il gas",
            "it",
            GAS,
        ),
    ],
)
def test_commodity_words_inside_other_words_do_not_count(
    text: str, language: str, expected: Supply
) -> None:
    assert pick_supply(THREE, text, language).supply == expected
