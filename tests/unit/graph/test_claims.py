"""The claim checker: figures read in Italian and English formats, and invented ones caught."""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph.claims import TRIVIAL, figures, unsupported_figures

D = Decimal

FIGURES = [
    # text, values, dates
    ("0,1185 €/kWh", {D("0.1185")}, set()),
    ("0.1185 €/kWh", {D("0.1185")}, set()),
    ("84,20 €", {D("84.20")}, set()),
    ("€84.20", {D("84.20")}, set()),
    ("Totale: 1.234,56 €", {D("1234.56")}, set()),
    ("1 234,56 €", {D("1234.56")}, set()),
    ("1.234.567,89 €", {D("1234567.89")}, set()),
    ("una soglia di 1.000 euro", {D("1000")}, set()),
    ("fino al 150%", {D("150")}, set()),
    ("IVA al 10%.", {D("10")}, set()),
    ("interessi al 2,15% annuo", {D("2.15")}, set()),
    ("entro 10 giorni lavorativi", {D("10")}, set()),
    ("potenza 4,5 kW", {D("4.5")}, set()),
    ("scade il 15/03/2026.", set(), {"15/03/2026"}),
    ("due 2026-03-15", set(), {"2026-03-15"}),
    ("dal 01/02/2026 al 31/03/2026: 84,20 €", {D("84.20")}, {"01/02/2026", "31/03/2026"}),
    ("pronto intervento gas 800 900 222", {D("800900222")}, set()),
    ("codice cliente LM12345678", set(), set()),  # digits glued to letters are not figures
    ("POD IT001E12345678", set(), set()),
    ("nessuna cifra qui", set(), set()),
]


@pytest.mark.parametrize(("text", "values", "dates"), FIGURES)
def test_figures_reads_italian_and_english_formats(
    text: str, values: set[Decimal], dates: set[str]
) -> None:
    assert figures(text) == (values, dates)


def test_equal_amounts_compare_equal_whatever_the_trailing_zeros() -> None:
    assert figures("84,2")[0] == figures("84,20 €")[0] == figures("84.20")[0] == {D("84.2")}
    assert figures("3,00")[0] == {D("3")}
    assert figures("84.200 kWh")[0] == {D("84200")}  # a dot before three digits: thousands


SUPPORTED = [
    # reply, evidence: every figure in the reply is stated somewhere in the evidence
    ("Il prezzo è 0.1185 €/kWh.", ["Prezzo energia: 0,1185 €/kWh (F0)."]),
    ("Il prezzo è 0,1185 €/kWh.", ["Energy price: 0.1185 €/kWh."]),
    ("Devi pagare 1.234,56 €.", ["importo 1234,56 euro"]),
    ("The amount is 84.20 euro.", ["Importo: 84,20 €"]),
    ("Puoi rateizzare fino al 150% della media.", ["oltre il 150 % dell'addebito medio"]),
    ("Hai 10 giorni per pagare.", ["Il pagamento va fatto entro 10 giorni dalla scadenza."]),
    ("La bolletta scade il 15/03/2026.", ["Scadenza: 15/03/2026"]),
    ("Chiama il 800 900 222.", ["Pronto intervento gas: 800 900 222, 24 ore su 24."]),
    ("Chiama il 800900222.", ["Pronto intervento gas: 800 900 222."]),
    ("Ci sono 2 opzioni: 1) online 3) allo sportello.", []),  # trivial small counts
    ("Nessuna cifra in questa risposta.", []),
]


@pytest.mark.parametrize(("reply", "evidence"), SUPPORTED)
def test_figures_stated_in_the_evidence_are_accepted(reply: str, evidence: list[str]) -> None:
    assert unsupported_figures(reply, evidence) == []


INVENTED = [
    # reply, evidence, what the checker must report (as written in the reply)
    ("La rata mensile è di 95,00 €.", ["rata mensile 84,20 €"], ["95,00"]),
    ("Il prezzo è 0,12 €/kWh.", ["Prezzo energia: 0,1185 €/kWh."], ["0,12"]),
    ("Puoi rateizzare oltre il 15%.", ["oltre il 150% dell'addebito medio"], ["15"]),
    ("Hai 20 giorni per pagare.", ["entro 10 giorni dalla scadenza"], ["20"]),
    ("La bolletta scade il 16/03/2026.", ["Scadenza: 15/03/2026"], ["16/03/2026"]),
    ("Chiama il 800 900 999.", ["Pronto intervento gas: 800 900 222."], ["800 900 999"]),
    ("Ti rimborsiamo 4 euro.", [], ["4"]),  # 4 is no longer a trivial count
    ("Totale 1.234,57 €.", ["Totale 1.234,56 €"], ["1.234,57"]),
]


@pytest.mark.parametrize(("reply", "evidence", "missing"), INVENTED)
def test_an_invented_figure_is_caught(reply: str, evidence: list[str], missing: list[str]) -> None:
    assert unsupported_figures(reply, evidence) == missing


def test_every_invented_figure_is_reported_dates_and_values() -> None:
    reply = "Entro il 20/04/2026 paghi 3 rate da 33,33 € con interessi al 4,5%."
    missing = unsupported_figures(reply, ["Rateizzazione in rate mensili senza interessi."])
    assert sorted(missing) == sorted(["20/04/2026", "33,33", "4,5"])


def test_small_counts_are_trivial_but_four_is_not() -> None:
    assert {D(n) for n in range(4)} == TRIVIAL
    assert unsupported_figures("0) 1) 2) 3)", []) == []
    assert unsupported_figures("3,0 opzioni", []) == []  # 3,0 is the value 3
    assert unsupported_figures("3,5 opzioni", []) == ["3,5"]


def test_a_figure_present_only_in_a_tool_result_is_accepted() -> None:
    passage = "La bolletta si paga entro la data di scadenza indicata in prima pagina."
    tool_result = "Bolletta gas n. 2026/000123: 84,20 €, scadenza 15/03/2026, non pagata."
    reply = "La tua bolletta del gas è di 84,20 € e scade il 15/03/2026."
    assert unsupported_figures(reply, [passage, tool_result]) == []
    assert sorted(unsupported_figures(reply, [passage])) == ["15/03/2026", "84,20"]


def test_evidence_may_be_any_iterable_and_is_read_once() -> None:
    evidence = (text for text in ["Importo 84,20 €", "Scadenza 15/03/2026"])
    assert unsupported_figures("84,20 € entro il 15/03/2026", evidence) == []


def test_a_date_is_not_split_into_day_month_and_year() -> None:
    # 15, 03 and 2026 are not figures of their own: only the date as a whole is checked.
    assert unsupported_figures("scade il 15/03/2026", ["Scadenza 15/03/2026"]) == []
    assert figures("15/03/2026") == (set(), {"15/03/2026"})


def test_english_price_with_three_decimals_is_a_decimal() -> None:
    assert figures("0.118 €/kWh") == ({D("0.118")}, set())
    assert unsupported_figures("The price is 0.118 €/kWh.", ["Prezzo: 0,118 €/kWh"]) == []


def test_english_thousands_with_decimals_is_one_amount() -> None:
    assert figures("€1,234.56") == ({D("1234.56")}, set())
    assert unsupported_figures("You owe €1,234.56.", ["Importo: 1.234,56 €"]) == []
