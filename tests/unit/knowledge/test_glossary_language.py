import pytest

from knowledge.glossary import expand_query, italian_terms
from knowledge.language import detect_language


def test_glossary_maps_foreign_phrases_to_italian_terms() -> None:
    assert "rateizzazione rate" in italian_terms("Can I pay in installments?")
    assert "scintille" in italian_terms("des étincelles sortent du compteur")
    assert "interruzione guasto" in italian_terms("there is a power cut")


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
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language
