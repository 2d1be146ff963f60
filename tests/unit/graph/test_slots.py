"""Slot extraction from free customer text: Italian, English, French, typos and traps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from graph.slots import (
    find_amount,
    find_customer_code,
    find_date,
    find_iban,
    find_month,
    find_otp,
    find_pdr,
    find_phone,
    find_pod,
    find_reading,
    mislabelled_code,
    validate_iban,
    validate_pdr,
    validate_pod,
)

TODAY = date(2026, 3, 20)


def make_iban(country: str, bban: str) -> str:
    """ISO 13616 check digits computed here, independently of the code under test."""
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


# Italian BBAN = CIN letter + ABI (5) + CAB (5) + account (12).
IT_VALID = [
    make_iban("IT", "X0542811101000000123456"),
    make_iban("IT", "A0306909606100000063131"),
    make_iban("IT", "K0200802435000104428964"),
    make_iban("IT", "Z0760101600000000012345"),
    make_iban("IT", "B0100503382000000218020"),
    make_iban("IT", "M0311101601000000001234"),
    make_iban("IT", "C03069000000000ABC12345"),  # letters in the account part
]


def test_iban_helper_matches_the_published_example() -> None:
    assert make_iban("IT", "X0542811101000000123456") == "IT60X0542811101000000123456"


@pytest.mark.parametrize("iban", IT_VALID)
def test_valid_italian_ibans(iban: str) -> None:
    assert len(iban) == 27
    assert validate_iban(iban)
    spaced = " ".join(iban[i : i + 4] for i in range(0, 27, 4))
    assert validate_iban(spaced.lower())
    assert find_iban(f"il mio iban è {spaced} grazie") == iban
    assert find_iban(f"IBAN:{iban}.") == iban


def _corruptions(iban: str) -> list[str]:
    digit_at = next(i for i in range(5, 27) if iban[i].isdigit())
    changed = iban[:digit_at] + str((int(iban[digit_at]) + 1) % 10) + iban[digit_at + 1 :]
    swap_at = next(i for i in range(5, 26) if iban[i] != iban[i + 1])
    swapped = iban[:swap_at] + iban[swap_at + 1] + iban[swap_at] + iban[swap_at + 2 :]
    check = int(iban[2:4])
    wrong_check = f"{iban[:2]}{(check + 1) % 97 or 2:02d}{iban[4:]}"
    return [changed, swapped, wrong_check, iban[:-1], iban + "0"]


@pytest.mark.parametrize("iban", IT_VALID)
def test_corrupted_italian_ibans_fail(iban: str) -> None:
    for corrupted in _corruptions(iban):
        assert not validate_iban(corrupted), corrupted


@pytest.mark.parametrize(
    "iban",
    [
        make_iban("DE", "370400440532013000"),
        make_iban("FR", "20041010050500013M02606"),
        make_iban("ES", "21000418450200051332"),
        make_iban("GB", "NWBK60161331926819"),
        make_iban("BE", "539007547034"),
        make_iban("SM", "U0322509800000000270100"),
    ],
)
def test_valid_foreign_ibans(iban: str) -> None:
    assert validate_iban(iban)
    assert find_iban(f"my IBAN is {iban} thanks") == iban


@pytest.mark.parametrize(
    "iban",
    [
        "",
        "IT60X054281110100000012345",  # 26 characters
        "IT6OX0542811101000000123456",  # letter O for zero in the check digits
        "IT600542811101000000123456X",  # Italian structure: CIN letter first
        "DE89370400440532013000" + "1",  # German length is 22
        "60IT X054 2811 1010 0000 0123 456",
        "IT60X0542811101000000123456!",
    ],
)
def test_malformed_ibans_fail(iban: str) -> None:
    assert not validate_iban(iban)


def test_find_iban_returns_a_mistyped_italian_iban_for_the_caller_to_reject() -> None:
    found = find_iban("iban IT61 X054 2811 1010 0000 0123 456")
    assert found == "IT61X0542811101000000123456"
    assert not validate_iban(found)
    too_long = find_iban("IT60 X054 2811 1010 0000 0123 4567")
    assert too_long is not None and not validate_iban(too_long)


@pytest.mark.parametrize(
    "text",
    [
        "nessun iban qui",
        "pod IT001E12345678 e la lettura 1234 e altro testo piuttosto lungo",
        "codice LM00012345",
        "pdr 00880000123456",
    ],
)
def test_no_iban(text: str) -> None:
    assert find_iban(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("il mio pod è IT001E12345678", "IT001E12345678"),
        ("pod it 001 e 1234 5678 grazie", "IT001E12345678"),
        ("POD: IT002E87654321A", "IT002E87654321A"),
        ("my POD is IT003E000012349", "IT003E000012349"),
        ("mon POD est it001e12345678.", "IT001E12345678"),
        ("IT001-E-12345678", "IT001E12345678"),
        ("IT001E12345678 e la lettura 1234", "IT001E12345678"),
        ("pod IT001E1234567", None),  # 7 digits
        ("pod IT01E12345678", None),  # 2-digit distributor
        ("pod IT001X12345678", None),
        ("solo 12345678", None),
        ("iban IT60X0542811101000000123456", None),
    ],
)
def test_find_pod(text: str, expected: str | None) -> None:
    assert find_pod(text) == expected


@pytest.mark.parametrize(
    ("pod", "valid"),
    [
        ("IT001E12345678", True),
        ("IT001E123456789", True),
        ("it001e12345678", True),
        ("IT 001 E 12345678", True),
        ("IT001E1234567", False),
        ("IT001E1234567890", False),
        ("FR001E12345678", False),
        ("IT001F12345678", False),
        ("", False),
    ],
)
def test_validate_pod(pod: str, valid: bool) -> None:
    assert validate_pod(pod) is valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("il mio pdr è 00880000123456", "00880000123456"),
        ("PDR: 0088 0000 1234 56", "00880000123456"),
        ("pdr 0088-0000-1234-56.", "00880000123456"),
        ("gas supply point 12345678901234, thanks", "12345678901234"),
        ("PDR IT00880000123456", "00880000123456"),
        ("pdr 0088000012345", None),  # 13 digits
        ("pdr 008800001234567", None),  # 15 digits
        ("chiamami al 0039 333 1234567", None),  # a phone, 14 digits with the prefix
        ("+39 333 1234567", None),
        ("iban IT60X0542811101000000123456", None),
        ("pod IT001E12345678", None),
    ],
)
def test_find_pdr(text: str, expected: str | None) -> None:
    assert find_pdr(text) == expected


@pytest.mark.parametrize(
    ("pdr", "valid"),
    [
        ("00880000123456", True),
        ("0088 0000 1234 56", True),
        ("0088000012345", False),
        ("008800001234567", False),
        ("0088000012345A", False),
        ("", False),
    ],
)
def test_validate_pdr(pdr: str, valid: bool) -> None:
    assert validate_pdr(pdr) is valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("codice cliente LM00012345", "LM00012345"),
        ("lm00012345", "LM00012345"),
        ("il mio codice è lm 0001 2345", "LM00012345"),
        ("LM-00012345", "LM00012345"),
        ("l m 00012345", "LM00012345"),
        ("my customer code: Lm12345678.", "LM12345678"),
        ("mon code client est LM98765432", "LM98765432"),
        ("LM0001234", None),  # 7 digits
        ("LM000123456", None),  # 9 digits
        ("ALM00012345", None),
        ("00012345", None),
    ],
)
def test_find_customer_code(text: str, expected: str | None) -> None:
    assert find_customer_code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("84,20 €", "84.20"),
        ("€ 84.20", "84.20"),
        ("84 euro", "84.00"),
        ("1.234,56", "1234.56"),
        ("la bolletta è di 1.234,56 €", "1234.56"),
        ("totale 1.234,56 EUR", "1234.56"),
        ("the bill is €1,234.56", "1234.56"),
        ("la facture fait 84,20 euros", "84.20"),
        ("€84", "84.00"),
        ("84€", "84.00"),
        ("84,2 €", "84.20"),
        ("84 euro e 20 centesimi", "84.20"),
        ("84 euros et 5 centimes", "84.05"),
        ("ho pagato 84,20 ieri", "84.20"),
        ("ho pagato 84 eruo", "84.00"),  # typo
        ("pagati 12.000 euro", "12000.00"),
        ("il 15.03.2026 ho pagato 84,20", "84.20"),
        ("scadenza 15/03/2026 importo 84,20 €", "84.20"),
        ("ho pagato 84", None),  # no currency, no cents: could be anything
        ("lettura 1234,5 mc", None),
        ("europa 12", None),
        ("chiamate il 800 123 456", None),
        ("pod IT001E12345678", None),
    ],
)
def test_find_amount(text: str, expected: str | None) -> None:
    found = find_amount(text)
    assert found == (Decimal(expected) if expected else None)
    if found is not None:
        assert found.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/2026", date(2026, 3, 15)),
        ("letto il 15-03-26", date(2026, 3, 15)),
        ("15.03.2026", date(2026, 3, 15)),
        ("5/3/2026", date(2026, 3, 5)),
        ("il 15/03", date(2026, 3, 15)),
        ("2026-03-01", date(2026, 3, 1)),
        ("15 marzo 2026", date(2026, 3, 15)),
        ("il 1° aprile", date(2026, 4, 1)),
        ("il 15 marzzo", date(2026, 3, 15)),  # typo
        ("15 febraio 2025", date(2025, 2, 15)),  # typo
        ("lunedì 2 settembre 2024", date(2024, 9, 2)),
        ("le 15 mars", date(2026, 3, 15)),
        ("le 1er mai 2026", date(2026, 5, 1)),
        ("3 février", date(2026, 2, 3)),
        ("3 fevrier", date(2026, 2, 3)),
        ("17 août", date(2026, 8, 17)),
        ("March 15", date(2026, 3, 15)),
        ("on March 15th, 2025", date(2025, 3, 15)),
        ("on the 1st of April", date(2026, 4, 1)),
        ("Dec 24", date(2026, 12, 24)),
        ("sept. 9", date(2026, 9, 9)),
        ("ieri", date(2026, 3, 19)),
        ("l'ho letto ieri sera", date(2026, 3, 19)),
        ("oggi", date(2026, 3, 20)),
        ("yesterday", date(2026, 3, 19)),
        ("I read it yesterady", date(2026, 3, 19)),  # typo
        ("today", date(2026, 3, 20)),
        ("hier", date(2026, 3, 19)),
        ("aujourd'hui", date(2026, 3, 20)),
        ("aujourd’hui", date(2026, 3, 20)),
        ("avant-hier", date(2026, 3, 18)),
        ("l'altro ieri", date(2026, 3, 18)),
        ("the day before yesterday", date(2026, 3, 18)),
        ("domani", date(2026, 3, 21)),
        ("ieri, cioè il 19/03/2026", date(2026, 3, 19)),  # the first one wins
        ("31/02/2026", None),
        ("3 giorni fa", None),
        ("2 settimane fa", None),
        ("ho pagato 84,20", None),
        ("15.03", None),
        ("chiamami al 333 123 4567", None),
        ("pdr 00880000123456", None),
        ("nessuna data", None),
    ],
)
def test_find_date(text: str, expected: date | None) -> None:
    assert find_date(text, TODAY) == expected


def test_find_date_is_relative_to_today() -> None:
    assert find_date("ieri", date(2026, 1, 1)) == date(2025, 12, 31)
    assert find_date("15 marzo", date(2025, 6, 1)) == date(2025, 3, 15)


def _r(**values: str) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in values.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01234", _r(total="1234")),
        ("la lettura è 1234 grazie", _r(total="1234")),
        ("lettura 1234,5 mc", _r(total="1234.5")),
        ("gas: 01234,567", _r(total="1234.567")),
        ("il contatore segna 12.345 kWh", _r(total="12345")),
        ("the meter says 4567 m³", _r(total="4567")),
        ("mon compteur indique 004321", _r(total="4321")),
        ("F1 1234 F2 567 F3 890", _r(F1="1234", F2="567", F3="890")),
        ("f1: 1234, f2: 567, f3: 890", _r(F1="1234", F2="567", F3="890")),
        ("F1=1234 F2=567 F3=890 kWh", _r(F1="1234", F2="567", F3="890")),
        ("A1 100 A2 200 A3 300", _r(F1="100", F2="200", F3="300")),
        ("a+t1 = 10 a+t2 = 20 a+t3=30", _r(F1="10", F2="20", F3="30")),
        ("fascia 1 1234 fascia 2 567", _r(F1="1234", F2="567")),
        ("pod IT001E12345678 lettura 4567", _r(total="4567")),
        ("LM00012345 lettura 4567 del 15/03/2026", _r(total="4567")),
        ("letto 2 giorni fa: 1234", _r(total="1234")),
        ("siamo in 3 persone e segna 1234", _r(total="1234")),
        ("letto ieri, 1234, pagato 84,20 €", _r(total="1234")),
        (
            "1234567 kWh",
            _r(total="1234567"),
        ),  # the unit says it is a reading: validation rejects it
        ("lettura 1234 e 5678", None),  # two readings: ask again
        ("1234567", None),
        ("chiamami al 3331234567", None),
        ("+39 333 1234567", None),
        ("pdr 00880000123456", None),
        ("pod IT001E12345678", None),
        ("codice LM00012345", None),
        ("il 15/03/2026", None),
        ("15 marzo 2026", None),
        ("ho pagato 84,20 €", None),
        ("iban IT60X0542811101000000123456", None),
        ("potenza 3 kW", None),
        ("nessun numero", None),
    ],
)
def test_find_reading(text: str, expected: dict[str, Decimal] | None) -> None:
    assert find_reading(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("codice 123456", "123456"),
        ("il codice è 123 456", "123456"),
        ("123-456", "123456"),
        ("OTP: 654321.", "654321"),
        ("mon code est 000123", "000123"),
        ("my code is 987654, thanks", "987654"),
        ("+39 333 1234567 codice 123456", "123456"),
        ("12345", None),
        ("1234567", None),
        ("333 123 4567", None),
        ("LM00123456", None),
        ("ho pagato 123456 €", None),
        ("15/03/2026", None),
        ("pdr 00880000123456", None),
        ("123 456 789", None),
    ],
)
def test_find_otp(text: str, expected: str | None) -> None:
    assert find_otp(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chiamami al 333 123 4567", "+393331234567"),
        ("cell 3331234567.", "+393331234567"),
        ("+39 333 1234567", "+393331234567"),
        ("+393331234567", "+393331234567"),
        ("0039 333 1234567", "+393331234567"),
        ("333-123-4567", "+393331234567"),
        ("fisso 055 1234567", "+390551234567"),
        ("06 1234 5678", "+390612345678"),
        ("numero verde 800 123 456", "+39800123456"),
        ("mon numéro: +33 6 12 34 56 78", "+33612345678"),
        ("call me on +44 20 7946 0958", "+442079460958"),
        ("+39 333 1234567 e il codice 123456", "+393331234567"),
        ("codice 123456", None),
        ("pdr 00880000123456", None),
        ("iban IT60X0542811101000000123456", None),
        ("1.234,56 €", None),
        ("15/03/2026", None),
        ("LM00012345", None),
    ],
)
def test_find_phone(text: str, expected: str | None) -> None:
    assert find_phone(text) == expected


def test_one_message_with_everything() -> None:
    text = (
        "Buongiorno, sono LM00012345, pod IT001E12345678, pdr 00880000123456, "
        "cell +39 333 1234567, iban IT60 X054 2811 1010 0000 0123 456. "
        "Ieri ho pagato 84,20 € e il contatore segna 01234 mc. Codice 654321."
    )
    assert find_customer_code(text) == "LM00012345"
    assert find_pod(text) == "IT001E12345678"
    assert find_pdr(text) == "00880000123456"
    assert find_phone(text) == "+393331234567"
    assert find_iban(text) == "IT60X0542811101000000123456"
    assert find_date(text, TODAY) == date(2026, 3, 19)
    assert find_amount(text) == Decimal("84.20")
    assert find_reading(text) == {"total": Decimal("1234")}
    assert find_otp(text) == "654321"


@pytest.mark.parametrize(
    ("text", "count", "expected"),
    [
        ("2", 3, 1),
        ("opzione 2", 3, 1),
        ("la prima", 3, 0),
        ("il primo", 2, 0),
        ("the second one", 3, 1),
        ("first", 2, 0),
        ("la deuxième", 3, 1),
        ("la dernière", 3, 2),
        ("the last one", 2, 1),
        ("1)", 3, 0),
        ("la terza", 2, None),  # there are only two
        ("12", 3, None),
        ("la prima bolletta di marzo", 3, None),  # more than a pick
        ("2 rate", 3, None),
    ],
)
def test_find_position(text: str, count: int, expected: int | None) -> None:
    from graph.slots import find_position

    assert find_position(text, count) == expected


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("e quella di settembre?", 9),
        ("my March bill", 3),
        ("la facture de mars", 3),
        ("la facture de mai", 5),
        ("la bolletta di setembre", 9),
        ("may I pay by card?", None),
        ("Mars is a planet", None),
        ("mandami l'ultima bolletta", None),
    ],
)
def test_a_month_named_by_its_name(text: str, month: int | None) -> None:
    assert find_month(text) == month


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("il mio pdr è IT001E12345678 giusto?", ("pod", "IT001E12345678")),
        ("mon PDR c'est IT 001 E 1234 5678 ?", ("pod", "IT001E12345678")),
        ("my POD is 00881234567890, right?", ("pdr", "00881234567890")),
        ("il mio pod è IT001E12345678", None),  # rightly named
        ("pdr 00881234567890", None),
        ("pod IT001E12345678 e pdr 00881234567890", None),  # both named: nothing to correct
        ("qual è il formato del pdr?", None),  # no code
    ],
)
def test_a_supply_code_under_the_other_codes_name(
    text: str, expected: tuple[str, str] | None
) -> None:
    assert mislabelled_code(text) == expected
