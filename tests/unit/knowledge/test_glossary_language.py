import pytest

from knowledge.glossary import expand_query, italian_terms
from knowledge.language import detect_language


def test_glossary_maps_foreign_phrases_to_italian_terms() -> None:
    assert "rateizzazione rate" in italian_terms("Can I pay in installments?")
    assert "scintille" in italian_terms("des étincelles sortent du compteur")
    assert "interruzione guasto" in italian_terms("there is a power cut")


def test_glossary_covers_french_and_english_customer_wording() -> None:
    assert "fornitore venditore" in italian_terms("Mon fournisseur a changé")
    assert "voltura mortis causa decesso" in italian_terms("ma mère est décédée")
    assert "pronto intervento guasto" in italian_terms("qui appeler pour un dépannage ?")
    assert "contratto non richiesto" in italian_terms("un contrat non sollicité")
    assert "nuovo allaccio prima attivazione" in italian_terms("a newly built house")
    assert "nuovo allaccio prima attivazione" in italian_terms("there is no meter yet")
    assert "attivazione" in italian_terms("how long does activation take?")
    assert "indennizzo diritto" in italian_terms("am I entitled to anything?")
    assert "contratto non richiesto" in italian_terms("I was switched without signing anything")
    assert "oneri di sistema" in italian_terms("what are system charges?")
    assert "canone rai" in italian_terms("Why do I pay a TV licence?")
    assert "prescrizione biennale" in italian_terms("consumption from more than two years ago")


def test_switching_over_and_escalating_a_complaint_are_named() -> None:
    """ "switch my electricity over to Lumea" found the bills' due date (no term implied);
    "where can I escalate it?" found how to file a complaint, not the conciliation."""
    assert "cambio fornitore" in italian_terms("how long to switch my electricity over?")
    assert "cambio fornitore passare a Lumea" in italian_terms("I want to move to Lumea")
    assert "conciliazione reclamo" in italian_terms("where can I escalate it?")
    assert "risposta reclamo" in italian_terms("Lumea never answered my complaint")
    assert "conciliazione reclamo" in italian_terms("quels recours ai-je ?")
    assert "bolletta non arriva area clienti copia" in italian_terms(
        "la facture de gaz n'est pas arrivée ce mois-ci"
    )


@pytest.mark.parametrize(
    "text",
    [
        "una bolletta di 300 euro quando di solito pago 80",
        "a 300 euro bill when I usually pay 80",
        "une facture de 300 euros alors que d'habitude je paie 80",
        "e come mai cosi tanto?",
    ],
)
def test_the_usual_amount_named_beside_the_new_one_is_a_high_bill(text: str) -> None:
    """The amounts alone pulled the search to refunds of 25, 50 and 75 euro."""
    assert "bolletta piu alta del solito conguaglio" in italian_terms(text)


def test_longest_phrase_wins() -> None:
    assert italian_terms("my late husband") == ["voltura mortis causa decesso"]


def test_expansion_keeps_the_original_text() -> None:
    assert expand_query("ciao").startswith("ciao")
    assert expand_query("meter reading").startswith("meter reading (")


def test_whole_words_only() -> None:
    assert italian_terms("taxidermy") == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("quando scade la bolletta del gas?", "it"),
        ("my bill is much higher than usual", "en"),
        ("je voudrais payer ma facture en plusieurs fois", "fr"),
        ("hello", "en"),
        ("merci", "fr"),
        ("ok", "it"),
        # a short follow-up opened by "and" ("e su whatsapp?" was taken for English)
        ("e su whatsapp?", "it"),
        ("e online?", "it"),
        ("and online?", "en"),
        ("et en ligne ?", "fr"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("facture d'eau: acquedotto, fognatura, depurazione, ça correspond à quoi ?", "fr"),
        ("on my bill: oneri di sistema, accise and IVA, what are they?", "en"),
        # an Italian message full of bill words stays Italian
        ("in bolletta ci sono acquedotto, fognatura e depurazione, cosa sono?", "it"),
        ("bolletta acquedotto depurazione", "it"),
    ],
)
def test_italian_bill_words_quoted_in_another_language_leave_it_unchanged(
    text: str, language: str
) -> None:
    """A French question quoting the water bill's Italian items was answered in Italian."""
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "What interest do you charge if I pay a bill late?",
        "quel taux d'intérêt si je paie en retard ?",
        "quanti interessi mi fate pagare?",
    ],
)
def test_the_interest_asked_for_is_a_rate(text: str) -> None:
    """The rate of late-payment interest is in its own section ("tasso di riferimento BCE
    aumentato di 3,5 punti percentuali"), which "what interest" did not reach."""
    assert "tasso" in expand_query(text)


def test_the_new_bill_format_is_named() -> None:
    assert "nuovo formato bolletta" in italian_terms("when does the new bill format start?")
    assert "nuovo formato bolletta" in italian_terms("le nouveau format de facture")


def test_old_consumption_billed_late_and_an_unanswered_complaint_are_named_in_italian() -> None:
    """ "consumi di 3 anni fa mai fatturati" found the billing frequency, not the two-year
    limit; "ancora niente" after a complaint found how to file one, not what comes next."""
    assert "prescrizione biennale" in italian_terms("consumi di 3 anni fa mai fatturati")
    assert "risposta reclamo conciliazione indennizzo" in italian_terms(
        "ho mandato un reclamo e ancora nessuna risposta"
    )
    # "still nothing" or a new bill are said of many things
    assert italian_terms("la bolletta? ancora niente") == []
    assert "nuovo formato bolletta" not in italian_terms("j'ai reçu une nouvelle facture")
    assert "risposta reclamo conciliazione indennizzo" in italian_terms("non mi hanno risposto")
    # "ho diritto al bonus?" asks about the bonus, not about a compensation
    assert italian_terms("ho diritto al bonus?") == []


def test_sending_a_reading_names_the_channels_words() -> None:
    assert "inviare comunicare autolettura" in italian_terms("come faccio a mandare la lettura?")
    assert "inviare comunicare autolettura" in italian_terms("how do I send my reading?")
    assert "inviare comunicare autolettura" in italian_terms("comment envoyer le relevé ?")


def test_the_fixed_one_is_the_fixed_price_offer() -> None:
    assert "prezzo fisso offerta fissa" in italian_terms("I want to change to the fixed one")
    assert "prezzo fisso offerta fissa" in italian_terms("je veux passer à l'offre fixe")


def test_the_protected_market_is_named_in_french() -> None:
    assert "mercato tutelato tutela" in italian_terms("le marché protégé du gaz existe encore ?")


@pytest.mark.parametrize("text", ["how long before they cut it off?", "will they cut us off?"])
def test_cutting_a_supply_off_is_named_with_the_pronoun_inside(text: str) -> None:
    """ "cut it off completely" named nothing: "cut off" was matched only as two words."""
    assert "sospensione fornitura" in italian_terms(text)
