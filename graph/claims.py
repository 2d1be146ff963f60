"""The claim checker: every figure in a reply must come from a cited passage or a tool result."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

# Amounts, percentages, counts and dates: 84,20 € | 1.234,56 | 0.1185 | 150% | 10 giorni | 15/03/2026
_FIGURE = re.compile(
    r"(?<![\w/])(\d{1,3}(?:[.\s]\d{3})+(?:,\d+)?|\d{1,3}(?:,\d{3})+\.\d+|\d+(?:[.,]\d+)?)"
    r"(?![\w/])"
)
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")
# Small counts that carry no factual claim on their own ("1)", "2 opzioni").
TRIVIAL = frozenset({Decimal(n) for n in range(0, 4)})


def _value(token: str) -> Decimal | None:
    token = token.replace(" ", "").replace("\u00a0", "")
    if "," in token and "." in token:
        if token.rfind(".") > token.rfind(","):  # English: 1,234.56
            token = token.replace(",", "")
        else:  # Italian: 1.234,56
            token = token.replace(".", "").replace(",", ".")
    elif "," in token:
        token = token.replace(",", ".")
    elif re.fullmatch(r"[1-9]\d{0,2}(\.\d{3})+", token):
        token = token.replace(".", "")  # Italian thousands: 1.234
    try:
        return Decimal(token).normalize()
    except InvalidOperation:
        return None


def _canonical_date(text: str) -> tuple[int, int, int] | None:
    """15/3/26, 15/03/2026 and 2026-03-15 are the same day."""
    parts = [int(p) for p in re.split(r"[/-]", text)]
    if "-" in text:
        year, month, day = parts
    else:
        day, month, year = parts
        year += 2000 if year < 100 else 0
    return (year, month, day)


def figures(text: str) -> tuple[set[Decimal], set[str]]:
    """The numeric values and the dates a text states."""
    dates = {d for d in _DATE.findall(text)}
    stripped = _DATE.sub(" ", text)
    values = {v for t in _FIGURE.findall(stripped) if (v := _value(t)) is not None}
    return values, dates


def unsupported_figures(reply: str, evidence: Iterable[str]) -> list[str]:
    """Figures (as written in the reply) that no evidence text states."""
    known_values: set[Decimal] = set()
    known_dates: set[tuple[int, int, int] | None] = set()
    for text in evidence:
        values, dates = figures(text)
        known_values |= values
        known_dates |= {_canonical_date(d) for d in dates}
    missing: list[str] = []
    for date_text in _DATE.findall(reply):
        if _canonical_date(date_text) not in known_dates:
            missing.append(date_text)
    for token in _FIGURE.findall(_DATE.sub(" ", reply)):
        value = _value(token)
        if value is not None and value not in TRIVIAL and value not in known_values:
            missing.append(token)
    return missing
