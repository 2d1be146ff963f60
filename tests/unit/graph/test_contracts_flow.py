"""Contract procedures end to end: offline brain, demo backend, case opened only on consent."""

from __future__ import annotations

import re

import pytest

from knowledge.schema import SearchFilters
from tests.conftest import converse
from tests.fakes import ScriptedChatModel, tool_call

GIULIA, MARCO, LORENZO, VALENTINA = "LM00010001", "LM00010002", "LM00010009", "LM00010010"
SARAH = "LM00010028"
GIULIA_POD, GIULIA_PDR, MARCO_POD = "IT001E12345678", "00881234567890", "IT001E03455017"
VALID_IBAN, MISTYPED_IBAN = "IT60X0542811101000000123456", "IT60X0542811101000000123457"


def _tools(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.tool for a in result.actions]


def _new_cases(deps, code: str, before: list) -> list:  # type: ignore[no-untyped-def,type-arg]
    """The cases opened during the test (the demo seeds a few)."""
    known = {c.case_id for c in before}
    return [c for c in deps.backend.list_cases(code) if c.case_id not in known]


def _case_id(reply: str | None) -> str:
    found = re.search(r"PR-\d{4}-\d{6}", reply or "")
    assert found, reply
    return found.group(0)


def test_voltura_is_collected_confirmed_then_opened_with_its_documents(make_graph) -> None:
    graph, deps = make_graph()
    asked = converse(
        graph,
        "vorrei fare la voltura della luce",
        GIULIA,
        "123456",
        "Mario Rossi RSSMRA80A01H501U",
        "dal 15 dicembre",
        user="wa-voltura",
    )
    assert asked[0].awaiting == "identification"  # a case needs the customer identified first
    assert "nuovo intestatario" in (asked[2].reply or "")
    summary = asked[-1].reply or ""
    assert "Riepilogo" in summary and "Confermi" in summary
    assert GIULIA_POD in summary and "Mario Rossi (RSSMRA80A01H501U)" in summary
    assert "15/12/2026" in summary
    assert deps.backend.list_cases(GIULIA) == []  # nothing before the explicit yes

    (done,) = converse(graph, "sì", user="wa-voltura")
    case_id = _case_id(done.reply)
    (case,) = deps.backend.list_cases(GIULIA)
    assert case.case_id == case_id and case.kind == "voltura"
    assert case.supply_id == "S-000001" and case.status == "waiting_documents"
    assert case.data["holder_name"] == "Mario Rossi"
    assert case.data["fiscal_code"] == "RSSMRA80A01H501U"
    assert case.data["date"] == "2026-12-15"
    assert case.documents_needed == [
        "la lettura del contatore alla data della voltura",
        "il titolo di occupazione dell'immobile (proprietà, affitto, comodato o altro)",
    ]
    assert "lettura del contatore" in (done.reply or "") and "titolo di occupazione" in (
        done.reply or ""
    )
    assert _tools(done) == ["open_case"]

    (event,) = [e for e in deps.audit.events(kind="tool") if e.name == "open_case"]
    assert event.customer_code == GIULIA and "explicit consent" in event.reason
    assert event.data == {
        "case_id": case_id,
        "kind": "voltura",
        "supply_id": "S-000001",
        "documents": ["meter_reading", "occupancy_title"],
    }
    assert all("Mario" not in f"{e.reason} {e.data}" for e in deps.audit.events())


def test_voltura_after_a_death_asks_for_the_self_certification(make_graph) -> None:
    graph, deps = make_graph()
    results = converse(
        graph,
        "il contratto del gas è intestato a mio padre che è morto, devo fare la voltura",
        VALENTINA,
        "123456",
        "il nuovo intestatario è Luca Pratesi PRTLCU85T10D612X",
        "codice fiscale PRTLCU85T10D612E",
        "oggi",
        "sì",
        user="wa-mortis",
    )
    ask, typo, done = results[2], results[3], results[-1]
    assert "Mi dispiace molto per la tua perdita" in (ask.reply or "")
    assert "PRTLCU85T10D612X non è valido" in (typo.reply or "")
    assert "26/11/2026" in (results[5].reply or "")
    (case,) = deps.backend.list_cases(VALENTINA)
    assert case.kind == "voltura_mortis_causa" and case.case_id == _case_id(done.reply)
    assert case.data["holder_name"] == "Luca Pratesi"
    assert case.data["fiscal_code"] == "PRTLCU85T10D612E" and case.data["date"] == "2026-11-26"
    assert any("dichiarazione sostitutiva" in d for d in case.documents_needed)
    assert any("sicurezza dell'impianto" in d for d in case.documents_needed)  # gas
    assert "dichiarazione sostitutiva" in (done.reply or "")


def test_offer_change_lists_todays_offers_with_quoted_prices(make_graph) -> None:
    graph, deps = make_graph()
    results = converse(
        graph, "voglio cambiare offerta della luce", GIULIA, "123456", "1", "sì", user="wa-offer"
    )
    offers, summary, done = results[2], results[3], results[4]
    listed = offers.reply or ""
    assert "LUMEA-LF-2026" in listed and "LUMEA-LV-PUN-2026" in listed
    assert "0,1185 €/kWh" in listed and "114 €/anno" in listed  # fixed price, quoted
    assert "0,0150 €/kWh" in listed and "120 €/anno" in listed  # PUN + spread, quoted
    assert "0,1290" not in listed and "LUMEA-LF-2025" not in listed  # the 2025 sheet expired
    assert {c.doc_id for c in offers.citations} == {
        "offerta-luce-fissa",
        "offerta-luce-variabile-pun",
    }
    assert [c["id"] for c in offers.choices] == ["LUMEA-LF-2026", "LUMEA-LV-PUN-2026"]
    assert "Lumea Luce Fissa (LUMEA-LF-2026)" in (summary.reply or "")
    assert "LUMEA-LF-2025" in (summary.reply or "")  # the current offer, for comparison
    (case,) = deps.backend.list_cases(GIULIA)
    assert case.kind == "offer_change" and case.supply_id == "S-000001"
    assert case.data["offer_code"] == "LUMEA-LF-2026"
    assert case.data["previous_offer_code"] == "LUMEA-LF-2025"
    assert case.documents_needed == [] and "Non servono altri documenti" in (done.reply or "")


def test_offers_are_introduced_in_english_and_quoted_from_the_italian_sheets(
    make_graph,
) -> None:
    graph, _ = make_graph()
    *_, offers = converse(
        graph, "I want to change my electricity offer", SARAH, "123456", user="wa-offer-en"
    )
    listed = offers.reply or ""
    assert "Lumea's electricity offers valid today, from the offer sheets (in Italian)" in listed
    assert "— your current offer" in listed  # Sarah is on LUMEA-LF-2026
    assert "0,1185 €/kWh" in listed and offers.citations


def test_a_question_about_offers_is_answered_then_taking_one_up_starts_the_change(
    make_graph,
) -> None:
    graph, deps = make_graph()
    answered, taken = converse(
        graph, "che offerte a prezzo fisso avete per la luce?", "ok la voglio attivare"
    )
    assert answered.route == "contracts" and answered.citations  # answered first, no code asked
    assert answered.awaiting != "identification" and "cambio offerta" in (answered.reply or "")
    assert taken.route == "contracts" and taken.awaiting == "identification", taken.reply
    _, offers, summary, _ = converse(graph, GIULIA, "123456", "1", "sì")
    assert [c["id"] for c in offers.choices] == ["LUMEA-LF-2026", "LUMEA-LV-PUN-2026"]
    assert "Lumea Luce Fissa (LUMEA-LF-2026)" in (summary.reply or "")
    (case,) = deps.backend.list_cases(GIULIA)
    assert case.kind == "offer_change" and case.data["offer_code"] == "LUMEA-LF-2026"


@pytest.mark.parametrize(
    ("question", "reply", "started"),
    [
        ("I'd like to know your fixed price offer for electricity", "ok I'll take it", True),
        ("quelles offres à prix fixe avez-vous pour le gaz ?", "ça m'intéresse", True),
        ("che offerte avete per il gas?", "no grazie, non mi interessa", False),
        ("quanto costa l'offerta luce fissa?", "non la voglio", False),
    ],
)
def test_taking_up_or_turning_down_the_offer_after_an_offers_answer(
    make_graph, question: str, reply: str, started: bool
) -> None:
    graph, deps = make_graph()
    answered, then = converse(graph, question, reply)
    assert answered.route == "contracts" and answered.citations and answered.choices
    assert then.route == "contracts", then.reply  # never the out-of-domain refusal
    assert (then.awaiting == "identification") is started, then.reply
    assert deps.backend.list_cases(GIULIA) == []


def test_a_question_about_another_suppliers_offer_offers_no_change(make_graph) -> None:
    graph, _ = make_graph()
    (answered,) = converse(graph, "ho ricevuto un'offerta da un altro fornitore, come funziona?")
    assert "cambio offerta" not in (answered.reply or "")


@pytest.mark.parametrize(
    "text",
    [
        "devo fare la voltura della luce, la lettura del contatore te la mando dopo",
        "I need a change of holder for the electricity, I'll send the meter reading later",
    ],
)
def test_a_voltura_that_mentions_the_meter_reading_is_a_voltura(make_graph, text: str) -> None:
    graph, deps = make_graph()
    started, _, holder = converse(graph, text, GIULIA, "123456")
    assert started.route == "contracts" and started.awaiting == "identification"
    assert holder.procedure is not None and holder.procedure.name == "contracts"
    named, dated, done = converse(graph, "Luca Peretti PRTLCU85T10D612E", "dal 1 dicembre", "sì")
    assert named.language == dated.language == started.language  # data keeps the language
    (case,) = deps.backend.list_cases(GIULIA)
    assert case.kind == "voltura"  # opened; the reading is listed among what is still needed
    assert any("lettura" in d for d in case.documents_needed), case.documents_needed


def test_direct_debit_refuses_a_mistyped_iban_and_saves_nothing(make_graph) -> None:
    graph, deps = make_graph()
    results = converse(
        graph,
        "vorrei attivare la domiciliazione bancaria",
        LORENZO,
        "123456",
        f"il mio IBAN è {MISTYPED_IBAN}",
        user="wa-iban",
    )
    refusal = results[-1].reply or ""
    assert "IBAN" in results[2].reply  # type: ignore[operator]
    assert f"L'IBAN {MISTYPED_IBAN} non è valido" in refusal
    assert "cifre di controllo" in refusal and "Non ho salvato nulla" in refusal
    assert deps.backend.list_cases(LORENZO) == []

    summary, done = converse(graph, f"scusa, l'IBAN è {VALID_IBAN}", "sì", user="wa-iban")
    assert "IT60 **** 3456" in (summary.reply or "") and VALID_IBAN not in (summary.reply or "")
    (case,) = deps.backend.list_cases(LORENZO)
    assert case.kind == "payment_method" and case.case_id == _case_id(done.reply)
    assert case.data["iban"] == VALID_IBAN
    assert case.supply_id is None and case.data["supplies"] == "S-000013,S-000014"


@pytest.mark.parametrize(
    "question",
    [
        "a che punto è la mia pratica di domiciliazione?",
        "where is my direct debit request?",
        "j'ai demandé le prélèvement automatique, où en est ma demande ?",
    ],
)
def test_the_status_of_the_customers_requests_after_identification(
    make_graph, question: str
) -> None:
    """ "A che punto è la mia pratica?" is about the customer's own requests: identification
    first (the question kept through it), then each request with its status."""
    graph, deps = make_graph()
    converse(graph, "vorrei attivare la domiciliazione bancaria", LORENZO, "123456",
             VALID_IBAN, "sì", user="wa-cases")  # fmt: skip
    (case,) = deps.backend.list_cases(LORENZO)
    asked, coded, listed = converse(graph, question, LORENZO, "123456", user="wa-cases-2")
    assert (asked.route, asked.awaiting) == ("contracts", "identification"), asked.reply
    assert coded.awaiting == "otp"
    assert listed.route == "contracts" and case.case_id in (listed.reply or ""), listed.reply
    assert [a.tool for a in listed.actions] == ["list_cases"]
    assert deps.backend.list_cases(LORENZO) == [case]  # read only


def test_no_requests_is_said_with_a_way_to_a_person(make_graph) -> None:
    graph, _ = make_graph()
    *_, listed = converse(graph, "a che punto è la mia richiesta di voltura?", GIULIA, "123456")
    assert "Non trovo pratiche a tuo nome" in (listed.reply or "") and "OPERATORE" in (
        listed.reply or ""
    )


def test_a_customer_code_in_reply_to_the_offer_starts_the_procedure(make_graph) -> None:
    """ "Procedo?" answered with the customer code: the procedure starts with identification.
    Before, the code was searched in the documents as a question."""
    graph, _ = make_graph()
    answered, coded, verified = converse(graph, "come funziona la voltura?", GIULIA, "123456")
    assert answered.procedure is not None and answered.procedure.step == "start"
    assert coded.route == "contracts" and coded.awaiting == "otp", coded.reply
    assert verified.route == "contracts" and verified.procedure is not None, verified.reply
    assert "search_knowledge" not in {a.tool for a in coded.actions + verified.actions}


def test_a_follow_up_after_an_offers_answer_is_answered_not_taken_as_a_reply(
    make_graph,
) -> None:
    graph, _ = make_graph()
    answered, follow_up = converse(
        graph, "combien coûte le kWh avec votre offre à prix fixe ?", "et pour le gaz ?"
    )
    assert answered.procedure is not None and answered.procedure.step == "start"
    assert follow_up.route == "contracts" and follow_up.language == "fr"
    assert "offerta-gas-fisso" in {c.doc_id for c in follow_up.citations}, follow_up.reply


def test_changing_the_holder_in_english_starts_the_voltura(make_graph) -> None:
    """ "change the holder of my contract" is a voltura (it had only matched "change of
    holder"), after a death the mortis causa one; it starts with identification."""
    graph, _ = make_graph()
    asked, coded, started = converse(
        graph,
        "I want to change the holder of my electricity contract, my husband passed away",
        "LM00010028",
        "123456",
    )
    assert (asked.route, asked.awaiting) == ("contracts", "identification"), asked.reply
    assert started.procedure is not None and started.procedure.name == "contracts"
    assert "search_knowledge" not in {a.tool for a in started.actions}, started.reply


def test_withdrawal_after_14_days_is_refused_precisely(make_graph) -> None:
    graph, deps = make_graph()
    before = deps.backend.list_cases(MARCO)
    results = converse(
        graph,
        "ho firmato il contratto il 2 ottobre, voglio esercitare il ripensamento",
        MARCO,
        "123456",
        user="wa-withdraw",
    )
    refusal = results[-1].reply or ""
    assert "il ripensamento non è più possibile" in refusal
    assert "02/10/2026" in refusal and "scaduti il 16/10/2026" in refusal
    assert _new_cases(deps, MARCO, before) == []

    summary, done = converse(
        graph, "voglio il ripensamento, ho firmato il 20 novembre", "sì", user="wa-withdraw"
    )
    assert "04/12/2026" in (summary.reply or "")  # 14 days from 20 November
    (case,) = _new_cases(deps, MARCO, before)
    assert case.kind == "withdrawal" and case.data["deadline"] == "2026-12-04"
    assert "modulo nell'area clienti" in (done.reply or "")


def test_subentro_at_a_new_address_with_its_meter_power_and_date(make_graph) -> None:
    graph, deps = make_graph()
    results = converse(
        graph,
        "devo fare un subentro, il contatore è chiuso",
        GIULIA,
        "123456",
        "luce",
        f"via Dante 3/5, Montevarchi, POD {GIULIA_POD}",
        "via Dante 3/5, Montevarchi, POD IT001E11223344",
        "3",
        "dal 10 dicembre",
        "sì",
        user="wa-subentro",
    )
    assert f"La fornitura {GIULIA_POD} è già tua e attiva" in (results[4].reply or "")
    assert "Che potenza vuoi impegnare" in (results[5].reply or "")  # "3/5" is no date
    summary = results[7].reply or ""
    assert "via Dante 3/5, Montevarchi" in summary and "IT001E11223344" in summary
    assert "3 kW" in summary and "10/12/2026" in summary
    (case,) = deps.backend.list_cases(GIULIA)
    assert case.kind == "subentro" and case.supply_id is None
    assert case.data == {
        "commodity": "electricity",
        "date": "2026-12-10",
        "address": "via Dante 3/5, Montevarchi",
        "meter_code": "IT001E11223344",
        "power_kw": "3",
    }
    assert case.documents_needed == [
        "il titolo di occupazione dell'immobile (proprietà, affitto, comodato o altro)"
    ]


def test_a_pod_that_is_not_the_customers_is_refused(make_graph) -> None:
    graph, deps = make_graph()
    before = deps.backend.list_cases(MARCO)
    results = converse(
        graph,
        f"voglio disdire la fornitura con POD {MARCO_POD}",
        GIULIA,
        "123456",
        f"POD {GIULIA_POD}",
        user="wa-pod",
    )
    refusal, next_question = results[2].reply or "", results[3].reply or ""
    assert f"Il codice {MARCO_POD} non risulta tra le tue forniture" in refusal
    assert GIULIA_POD in refusal and GIULIA_PDR in refusal
    assert "Da che giorno vuoi chiudere la fornitura" in next_question
    assert deps.backend.list_cases(GIULIA) == [] and deps.backend.list_cases(MARCO) == before


def test_power_change_takes_a_standard_value_only(make_graph) -> None:
    graph, deps = make_graph()
    results = converse(
        graph,
        "voglio aumentare la potenza della luce",
        GIULIA,
        "123456",
        "5 kW",
        "4,5",
        "sì",
        user="wa-power",
    )
    ask, odd, summary, done = (r.reply or "" for r in results[2:])
    assert "La potenza attuale è 3 kW" in ask and "4,5" in ask
    assert "5 kW non è tra i valori disponibili" in odd
    assert "3 → 4,5 kW" in summary
    (case,) = deps.backend.list_cases(GIULIA)
    assert case.kind == "power_change" and case.supply_id == "S-000001"
    assert case.data["power_kw"] == "4.5" and case.data["previous_power_kw"] == "3"
    assert case.case_id == _case_id(done)


def test_a_procedure_can_be_dropped_or_replaced_midway(make_graph) -> None:
    graph, deps = make_graph()
    results = converse(
        graph,
        "vorrei fare la voltura della luce",
        GIULIA,
        "123456",
        "no aspetta, voglio disdire il gas",
        "annulla",
        user="wa-change",
    )
    switched, dropped = results[3].reply or "", results[4].reply or ""
    assert "Da che giorno vuoi chiudere la fornitura" in switched  # gas named: no supply asked
    assert "non ho aperto nessuna pratica" in dropped
    assert deps.backend.list_cases(GIULIA) == []


def test_no_second_case_while_one_of_the_same_kind_is_open(make_graph) -> None:
    graph, deps = make_graph()
    before = deps.backend.list_cases(MARCO)
    *_, result = converse(
        graph, "voglio aumentare la potenza a 4,5 kW", MARCO, "123456", user="wa-again"
    )
    seeded = next(c for c in before if c.kind == "power_change")
    assert f"hai già una pratica {seeded.case_id}" in (result.reply or "")
    assert "in attesa di documenti" in (result.reply or "")
    assert deps.backend.list_cases(MARCO) == before
    (event,) = [e for e in deps.audit.events(kind="tool") if e.name == "list_cases"]
    assert event.data and event.data["case_id"] == seeded.case_id and "still open" in event.reason


def test_a_bare_iban_answer_continues_the_direct_debit(make_graph) -> None:
    graph, _ = make_graph()
    *_, result = converse(
        graph, "vorrei attivare la domiciliazione bancaria", LORENZO, "123456", VALID_IBAN
    )
    assert result.route == "contracts" and "IT60 **** 3456" in (result.reply or "")


def test_how_a_voltura_works_is_answered_from_the_base_without_identification(
    make_graph,
) -> None:
    graph, deps = make_graph()
    (result,) = converse(graph, "come funziona la voltura?", user="wa-howto")
    assert result.route == "contracts"
    assert {c.doc_id for c in result.citations} == {"voltura-cambio-intestatario"}
    assert "cambio di intestatario" in (result.reply or "")
    assert "Procedo?" in (result.reply or "")  # offers to start it, nothing opened
    assert "codice cliente" not in (result.reply or "")


def test_the_documents_asked_for_are_the_ones_the_corpus_lists(corpus_kb) -> None:
    def passage(doc_id: str, query: str) -> str:
        hits = corpus_kb.retriever.search(query, k=1, filters=SearchFilters(doc_id=[doc_id]))
        return hits[0].text

    voltura = passage("voltura-cambio-intestatario", "documenti per chiedere la voltura")
    assert "lettura del contatore alla data della voltura" in voltura
    assert "titolo di occupazione dell'immobile (proprietà, affitto, comodato o altro)" in voltura
    death = passage("voltura-cambio-intestatario", "voltura mortis causa decesso")
    assert "dichiarazione sostitutiva (autocertificazione)" in death
    written = passage("cambio-fornitore-ripensamento", "ripensamento per iscritto modulo")
    assert "per iscritto" in written and "modulo nell'area clienti" in written


def test_the_same_voltura_works_with_a_chat_model_routing(make_graph) -> None:
    def route(name: str):  # type: ignore[no-untyped-def]
        return tool_call("RouteDecision", route=name, urgency="normal", language="it")

    model = ScriptedChatModel.script(
        route("contracts"),
        route("contracts"),
        route("contracts"),
        route("general"),
        route("contracts"),
        route("contracts"),
    )
    graph, deps = make_graph(chat_model=model)
    *_, done = converse(
        graph,
        "vorrei fare la voltura della luce",
        GIULIA,
        "123456",
        "Mario Rossi RSSMRA80A01H501U",
        "dal 15 dicembre",
        "sì",
        user="wa-llm",
    )
    (case,) = deps.backend.list_cases(GIULIA)
    assert case.kind == "voltura" and case.case_id == _case_id(done.reply)
    assert case.data["holder_name"] == "Mario Rossi" and case.data["date"] == "2026-12-15"
    assert len(model.seen) == 6 and model.answers == []  # one routing call per turn, no more
    assert all(names == ["RouteDecision"] for names in model.bound_tools)
