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
    scored: list[tuple[float, int, int, str]] = []
    covered: set[str] = set()
    for rank, hit in enumerate(hits[:4]):
        for position, sentence in enumerate(_sentences(hit)):
            sentence_terms = set(terms(sentence, (hit.language, "it")))
            overlap = query_terms & sentence_terms
            if not overlap:
                continue
            covered |= overlap
            score = len(overlap) / math.sqrt(len(sentence_terms) + 4) + 0.3 / (rank + 1)
            scored.append((score, rank, position, sentence))
    if not scored:
        return Extract("", [], 0.0)
    best = sorted(scored, reverse=True)[:max_sentences]
    best.sort(key=lambda item: (item[1], item[2]))  # keep each passage's own order
    chosen: list[str] = []
    for _, _, _, sentence in best:
        if sum(len(s) for s in chosen) + len(sentence) > MAX_CHARS and chosen:
            break
        chosen.append(sentence)
    used_ranks = sorted({rank for _, rank, _, s in best if s in chosen})
    return Extract(
        text=" ".join(chosen),
        hits=[hits[rank] for rank in used_ranks],
        relevance=len(covered) / len(query_terms),
    )
