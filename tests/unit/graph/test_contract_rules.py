"""Contract rules in code: which procedure, tax codes, IBANs, powers, dates and documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from graph.verticals.contracts import rules
from graph.verticals.contracts.tools import choose_offer

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("vorrei fare la voltura della luce", "voltura"),
        ("vorrei intestare il contratto a mia moglie", "voltura"),
        ("id like to put the contract in my wifes name", "voltura"),
        ("changement de titulaire du contrat", "voltura"),
        ("je voudrais changer le titulaire du contrat", "voltura"),
        ("vorrei cambiare l'intestatario della luce", "voltura"),
        ("bonjour je voudrais changer le titulaire, mon mari est décédé", "voltura_mortis_causa"),
        ("voltura, il contratto è intestato a mio padre che è mancato", "voltura_mortis_causa"),
        ("I need the contract in my name, my father passed away", "voltura_mortis_causa"),
        ("je dois mettre le contrat à mon nom, mon père est décédé", "voltura_mortis_causa"),
        ("devo fare un subentro, il contatore è chiuso", "subentro"),
        ("new flat, the meter is closed, how do I reactivate the supply?", "subentro"),
        ("voglio cambiare offerta e passare al prezzo fisso", "offer_change"),
        ("I'd like to switch to a fixed-price offer", "offer_change"),
        ("I want to change my electricity offer", "offer_change"),
        ("voglio cambiare il metodo di pagamento", "payment_method"),
        ("je voudrais passer à une offre à prix fixe", "offer_change"),
        ("vorrei attivare la domiciliazione bancaria", "payment_method"),
        ("I want to set up direct debit", "payment_method"),
        ("je veux mettre en place le prélèvement automatique", "payment_method"),
        ("voglio aumentare la potenza da 3 a 4,5 kW", "power_change"),
        ("can i lower my power to 3kw", "power_change"),
        ("je veux augmenter la puissance de 3 à 4,5 kW", "power_change"),
        ("trasloco, voglio disattivare il gas dal 14", "termination"),
        ("terminate electricity from 30/06", "termination"),
        ("je voudrais résilier mon contrat de gaz", "termination"),
        ("ho firmato 5 giorni fa, posso ancora ripensarci?", "withdrawal"),
        ("I signed 5 days ago, can I withdraw? cooling-off period", "withdrawal"),
        ("j'ai signé il y a 5 jours, je peux me rétracter ?", "withdrawal"),
        ("voglio passare a un altro fornitore, devo fare disdetta?", None),  # switching
        ("quali offerte avete adesso?", None),
    ],
)
def test_the_procedure_is_recognised_in_three_languages(text: str, kind: str | None) -> None:
    assert rules.detect_procedure(text) == kind


def test_questions_about_a_procedure_are_not_requests() -> None:
    assert rules.is_information_question("come funziona la voltura?")
    assert rules.is_information_question("how does a change of holder work?")
    assert rules.is_information_question("quels documents pour une voltura ?")
    assert not rules.is_information_question("vorrei fare la voltura della luce")


def test_fiscal_code_format_and_check_letter() -> None:
    assert rules.fiscal_code_problem("RSSMRA80A01H501U") is None
    assert rules.fiscal_code_problem("rssmra80a01h501u") is None
    assert rules.fiscal_code_problem("RSSMRA8LA01H501F") is None  # omocodia (0 -> L)
    assert rules.fiscal_code_problem("RSSMRA80A01H501X") == "check"
    assert rules.fiscal_code_problem("RSSMRA80Z01H501U") == "format"  # no month Z
    assert rules.fiscal_code_problem("RSSMRA80A01H501") == "format"
    assert rules.find_fiscal_code("cf: rssmra80a01h501u grazie") == "RSSMRA80A01H501U"
    assert rules.find_fiscal_code("una rappresentazione") is None  # 16 letters, no digits


def test_holder_name_is_read_around_the_tax_code() -> None:
    assert rules.holder_name("Mario Rossi RSSMRA80A01H501U") == "Mario Rossi"
    assert rules.holder_name("il nuovo intestatario è mario rossi, cf RSSMRA80A01H501U") == (
        "Mario Rossi"
    )
    assert rules.holder_name("Luca De Santis") == "Luca De Santis"
    assert rules.holder_name("il nome di mio marito è Mario Rossi") == "Mario Rossi"
    assert rules.holder_name("RSSMRA80A01H501U") is None
    assert rules.holder_name("Mario") is None


def test_iban_problems_are_named() -> None:
    assert rules.iban_problem("IT60X0542811101000000123456") is None
    assert rules.iban_problem("IT60 X054 2811 1010 0000 0123 456") is None
    assert rules.iban_problem("IT60X0542811101000000123457") == "checksum"
    assert rules.iban_problem("IT60X05428111010000001234") == "length"
    assert rules.iban_problem("IT6000542811101000000123456") == "format"  # CIN must be a letter
    assert rules.iban_problem("US60X0542811101000000123456") == "country"
    assert rules.find_iban_like("iban IT60X05428111010000001234") == "IT60X05428111010000001234"
    assert rules.find_iban_like("dal 15 dicembre 2026") is None
    assert rules.mask_iban("IT60X0542811101000000123456") == "IT60 **** 3456"


def test_power_is_a_standard_value_different_from_the_current_one() -> None:
    assert rules.find_power("da 3 a 4,5 kW") == Decimal("4.5")
    assert rules.find_power("voglio 6 kw") == Decimal("6")
    assert rules.find_power("6") is None and rules.find_power("6", bare=True) == Decimal("6")
    assert rules.power_problem(Decimal("4.5"), Decimal("3")) is None
    assert rules.power_problem(Decimal("10"), None) is None
    assert rules.power_problem(Decimal("5"), Decimal("3")) == "not_standard"
    assert rules.power_problem(Decimal("3"), Decimal("3")) == "same"
    assert rules.format_kw(Decimal("4.5")) == "4,5" and rules.format_kw(Decimal("3")) == "3"


def test_start_dates_roll_over_to_next_year_and_past_ones_are_refused() -> None:
    assert rules.find_start_date("dal 15 gennaio", TODAY) == date(2027, 1, 15)
    assert rules.find_start_date("dal 15/01/2026", TODAY) == date(2026, 1, 15)  # year given
    assert rules.start_date_problem(date(2026, 1, 15), TODAY) == "past"
    assert rules.start_date_problem(TODAY, TODAY) is None
    assert rules.find_past_date("5 giorni fa", TODAY) == date(2026, 11, 21)
    assert rules.find_past_date("3 days ago", TODAY) == date(2026, 11, 23)
    assert rules.find_past_date("il y a 2 jours", TODAY) == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("signed", "allowed", "reason"),
    [
        (date(2026, 11, 12), True, "ok"),  # the 14th day is today
        (date(2026, 11, 11), False, "expired"),
        (TODAY, True, "ok"),
        (date(2026, 11, 27), False, "future"),
    ],
)
def test_withdrawal_is_possible_for_14_days(signed: date, allowed: bool, reason: str) -> None:
    window = rules.withdrawal_window(signed, TODAY)
    assert (window.allowed, window.reason) == (allowed, reason)
    assert window.deadline == date.fromordinal(signed.toordinal() + 14)


def test_slots_are_asked_in_order_and_power_only_for_electricity() -> None:
    assert rules.missing_slots("voltura", {"supply_id": "S-1"}, "gas") == ["holder", "date"]
    assert rules.missing_slots("voltura", {"holder_name": "A B"}, None) == [
        "supply",
        "holder",
        "date",
    ]
    assert rules.missing_slots("subentro", {"commodity": "gas"}, "gas") == ["address", "date"]
    assert "power" in rules.missing_slots("subentro", {"commodity": "electricity"}, "electricity")
    assert rules.missing_slots("power_change", {"supply_id": "S-1", "power_kw": "6"}, None) == []
    assert rules.slots_of("payment_method") == ("supply", "iban")


def test_documents_follow_the_corpus_per_procedure() -> None:
    assert rules.documents_needed("voltura", "electricity") == ["meter_reading", "occupancy_title"]
    assert rules.documents_needed("voltura_mortis_causa", "gas") == [
        "death_declaration",
        "meter_reading",
        "occupancy_title",
        "gas_safety",
    ]
    assert rules.documents_needed("subentro", "water") == ["occupancy_title"]
    assert rules.documents_needed("withdrawal", "gas") == ["withdrawal_form"]
    assert rules.documents_needed("termination", "gas") == ["final_reading"]
    for kind in ("offer_change", "payment_method", "power_change"):
        assert rules.documents_needed(kind, "electricity") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("je prends le fixe", "Lumea Luce Fissa"),
        ("the fixed one please", "Lumea Luce Fissa"),
        ("quella a prezzo variabile", "Lumea Luce Variabile Indicizzata PUN"),
        ("la seconda", "Lumea Luce Variabile Indicizzata PUN"),
    ],
)
def test_an_offer_is_chosen_by_its_distinctive_word_in_any_language(text: str, name: str) -> None:
    offers = [
        {"code": "LUMEA-LF-2026", "doc_id": "offerta-lf", "name": "Lumea Luce Fissa"},
        {
            "code": "LUMEA-LV-2026",
            "doc_id": "offerta-lv",
            "name": "Lumea Luce Variabile Indicizzata PUN",
        },
    ]
    chosen = choose_offer(text, offers)
    assert chosen is not None and chosen["name"] == name
