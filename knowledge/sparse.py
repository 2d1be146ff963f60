"""BM25-style sparse vectors computed by us: accent-folded, stemmed terms hashed to indices.

Passages carry the BM25 term-frequency part; Qdrant applies IDF (`Modifier.IDF`) at query
time, so the collection statistics stay in the engine and no vocabulary file is needed.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

_TOKEN = re.compile(r"[a-z0-9]+")
_STEM_LANGUAGES = {"it": "italian", "en": "english", "fr": "french"}

# Function words of the three languages; kept short on purpose (domain words must survive).
STOPWORDS = frozenset(
    """
    a ad al alla alle allo agli ai anche che chi ci come con cosa cui da dal dalla dalle dei del
    della delle dello degli di e ed gli ha hanno ho i il in io la le lei li lo loro lui ma mi mia
    mio ne nei nel nella nelle non o per perche piu po quale quali quando quanto quella quello
    questa questo se si sia sono su sua sue suo sul sulla ti tra tu un una uno vi voi ciao
    buongiorno salve grazie vorrei posso devo mio mia miei
    an and are as at be by can do does for from has have how i if is it its me my of on or our
    please the their this to was what when where which who why will with you your hello hi
    au aux avec ce ces comment dans de des du elle en est et il je la le les leur ma mais me mes
    mon ne nous on ou par pas pour quand que qui sa se ses son sur ta te tes ton tu un une vos
    votre vous bonjour merci est-ce
    """.split()
)

K1 = 1.2
B = 0.75
AVG_PASSAGE_TERMS = 150.0


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Perché è già' -> 'perche e gia'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=4)
def _stemmer(language: str):  # type: ignore[no-untyped-def]
    from nltk.stem.snowball import SnowballStemmer  # imported lazily: nltk takes ~0.6 s

    return SnowballStemmer(_STEM_LANGUAGES.get(language, "italian"))


def terms(text: str, languages: Iterable[str] = ("it",)) -> list[str]:
    """Index terms of a text: digits kept whole (POD, PDR, phone numbers), words stemmed."""
    stemmers = [_stemmer(lang) for lang in dict.fromkeys(languages)]
    out: list[str] = []
    for token in _TOKEN.findall(fold(text)):
        if token in STOPWORDS or (len(token) < 2 and not token.isdigit()):
            continue
        if any(ch.isdigit() for ch in token):
            out.append(token)
            continue
        out.extend(dict.fromkeys(stemmer.stem(token) for stemmer in stemmers))
    return out


def term_index(term: str) -> int:
    """A stable 31-bit index for a term (crc32 is the same in every process and version)."""
    return zlib.crc32(term.encode()) & 0x7FFFFFFF


def encode_passage(text: str, language: str) -> tuple[list[int], list[float]]:
    """Sparse vector of a passage: BM25 saturated term frequency with length normalisation."""
    counts = Counter(term_index(t) for t in terms(text, (language,)))
    length = sum(counts.values()) or 1
    norm = K1 * (1 - B + B * length / AVG_PASSAGE_TERMS)
    indices = sorted(counts)
    values = [counts[i] * (K1 + 1) / (counts[i] + norm) for i in indices]
    return indices, values


def encode_query(text: str, language: str | None = None) -> tuple[list[int], list[float]]:
    """Sparse vector of a query: each distinct term once; stems of its language and Italian."""
    languages = ("it",) if language in (None, "it") else (language, "it")
    indices = sorted({term_index(t) for t in terms(text, languages)})
    return indices, [1.0] * len(indices)
