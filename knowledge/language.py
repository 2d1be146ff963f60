"""Language identification restricted to the languages Sportello answers in (it, en, fr)."""

from __future__ import annotations

from functools import lru_cache

from knowledge.glossary import italian_vocabulary
from knowledge.sparse import fold

SUPPORTED = ("it", "en", "fr")
MIN_WORDS_LEFT = 3
# Short greetings and openings that statistical identification gets wrong on their own.
_CUES = {
    "hello": "en",
    "hi": "en",
    "thanks": "en",
    "thank": "en",
    "please": "en",
    "hey": "en",
    "ciao": "it",
    "grazie": "it",
    "buongiorno": "it",
    "buonasera": "it",
    "salve": "it",
    "bonjour": "fr",
    "merci": "fr",
    "bonsoir": "fr",
    "salut": "fr",
    "svp": "fr",
    # a short follow-up's opening "and" ("e su whatsapp?" was taken for English)
    "e": "it",
    "ed": "it",
    "and": "en",
    "et": "fr",
}


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(SUPPORTED))
    return identifier


def detect_language(text: str, default: str = "it", min_confidence: float = 0.7) -> str:
    """The message's language, or `default` when the text is too short or unclear."""
    words = fold(text).split()
    if not words:
        return default
    if len(words) <= 3:
        for word in words:
            if (cue := _CUES.get(word.strip("!?.,"))) is not None:
                return cue
    # Italian utility words quoted in another language ("facture d'eau: acquedotto,
    # fognatura, depurazione, ça correspond à quoi ?" read as Italian) say nothing of the
    # customer's language: the rest of the message does, when enough of it is left.
    vocabulary = italian_vocabulary()
    rest = [w for w in text.split() if fold(w).strip("!?.,:;'\"()") not in vocabulary]
    if len(rest) >= MIN_WORDS_LEFT and len(rest) < len(words):
        text = " ".join(rest)
    language, confidence = _identifier().classify(text)
    return language if confidence >= min_confidence else default
