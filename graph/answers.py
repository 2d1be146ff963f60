"""Grounded answers without an LLM: the passages' own sentences that best answer a question.

Sentences are scored by meaning (the packaged multilingual embedder: question as a query,
each sentence as a passage, so a French question finds the Italian sentence), with a small
preference for better-ranked passages and for sentences holding the kind of answer asked
(an amount, a time, a count). Adding the shared terms to meaning lost facts on the retrieval
sets (0.641 -> 0.611 at weight 0.05), so they only decide relevance. A sentence that
introduces a list ("Le aliquote sono:") is kept together with its items. Without an
embedder the shared terms choose.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from knowledge.glossary import expand_query
from knowledge.schema import Hit
from knowledge.sparse import fold, terms

# Within a line; not after an abbreviation ("provvedimento n. 114", "DL 223/2006, art. 10",
# "es. LM00012345"), which cut sentences in two.
_SPLIT = re.compile(
    r"(?<=[.!?;])(?<!\bn\.)(?<!\bN\.)(?<!\bnr\.)(?<!\bart\.)(?<!\bArt\.)(?<!\bartt\.)"
    r"(?<!\bes\.)(?<!\becc\.)(?<!\bpag\.)(?<!\btel\.)(?<!\bno\.)(?<!\bNo\.)(?<!\bp\.)"
    r"(?<!\bvol\.)(?<!\bcfr\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bcomma\.)"
    r"\s+(?=[A-ZÀ-Ý0-9«\"(])"
)
MAX_CHARS = 800
MAX_SENTENCES = 4
MAX_LIST_CHARS = 600  # a lead-in and its items, quoted as one unit
RANK_PENALTY = 0.01  # per rank of the passage a sentence comes from
# Passages whose sentences are candidates: the five retrieved. Only the first four were
# read, and the answer was often in the fifth ("quando devo mandare l'autolettura?": the
# window of the last days of the month). Retrieval sets: fact presence 0.793 -> 0.805, no
# case lost; reading more (the routed vertical's best passage, 8 or 10 retrieved) changed
# nothing there, and let "e la luce?" after the price of gas quote the voltura.
MAX_PASSAGES = 5
# The embedder finds a sentence in the question's own language closer than one that says
# the same in Italian: for "can I pay my water bill in instalments?" the English guide's
# sentences on estimated readings outscored the Italian one with the 10-day deadline. A
# sentence in another language than the question's gets this much back. Retrieval sets,
# fact presence (English): 0.686 -> 0.714 at 0.01 to 0.02, no case lost; 0.035 lost cases.
CROSS_LINGUAL = 0.015
# A sentence about another commodity than the one asked about ("e come faccio a mandare la
# lettura?" after the gas bill quoted the electricity meter's screens A1, A2, A3).
OTHER_COMMODITY_PENALTY = 0.03


class SentenceEmbedder(Protocol):
    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


class _SentenceVectors:
    """Sentence vectors, kept: the same passages answer many questions."""

    def __init__(self, size: int = 20000) -> None:
        self._vectors: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, embedder: SentenceEmbedder, sentences: list[str]) -> np.ndarray:
        owner = id(embedder)
        with self._lock:
            missing = [s for s in dict.fromkeys(sentences) if (owner, s) not in self._vectors]
        if missing:
            fresh = embedder.embed_passages(missing)
            with self._lock:
                for sentence, vector in zip(missing, fresh, strict=True):
                    self._vectors[(owner, sentence)] = vector
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        with self._lock:
            return np.vstack([self._vectors[(owner, s)] for s in sentences])


_VECTORS = _SentenceVectors()


@dataclass(frozen=True)
class Extract:
    text: str
    hits: list[Hit]  # the passages the sentences came from, best first
    relevance: float  # share of the question's terms found in the chosen passages
    similarity: float = 0.0  # the best chosen sentence's cosine to the question (embedder)


# A sentence that opens by pointing back ("È stampata sulla targhetta...", "It is printed
# on...", "Elle figure...") has its subject in the sentence before: quoted alone, after
# another document's sentence, it read as about that one. It is quoted with the sentence
# before it.
_POINTS_BACK = {
    "it": re.compile(
        r"^(È|Sono|Viene|Vengono|Va|Vanno|Questo|Questa|Questi|Queste|Ciò|Tale|Tali|"
        r"Esso|Essa|In questo caso|In tal caso|In questi casi|Allora|Quindi|Dunque|Un esempio|"
        r"Per esempio|Ad esempio|Esempio|Quell[aoei]|Quell'|"
        # "Per attivarla servono...", "Puoi chiederla quando...": the "-la" is what the
        # sentence before named (an infinitive with its pronoun among the first words)
        r"(?:\w+\s+){0,2}\w{3,}?(?:arl[aoei]|erl[aoei]|irl[aoei]))\b"
    ),
    "en": re.compile(
        r"^(It|This|These|They|Its|Their|In this case|In that case|In these cases|Then|So|"
        r"Therefore|An example|For example|Example|That|Those)\b"
    ),
    "fr": re.compile(
        r"^(Il|Elle|Ils|Elles|Ce|Cela|Ceci|Celui-ci|Celle-ci|Dans ce cas|Dans ces cas|Alors|"
        r"Donc|Un exemple|Par exemple|Exemple|Cette|Ces|Celle|Ceux)\b"
    ),
}


# Terms that name no subject of their own: the question's frame ("dove trovo"), or a word
# said of many things ("codice" a barre, cliente, POD). Sharing only these, the meter's
# serial number "stampata... vicino a un codice a barre" read as the place of the customer
# code.
_NO_SUBJECT = frozenset(
    "dov trov where find found trouv codic cod code codes numer number numbers bollett bill "
    "bills fattur factur".split()
)


# A conclusion drawn from the sentence before, its connective among the first words ("Prima
# della conciliazione serve quindi sempre un reclamo scritto", "It is therefore...").
_CONCLUDES = re.compile(
    r"^(?:[\w'’]+[\s,]+){1,5}(quindi|dunque|pertanto|therefore|thus|hence|donc|par consequent)\b",
    re.IGNORECASE,
)


def _points_back(sentence: str, language: str) -> bool:
    return bool(
        _POINTS_BACK.get(language, _POINTS_BACK["it"]).match(sentence) or _CONCLUDES.match(sentence)
    )


def _sentences(hit: Hit) -> list[str]:
    lines = hit.text.split("\n")
    body = "\n".join(lines[1:]) if len(lines) > 1 and lines[0] == hit.section else hit.text
    units: list[str] = []
    in_list = False  # after a lead-in ("Le aliquote sono:"), its items stay with it
    parts = [
        (part, first == 0)
        for line in body.split("\n")
        for first, part in enumerate(_SPLIT.split(line))
    ]
    for part, starts_line in parts:
        part = part.strip(" -•\t")
        if not part:
            continue
        # An item: no full stop of its own (";", ",", or a bare line), or the last, lowercase
        # one; a capitalised sentence ends the list.
        item = not part.endswith(".") or part[0].islower()
        # An enumeration inside a sentence goes on after its ";" ("30 € sotto i 500 Smc; 90 €
        # da 500 a 1.500 Smc; ..."): a short middle item was dropped, its figure lost. On the
        # same line, a capitalised cell goes on too: a table row ("2.700 kWh: Spesa energia
        # 319,95 €; Quota fissa 114,00 €; Totale corrispettivi Lumea 433,95 €") lost its total.
        continues = (
            bool(units) and units[-1].endswith(";") and (not part[0].isupper() or not starts_line)
        )
        if (in_list and item or continues) and len(units[-1]) + len(part) < MAX_LIST_CHARS:
            units[-1] = f"{units[-1]} {part}"
            in_list = in_list and not part.endswith(".")  # a row or a sentence goes on, no list
            continue
        in_list = part.endswith(":")
        if (len(part) > 25 and not _is_heading(part)) or in_list:
            units.append(part)
        else:
            in_list = False
    return units


def _is_heading(unit: str) -> bool:
    """A sub-heading inside a passage ("Come evitare gli interessi di mora"): short, no closing
    punctuation, no figure. It reads as close to the question as the answer below it and
    states nothing (retrieval sets: fact presence 0.683 -> 0.698 without them); a table row
    keeps its figures."""
    return unit[-1] not in ".:;!?)" and len(unit) < 90 and not any(c.isdigit() for c in unit)


# The kind of answer a question expects (an amount, a time or deadline, a count) and whether
# a sentence holds one: the classic answer-type check of extractive question answering.
_AMOUNT_QUESTION = re.compile(
    r"\b(quanto (costa|pago|si paga|paghi|viene)|quanto e|how much|combien (coute|ca coute|ca fait|ca vaut|"
    r"je paie|paye)|(a|di) quanto|quanto vale|ammont\w*|how big|a combien|prezz\w*|price|"
    r"prix|cost\w*|cout\w*|tariff\w*|importo|amount|montant|"
    # a rate of interest is a figure too ("what interest do you charge?")
    r"interess[ei]|interests?|interets?|tass[oi]|taux)\b"
)
_AMOUNT = re.compile(
    r"\d[\d.,]*\s?(€|euro|%|cent|€/|punti percentuali|percentage points?|points? de pourcentage)"
    r"|€\s?\d"
    # "free" answers "how much" too
    r"|\b(gratuit\w*|gratis|free of charge|at no cost|non costa|senza (costi|spese)|sans frais)\b"
)
_TIME_QUESTION = re.compile(
    r"\b(entro quando|quanto tempo|quanti giorni|tempi|how long|how many days|when|quando|"
    r"ci vuole|ci vogliono|ci mette|ci mettono|"
    r"combien de temps|quand|delai|dans combien|ogni quanto|how often|scadenz\w*|deadline)\b"
)
_TIME = re.compile(
    r"\b\d+\s?(giorn\w*|mes[ei]|ann[oi]|or[ae]|settiman\w*|minut[oi]|days?|months?|years?|"
    r"hours?|weeks?|minutes?|jours?|mois|ans?|heures?|semaines?)\b|"
    r"\b\d{1,2} (gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|"
    r"novembre|dicembre)|"
    # a day of the month: "on the 1st of the month", "dal 1° del mese", "le 1er du mois"
    r"\b\d{1,2}(st|nd|rd|th|er)\b|\b\d{1,2}° |\b(first|primo|premier) (day|giorno|jour)\b|"
    # how often: a period is the answer ("bolletta bimestrale", "monthly")
    r"\b(bimestral\w*|mensil\w*|trimestral\w*|quadrimestral\w*|semestral\w*|annual\w*|"
    r"monthly|bimonthly|every (two|2) months|quarterly|yearly|mensuel\w*|bimestriel\w*|"
    r"trimestriel\w*|annuel\w*)\b"
)
# What is needed (documents, data): "che documenti servono?", "what do you need?"
_NEEDS_QUESTION = re.compile(
    r"\b(document\w*|(che|cosa|quali) (mi |ti |vi |ci )?(serv\w*|occorr\w*|bisogna)|"
    r"what (do|does|will) (you|i|we) need|what is (needed|required)|what'?s (needed|required)|"
    r"(de )?quoi (avez|ai|a)[- ]\w+ besoin|(pieces|justificatifs?)|qu'est-ce qu'il faut|"
    r"il faut quoi)\b"
)
_NEEDS = re.compile(
    r"\b(servono|serve|occorr\w*|bisogna|prepara|necessari\w*|needs?|needed|required|"
    r"requires|bring|il faut|besoin|necessaires?)\b"
)
_COUNT_QUESTION = re.compile(r"\b(quant[ie]|how many|combien de)\b")
# Where something is found ("dove lo trovo il codice pod?", "where is it on the bill?"): a
# question word opening a question, not "dove" in a relative clause ("una casa dove non
# sono residente"). French "où" is read before accents are folded ("ou" is "or").
_PLACE_QUESTION = re.compile(
    r"\bdove (lo |la |li |le |si |l')?(trov|ved|legg|cerc)|"
    r"\bdove (e|sta|stanno|sono) (scritt|indicat|riportat|il |la |i |le |l')|"
    r"\bwhere (can|do|is|are|should|would|to|will)\b|"
    r"\boù (est|sont|se trouve|trouver|puis|dois|je|on|il|elle|le|la|les)\b"
)
_PLACE = re.compile(
    r"\b(riportat\w*|indicat\w*|stampat\w*|si trova\w*|lo trovi|la trovi|li trovi|prima pagina|"
    r"frontespizio|in alto|printed|shown|stated|found|first page|top of|se trouve|figur\w*|"
    r"indiqu\w*|premiere page)\b"
)
ANSWER_TYPE_BONUS = 0.04  # retrieval sets: fact presence 0.653 -> 0.681 (0.02: 0.657, 0.08: 0.669)


def asks_for_a_figure(question: str) -> bool:
    """Whether a question asks for an amount, a time or a count ("di quanto è lo sconto",
    "quanti metri cubi", "how long"): an overview does not answer it, its sentence does."""
    q = fold(question)
    return any(p.search(q) for p in (_AMOUNT_QUESTION, _TIME_QUESTION, _COUNT_QUESTION))


# A line sending to the emergency service (in many sheets: "Per fughe di gas chiama il pronto
# intervento...") answers a question about a fault, a danger or a number, not a price.
_EMERGENCY_LINE = re.compile(r"\b(fughe?|pronto intervento)\b")
_ASKS_EMERGENCY = re.compile(
    r"\b(fug\w*|perd\w*|odor\w*|puzz\w*|smell\w*|leak\w*|fui\w*|emergen\w*|urgen\w*|"
    r"pronto intervento|guast\w*|faults?|panne|numer\w*|number|telefon\w*|phone|chiam\w*|call|"
    r"appel\w*|sicurezz\w*|safe\w*|securite|pericol\w*|danger\w*|rott\w*|broken|cass\w*|"
    # no supply at all is a fault too ("cosa faccio se manca il gas?")
    r"manc\w*|senza|interruz\w*|blackout|coupure|outage|no power|plus de|pas de)\b"
)
EMERGENCY_LINE_PENALTY = 0.05
# A sentence about the document itself ("Fonte normativa: regole ARERA...", "Questa
# procedura spiega come...") answers only a question about the rules' source.
_ABOUT_THE_DOCUMENT = re.compile(
    r"^(fonte normativa|fonti normative|riferimenti normativi|source|sources|references?|"
    r"(questa|questo|la presente) (procedura|scheda|guida|pagina|documento|sezione) \w+|"
    r"this (guide|page|sheet|document|section) \w+|"
    r"(cette|ce) (procedure|fiche|guide|page|document) \w+)\b"
)
_ASKS_THE_SOURCE = re.compile(
    r"\b(norm\w*|delibera\w*|legg[ei]|decret\w*|articol\w*|fonte|riferiment\w*|law|laws|"
    r"regulations?|decisions?|decree|articles?|source|loi|lois|reglement\w*|textes?)\b"
)
ABOUT_THE_DOCUMENT_PENALTY = 0.03


def _holds_the_figure(question: str, sentence: str) -> bool:
    """Whether a sentence holds the kind of figure the question asks for (an amount, a time
    or a count)."""
    q, s = fold(question), fold(sentence)
    amount, time = _AMOUNT_QUESTION.search(q), _TIME_QUESTION.search(q)
    return bool(
        (amount and _AMOUNT.search(s))
        or (time and _TIME.search(s))
        # "quanti interessi" asks for an amount: any number is not one
        or (not amount and not time and _COUNT_QUESTION.search(q) and re.search(r"\d", s))
    )


def _answer_type_bonus(question: str, sentence: str, shares_terms: bool = True) -> float:
    """A little extra for a sentence that holds the kind of answer the question asks for. A
    place counts only in a sentence about the question's subject (`shares_terms`): "è
    stampato sulla prima pagina" is said of many things."""
    q, s = fold(question), fold(sentence)
    bonus = 0.0
    if _AMOUNT_QUESTION.search(q) and _AMOUNT.search(s):
        bonus += ANSWER_TYPE_BONUS
    if _TIME_QUESTION.search(q) and _TIME.search(s):
        bonus += ANSWER_TYPE_BONUS
    if _COUNT_QUESTION.search(q) and re.search(r"\d", s):
        bonus += ANSWER_TYPE_BONUS / 2
    if _NEEDS_QUESTION.search(q) and _NEEDS.search(s):
        bonus += ANSWER_TYPE_BONUS
    if shares_terms and (_PLACE_QUESTION.search(q) or _PLACE_QUESTION.search(question.lower())):
        bonus += ANSWER_TYPE_BONUS if _PLACE.search(s) else 0.0
    if _EMERGENCY_LINE.search(s) and not _ASKS_EMERGENCY.search(q):
        bonus -= EMERGENCY_LINE_PENALTY  # "e il gas?" after a price quoted the gas leak line
    if _ABOUT_THE_DOCUMENT.search(s) and not _ASKS_THE_SOURCE.search(q):
        bonus -= ABOUT_THE_DOCUMENT_PENALTY  # "à partir de quel montant...?": "Fonte normativa:"
    return bonus


_FIGURE = re.compile(r"\d[\d.,/ ]*\d|\d")
# A sentence whose figures were all quoted, and this share of its words, says nothing new.
# Retrieval sets: fact presence 0.817 -> 0.823 (the ISEE thresholds quoted twice left no
# room for the bonus's yearly amount), the same from 0.45 to 0.75, no case lost.
REPEATED_WORDS = 0.6


def _repeats(sentence: str, chosen: list[str]) -> bool:
    """Whether a sentence only says again what the chosen ones say: its figures are all in
    them, and most of its words ("Numero verde Lumea 800 123 456" after "Il servizio clienti
    risponde al numero verde 800 123 456...": the number was quoted four times)."""
    figures = {re.sub(r"\D", "", f) for f in _FIGURE.findall(sentence)}
    if not figures:
        return False
    before = " ".join(chosen)
    said = {re.sub(r"\D", "", f) for f in _FIGURE.findall(before)}
    if not figures <= said:
        return False
    words = {t for t in terms(sentence, ("it",)) if not t.isdigit()}
    return len(words & set(terms(before, ("it",)))) >= REPEATED_WORDS * len(words)


def _query_vector(embedder: SentenceEmbedder, question: str, language: str) -> np.ndarray:
    """The question's vector for choosing sentences. An English or French question is also
    embedded with the Italian terms it implies (the glossary), and the two are averaged: the
    Italian sentence that answers it then comes closer than an English one that only shares
    its language (see graph.grounded.retrieve_for_question for the figures)."""
    expanded = expand_query(question)
    if language == "it" or expanded == question:
        return embedder.embed_queries([question])[0]
    both = embedder.embed_queries([question, expanded])
    mean = both[0] + both[1]
    return mean / (np.linalg.norm(mean) or 1.0)


def extract_answer(
    question: str,
    hits: list[Hit],
    language: str,
    max_sentences: int = MAX_SENTENCES,
    embedder: SentenceEmbedder | None = None,
    other_commodity: Callable[[str], bool] | None = None,
) -> Extract:
    """Pick the sentences of the top passages that best answer the question.
    `other_commodity`: whether a sentence is about another commodity than the one asked
    about only (such a sentence loses OTHER_COMMODITY_PENALTY)."""
    query_terms = set(terms(expand_query(question), (language, "it")))
    if not query_terms or not hits:
        return Extract("", [], 0.0)
    candidates: list[tuple[int, int, str, frozenset[str], float]] = []
    seen: set[str] = set()
    on_subject: set[tuple[int, int]] = set()  # shares a term, itself or the one it points to
    for rank, hit in enumerate(hits[:MAX_PASSAGES]):
        for position, sentence in enumerate(_sentences(hit)):
            if sentence in seen:  # the same sentence in two passages is quoted once
                continue
            seen.add(sentence)
            sentence_terms = set(terms(sentence, (hit.language, "it")))
            overlap = frozenset(query_terms & sentence_terms)
            lexical = len(overlap) / math.sqrt(len(sentence_terms) + 4)
            candidates.append((rank, position, sentence, overlap, lexical))
            if (overlap - _NO_SUBJECT) or (
                (rank, position - 1) in on_subject and _points_back(sentence, hit.language)
            ):
                on_subject.add((rank, position))
    similarities: dict[str, float] = {}
    if embedder is not None and candidates:
        query = _query_vector(embedder, question, language)
        similarity = _VECTORS.get(embedder, [c[2] for c in candidates]) @ query
        similarities = {c[2]: float(sim) for c, sim in zip(candidates, similarity, strict=True)}
        scored = [
            (
                float(sim)
                - RANK_PENALTY * rank
                + _answer_type_bonus(question, text, (rank, pos) in on_subject)
                + (CROSS_LINGUAL if hits[rank].language != language else 0.0)
                - (OTHER_COMMODITY_PENALTY if other_commodity and other_commodity(text) else 0.0),
                rank,
                pos,
                text,
                overlap,
            )
            for (rank, pos, text, overlap, _), sim in zip(candidates, similarity, strict=True)
        ]
    else:
        scored = [
            (lex + 0.3 / (rank + 1), rank, pos, text, overlap)
            for rank, pos, text, overlap, lex in candidates
            if overlap
        ]
    if not scored:
        return Extract("", [], 0.0)
    # Best first, while they fit (a shorter, lower-scored sentence may still fit); then in
    # each passage's own order.
    chosen: list[tuple[float, int, int, str, frozenset[str]]] = []
    by_place = {(item[1], item[2]): item for item in scored}
    picked = 0  # a sentence quoted with the one before it counts once
    for item in sorted(scored, key=lambda item: (-item[0], item[1], item[2])):
        if picked == max_sentences:
            break
        if item in chosen:
            continue
        group = [item]
        before = by_place.get((item[1], item[2] - 1))
        if before and before not in chosen and _points_back(item[3], hits[item[1]].language):
            group = [before, item]
        if sum(len(c[3]) for c in chosen + group) > MAX_CHARS and chosen:
            continue
        if chosen and _repeats(item[3], [c[3] for c in chosen]):
            continue
        chosen.extend(group)
        picked += 1
    if asks_for_a_figure(question) and chosen:
        chosen = _with_the_figure(question, chosen, scored, on_subject, hits, max_sentences)
    if chosen and _ASKS_EMERGENCY.search(fold(question)):
        chosen = _with_the_number(chosen, scored, hits, max_sentences)
    chosen.sort(key=lambda item: (item[1], item[2]))
    covered = set().union(*(item[4] for item in chosen))
    used_ranks = sorted({item[1] for item in chosen})
    return Extract(
        text=" ".join(item[3] for item in chosen),
        hits=[hits[rank] for rank in used_ranks],
        relevance=len(covered) / len(query_terms),
        similarity=max((similarities.get(item[3], 0.0) for item in chosen), default=0.0),
    )


_Scored = tuple[float, int, int, str, frozenset[str]]
# A question asking for a figure whose chosen sentences hold none gets the best sentence that
# holds one, on the question's subject and scored at most this far below the best chosen.
FIGURE_MARGIN = 0.05


def _with_the_figure(
    question: str,
    chosen: list[_Scored],
    scored: list[_Scored],
    on_subject: set[tuple[int, int]],
    hits: list[Hit],
    max_sentences: int,
) -> list[_Scored]:
    """The answer-type constraint of extractive QA: a question asking "how much", "how long"
    or "how many" is answered by a sentence with the figure. Sentences about the subject
    that state none (what late-payment interest is, how it is charged) read closer to
    "quanti interessi mi fate pagare?" than the one with the rate; the best sentence with a
    figure then takes the place of the weakest chosen one."""
    if any(_holds_the_figure(question, item[3]) for item in chosen):
        return chosen
    best = max(item[0] for item in chosen)
    figures = [
        item
        for item in scored
        if item not in chosen
        and (item[1], item[2]) in on_subject
        and item[0] >= best - FIGURE_MARGIN
        and _holds_the_figure(question, item[3])
    ]
    if not figures:
        return chosen
    figure = max(figures, key=lambda item: item[0])
    group = [figure]
    before = next((c for c in scored if (c[1], c[2]) == (figure[1], figure[2] - 1)), None)
    if before and before not in chosen and _points_back(figure[3], hits[figure[1]].language):
        group = [before, figure]
    return _in_place_of_the_last(sorted(chosen, key=lambda item: -item[0]), group, max_sentences)


# "chiudi il rubinetto generale e chiama il pronto intervento": the service to call, quoted
# without its number; the passage's sentence with the number is quoted too.
_CALL_THE_SERVICE = re.compile(
    r"\b(chiam\w*|contatt\w*|segnal\w*|call|contact|report|appel\w*|signal\w*)\b.{0,40}"
    r"\b(pronto intervento|emergency service|service d'urgence|service de depannage)\b"
)
_PHONE = re.compile(r"\b\d{3} \d{3} \d{3}\b")


def _with_the_number(
    chosen: list[_Scored], scored: list[_Scored], hits: list[Hit], max_sentences: int
) -> list[_Scored]:
    """A question about a fault or a leak whose answer says to call the emergency service
    without its number gets the same document's sentence with the number, in the place of
    the weakest other sentence."""
    if any(_PHONE.search(item[3]) for item in chosen):
        return chosen
    calls = [item for item in chosen if _CALL_THE_SERVICE.search(fold(item[3]))]
    if not calls:
        return chosen
    documents = {hits[item[1]].doc_id for item in calls}
    numbers = [
        item
        for item in scored
        if hits[item[1]].doc_id in documents
        and _PHONE.search(item[3])
        and "pronto intervento" in fold(item[3])
    ]
    if not numbers:
        return chosen
    number = max(numbers, key=lambda item: item[0])
    kept = sorted(chosen, key=lambda item: (item not in calls, -item[0]))
    return _in_place_of_the_last(kept, [number], max_sentences)


def _in_place_of_the_last(
    kept: list[_Scored], added: list[_Scored], max_sentences: int
) -> list[_Scored]:
    """`kept` (most wanted first) with `added` after it, leaving out the last of `kept`
    until the whole fits in `max_sentences` and MAX_CHARS."""
    kept = list(kept)
    while kept and (
        len(kept) + 1 > max_sentences or sum(len(c[3]) for c in kept + added) > MAX_CHARS
    ):
        kept.pop()
    return kept + added
