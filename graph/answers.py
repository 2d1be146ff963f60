"""Grounded answers without an LLM: the passages' own sentences that best answer a question."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from knowledge.glossary import expand_query
from knowledge.schema import Hit
from knowledge.sparse import terms

_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÀ-Ý0-9«\"(])|\n+")
MAX_CHARS = 650


@dataclass(frozen=True)
class Extract:
    text: str
    hits: list[Hit]  # the passages the sentences came from, best first
    relevance: float  # share of the question's terms found in the chosen passages


def _sentences(hit: Hit) -> list[str]:
    lines = hit.text.split("\n")
    body = "\n".join(lines[1:]) if len(lines) > 1 and lines[0] == hit.section else hit.text
    return [s.strip(" -•\t") for s in _SPLIT.split(body) if len(s.strip()) > 25]


def extract_answer(
    question: str, hits: list[Hit], language: str, max_sentences: int = 3
) -> Extract:
    """Pick the sentences of the top passages that share the most terms with the question."""
    query_terms = set(terms(expand_query(question), (language, "it")))
    if not query_terms or not hits:
        return Extract("", [], 0.0)
    scored: list[tuple[float, int, int, str, frozenset[str]]] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits[:4]):
        for position, sentence in enumerate(_sentences(hit)):
            if sentence in seen:  # the same sentence in two passages is quoted once
                continue
            seen.add(sentence)
            sentence_terms = set(terms(sentence, (hit.language, "it")))
            overlap = frozenset(query_terms & sentence_terms)
            if not overlap:
                continue
            score = len(overlap) / math.sqrt(len(sentence_terms) + 4) + 0.3 / (rank + 1)
            scored.append((score, rank, position, sentence, overlap))
    if not scored:
        return Extract("", [], 0.0)
    best = sorted(scored, key=lambda item: item[:3], reverse=True)[:max_sentences]
    best.sort(key=lambda item: (item[1], item[2]))  # keep each passage's own order
    chosen: list[tuple[float, int, int, str, frozenset[str]]] = []
    for item in best:
        if sum(len(c[3]) for c in chosen) + len(item[3]) > MAX_CHARS and chosen:
            break
        chosen.append(item)
    covered = set().union(*(item[4] for item in chosen))
    used_ranks = sorted({item[1] for item in chosen})
    return Extract(
        text=" ".join(item[3] for item in chosen),
        hits=[hits[rank] for rank in used_ranks],
        relevance=len(covered) / len(query_terms),
    )
