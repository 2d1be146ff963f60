"""Slot extraction: codes, amounts, dates, readings, IBAN, OTP and phone from customer text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from difflib import get_close_matches

__all__ = [
    "find_amount",
    "find_customer_code",
    "find_date",
    "find_iban",
    "find_otp",
    "find_pdr",
    "find_phone",
    "find_pod",
    "find_position",
    "find_reading",
    "validate_iban",
    "validate_pdr",
    "validate_pod",
]

CENT = Decimal("0.01")
MAX_READING_DIGITS = 6  # meters show at most 6 integer digits; more only next to a unit
_ANY_DAY = date(2000, 1, 1)  # a leap year: where a date is, not which one


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    value: str


_Finder = Callable[[str], list[_Hit]]
_FOLD_EXTRA = {"\u2019": "'", "\u2018": "'", "\u00b4": "'", "`": "'"}


def _fold(text: str) -> str:
    """Lower-case, accent-free copy of `text` with the same length, so offsets stay valid."""
    out: list[str] = []
    for char in text:
        low = char.lower() if len(char.lower()) == 1 else char
        low = _FOLD_EXTRA.get(low, low)
        base = "".join(
            c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c)
        )
        out.append(base if len(base) == 1 else low)
    return "".join(out)


def _free(hits: Iterable[_Hit], taken: Iterable[_Hit]) -> list[_Hit]:
    blocked = list(taken)
    return [h for h in hits if not any(h.start < t.end and t.start < h.end for t in blocked)]


def _first(hits: Iterable[_Hit]) -> _Hit | None:
    return min(hits, key=lambda h: (h.start, h.start - h.end), default=None)


def _taken(folded: str, *finders: _Finder) -> list[_Hit]:
    return [hit for finder in finders for hit in finder(folded)]


# --- POD, PDR, customer code ---------------------------------------------------------------

_POD = re.compile(r"(?<![a-z0-9])it[ \-]?(\d{3})[ \-]?e[ \-]?(\d{4} ?\d{4})([0-9a-z])?(?![a-z0-9])")
_POD_FULL = re.compile(r"IT\d{3}E\d{8}[0-9A-Z]?")
_CUSTOMER_CODE = re.compile(r"(?<![a-z0-9])l ?m[ \-]?(\d{4} ?\d{4})(?!\d)")
_PDR_COMPACT = re.compile(r"(?<![\w+])(?:it ?)?(\d{14})(?!\d)")
_PDR_SPACED = re.compile(
    r"(?<![\w+])(?<!\d[ \-])(?:it ?)?(\d{2,4}(?:[ \-]\d{2,4}){2,6})(?![ \-]?\d)"
)
_PDR_FULL = re.compile(r"\d{14}")


def _compact(value: str) -> str:
    return re.sub(r"[\s\-.]", "", value).upper()


def validate_pod(pod: str) -> bool:
    """An electricity POD: IT + 3-digit distributor + E + 8 digits (+ an optional check char)."""
    return _POD_FULL.fullmatch(_compact(pod)) is not None


def validate_pdr(pdr: str) -> bool:
    """A gas PDR: exactly 14 digits."""
    return _PDR_FULL.fullmatch(_compact(pdr)) is not None


def _pod_hits(folded: str) -> list[_Hit]:
    return [
        _Hit(m.start(), m.end(), f"IT{m[1]}E{m[2].replace(' ', '')}{(m[3] or '').upper()}")
        for m in _POD.finditer(folded)
    ]


def _customer_code_hits(folded: str) -> list[_Hit]:
    return [
        _Hit(m.start(), m.end(), "LM" + m[1].replace(" ", ""))
        for m in _CUSTOMER_CODE.finditer(folded)
    ]


def _pdr_hits(folded: str) -> list[_Hit]:
    hits = [_Hit(m.start(), m.end(), m[1]) for m in _PDR_COMPACT.finditer(folded)]
    for m in _PDR_SPACED.finditer(folded):
        digits = re.sub(r"\D", "", m[1])
        if len(digits) == 14:
            hits.append(_Hit(m.start(), m.end(), digits))
    taken = _taken(folded, _iban_hits, _pod_hits, _customer_code_hits, _intl_phone_hits)
    return _free(hits, taken)


def find_pod(text: str) -> str | None:
    """The first electricity POD in `text`, e.g. "it 001 e 1234 5678" -> "IT001E12345678"."""
    folded = _fold(text)
    hit = _first(_free(_pod_hits(folded), _iban_hits(folded)))
    return hit.value if hit else None


def find_pdr(text: str) -> str | None:
    """The first gas PDR (14 digits, spaces allowed) in `text`, as 14 digits."""
    hit = _first(_pdr_hits(_fold(text)))
    return hit.value if hit else None


_NAMES_POD = re.compile(r"\bpod\b")
_NAMES_PDR = re.compile(r"\bpdr\b")


def mislabelled_code(text: str) -> tuple[str, str] | None:
    """A supply code given under the other code's name ("il mio pdr è IT001E12345678"): its
    real kind ("pod" or "pdr") and the code, else None. A POD is electricity's (IT, the
    distributor's 3 digits, E, 8 digits), a PDR gas's (14 digits): the formats are rules."""
    folded = _fold(text)
    pod, pdr = find_pod(text), find_pdr(text)
    if pod and _NAMES_PDR.search(folded) and not _NAMES_POD.search(folded):
        return "pod", pod
    if pdr and not pod and _NAMES_POD.search(folded) and not _NAMES_PDR.search(folded):
        return "pdr", pdr
    return None


def find_customer_code(text: str) -> str | None:
    """The first Lumea customer code ("LM" + 8 digits) in `text`, e.g. "lm 0001 2345"."""
    hit = _first(_customer_code_hits(_fold(text)))
    return hit.value if hit else None


# --- IBAN ----------------------------------------------------------------------------------

_IBAN_CANDIDATE = re.compile(r"(?<![a-z0-9])(?=([a-z]{2} ?\d{2}(?: ?[a-z0-9]){11,30}))")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_IBAN_IT = re.compile(r"IT\d{2}[A-Z]\d{10}[A-Z0-9]{12}")
_IBAN_LENGTHS = {
    "IT": 27, "SM": 27, "VA": 22, "FR": 27, "MC": 27, "DE": 22, "ES": 24, "PT": 25,
    "GB": 22, "IE": 22, "BE": 16, "NL": 18, "LU": 20, "AT": 20, "CH": 21, "LI": 21,
}  # fmt: skip


def validate_iban(iban: str) -> bool:
    """ISO 13616: shape, the country's length (Italy: 27) and the mod-97 check digits."""
    value = _compact(iban)
    if _IBAN_SHAPE.fullmatch(value) is None:
        return False
    if len(value) != _IBAN_LENGTHS.get(value[:2], len(value)):
        return False
    if value.startswith("IT") and _IBAN_IT.fullmatch(value) is None:
        return False
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _iban_cut(raw: str, length: int) -> int | None:
    """Where the `length`-th IBAN character ends in `raw` (spaces skipped), then to word end."""
    seen = 0
    for index, char in enumerate(raw):
        seen += char != " "
        if seen == length:
            end = index + 1
            while end < len(raw) and raw[end] != " ":
                end += 1
            return end
    return None


def _iban_hits(folded: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for m in _IBAN_CANDIDATE.finditer(folded):
        raw, start = m[1], m.start(1)
        country = raw[:2].upper()
        if country in _IBAN_LENGTHS:
            end = _iban_cut(raw, _IBAN_LENGTHS[country])
            if end is None:
                continue
            value = _compact(raw[:end])
            shaped = _IBAN_IT.fullmatch(value[:27]) if country == "IT" else validate_iban(value)
            if shaped:  # an Italian IBAN is returned even with wrong check digits
                hits.append(_Hit(start, start + end, value))
            continue
        for length in range(34, 14, -1):
            end = _iban_cut(raw, length)
            if end is not None and validate_iban(raw[:end]):
                hits.append(_Hit(start, start + end, _compact(raw[:end])))
                break
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: h.start):
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def find_iban(text: str) -> str | None:
    """The first IBAN-shaped code in `text`, compact and upper-case; check it with validate_iban."""
    hit = _first(_iban_hits(_fold(text)))
    return hit.value if hit else None


# --- phone ---------------------------------------------------------------------------------

_IT_NATIONAL = r"(?:3\d{2}[ .\-]?\d{3}[ .\-]?\d{3,4}|0\d{1,3}[ .\-]?\d{3,4}[ .\-]?\d{2,4}|80[0-3][ .\-]?\d{3}[ .\-]?\d{3})"
_PHONE_IT_PREFIXED = re.compile(rf"(?<![\w+])(?:\+ ?|00)39[ .\-]?({_IT_NATIONAL})(?!\d)")
_PHONE_INTL = re.compile(r"(?<![\w+])\+ ?(?!39)([1-9]\d(?:[ .\-]?\d){6,13})(?!\d)")
_PHONE_IT = re.compile(rf"(?<![\w+.,/\-])({_IT_NATIONAL})(?![\d]|[.,/]\d)")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _intl_phone_hits(folded: str) -> list[_Hit]:
    hits = [
        _Hit(m.start(), m.end(), "+39" + _digits(m[1])) for m in _PHONE_IT_PREFIXED.finditer(folded)
    ]
    hits += [_Hit(m.start(), m.end(), "+" + _digits(m[1])) for m in _PHONE_INTL.finditer(folded)]
    return _free(hits, _taken(folded, _iban_hits, _pod_hits, _customer_code_hits))


def _phone_hits(folded: str) -> list[_Hit]:
    national = [_Hit(m.start(), m.end(), "+39" + _digits(m[1])) for m in _PHONE_IT.finditer(folded)]
    international = _intl_phone_hits(folded)
    taken = _taken(folded, _iban_hits, _pod_hits, _customer_code_hits, _pdr_hits)
    return international + _free(national, [*taken, *international])


def find_phone(text: str) -> str | None:
    """The first phone number in `text` in E.164, e.g. "333 123 4567" -> "+393331234567"."""
    hit = _first(_phone_hits(_fold(text)))
    return hit.value if hit else None


def _identifier_hits(folded: str) -> list[_Hit]:
    """Everything that is a code or a phone, never a date, an amount, an OTP or a reading."""
    return _taken(folded, _iban_hits, _pod_hits, _customer_code_hits, _pdr_hits, _phone_hits)


# --- dates ---------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "gennaio january janvier gen jan janv",
        "febbraio february fevrier feb fevr fev",
        "marzo march mars mar",
        "aprile april avril apr avr",
        "maggio may mai mag",
        "giugno june juin giu jun",
        "luglio july juillet lug jul juil",
        "agosto august aout ago aug",
        "settembre september septembre set sep sept sett",
        "ottobre october octobre ott oct",
        "novembre november nov",
        "dicembre december decembre dic dec",
    ),
    start=1,
):
    _MONTHS.update(dict.fromkeys(_names.split(), _number))
_LONG_MONTHS = [name for name in _MONTHS if len(name) >= 4]

_DATE_NUMERIC = re.compile(
    r"(?<![\w.,/\-])(\d{1,2})([/.\-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\w/\-]|[.,]\d)"
)
_DATE_ISO = re.compile(r"(?<![\w.,/\-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w\-])")
_ORDINAL = r"(?:st|nd|rd|th|er|re|°|o)?"
_DAY_MONTH = re.compile(
    rf"(?<![\w.,])(\d{{1,2}}){_ORDINAL}\.?\s*(?:of\s+|de\s+|di\s+)?([a-z]{{3,12}})(?![a-z])\.?"
    r"(?:,?\s+(\d{4})(?!\d))?"
)
_MONTH_DAY = re.compile(
    r"(?<![a-z])([a-z]{3,12})\.?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?(?![\w])"
    r"(?:,?\s+(\d{4})(?!\d))?"
)
_RELATIVE = (
    (re.compile(r"\b(?:l' ?altro ?ieri|altroieri|avant[\- ]?hier|day before yesterday)\b"), -2),
    (re.compile(r"\b(?:dopodomani|apres[\- ]?demain|(?:the )?day after tomorrow)\b"), 2),
    (re.compile(r"\b(?:ieri|yesterday|hier)\b"), -1),
    (re.compile(r"\b(?:domani|tomorrow|demain)\b"), 1),
    (re.compile(r"\b(?:oggi|today|aujourd' ?hui|aujourdhui|stamattina|stamani|ce matin)\b"), 0),
)
_FUZZY_RELATIVE = {"yesterday": -1, "tomorrow": 1, "aujourdhui": 0, "stamattina": 0}
_WORD = re.compile(r"[a-z']+")


def _month(word: str) -> int | None:
    if word in _MONTHS:
        return _MONTHS[word]
    if len(word) >= 5:
        close = get_close_matches(word, _LONG_MONTHS, n=1, cutoff=0.8)
        if close:
            return _MONTHS[close[0]]
    return None


def find_month(text: str) -> int | None:
    """A month named by its full name ("la bolletta di settembre", "my March bill"), typos
    aside ("setembre"); abbreviations are too often other words, and "mars", "mai" and "may"
    count only after "de"/"of"/"in"."""
    folded = _fold(text)
    for word in _WORD.findall(folded):
        if len(word) >= 4 and word not in ("mars",) and (month := _month(word)) is not None:
            return month
        if word in ("mars", "mai", "may") and re.search(rf"\b(de|en|of|in|for) {word}\b", folded):
            return 3 if word == "mars" else 5
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(raw: str | None, today: date) -> int:
    if raw is None:
        return today.year
    return int(raw) + 2000 if len(raw) == 2 else int(raw)


def _date_hits(folded: str, today: date) -> list[tuple[_Hit, date]]:
    found: list[tuple[_Hit, date | None]] = []

    def add(m: re.Match[str], value: date | None) -> None:
        found.append((_Hit(m.start(), m.end(), ""), value))

    for m in _DATE_NUMERIC.finditer(folded):
        if m[2] != "." or m[4] is not None:  # "15.03" is more often an amount than a date
            add(m, _safe_date(_year(m[4], today), int(m[3]), int(m[1])))
    for m in _DATE_ISO.finditer(folded):
        add(m, _safe_date(int(m[1]), int(m[2]), int(m[3])))
    for m in _DAY_MONTH.finditer(folded):
        if (month := _month(m[2])) is not None:
            add(m, _safe_date(_year(m[3], today), month, int(m[1])))
    for m in _MONTH_DAY.finditer(folded):
        if (month := _month(m[1])) is not None:
            add(m, _safe_date(_year(m[3], today), month, int(m[2])))
    for pattern, offset in _RELATIVE:
        for m in pattern.finditer(folded):
            add(m, today + timedelta(days=offset))
    for m in _WORD.finditer(folded):
        word = m[0].replace("'", "")
        close = get_close_matches(word, _FUZZY_RELATIVE, n=1, cutoff=0.8) if len(word) >= 6 else []
        if close:
            add(m, today + timedelta(days=_FUZZY_RELATIVE[close[0]]))
    taken = _identifier_hits(folded)
    return [(hit, value) for hit, value in found if value is not None and _free([hit], taken)]


def find_date(text: str, today: date) -> date | None:
    """The first date in `text`: numeric, "15 marzo 2026", "March 15", "15 mars", "ieri", ...

    A date without a year is taken in `today`'s year; two-digit years are 20yy.
    """
    hits = _date_hits(_fold(text), today)
    if not hits:
        return None
    return min(hits, key=lambda pair: (pair[0].start, pair[0].start - pair[0].end))[1]


# --- amounts -------------------------------------------------------------------------------

_NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_CURRENCY = r"(?:€|(?<![a-z])eur(?:o|os|i)?(?![a-z])|(?<![a-z])eruo(?![a-z]))"
_AMOUNT_AFTER = re.compile(rf"(?<![\w.,])({_NUMBER})(?![.,]?\d)\s*{_CURRENCY}")
_AMOUNT_BEFORE = re.compile(rf"{_CURRENCY}\s*({_NUMBER})(?![.,]?\d)")
_AMOUNT_CENTS = re.compile(
    rf"(?<![\w.,])(\d+)\s*{_CURRENCY}\s*(?:e|et|and|,)?\s*(\d{{1,2}})\s*"
    r"(?:centesimi|centesimo|centimes|centime|cents|cent|c)(?![a-z])"
)
_AMOUNT_BARE = re.compile(
    r"(?<![\w.,/\-])(\d{1,3}(?:\.\d{3})+,\d{2}|\d{1,3}(?:,\d{3})+\.\d{2}|\d+[.,]\d{2})"
    r"(?!\d|[.,/\-]\d|\s*(?:kwh|kw|mc|m3|smc|%))"
)


def _money(raw: str) -> Decimal:
    """ "1.234,56", "1,234.56", "84,2", "1.234" -> Decimal: a last separator before 1-2 digits
    is the decimal point; any other separator groups thousands."""
    head, sep, tail = max((raw.rpartition(s) for s in ".,"), key=lambda p: len(p[0]))
    if sep and len(tail) <= 2:
        return Decimal(_digits(head) + "." + tail)
    return Decimal(_digits(raw))


def _amount_hits(folded: str, *, bare: bool) -> list[_Hit]:
    hits = [
        _Hit(m.start(), m.end(), f"{int(m[1])}.{int(m[2]):02d}")
        for m in _AMOUNT_CENTS.finditer(folded)
    ]
    for pattern in (_AMOUNT_AFTER, _AMOUNT_BEFORE):
        hits += [_Hit(m.start(), m.end(), str(_money(m[1]))) for m in pattern.finditer(folded)]
    if bare and not hits:
        hits = [_Hit(m.start(), m.end(), str(_money(m[1]))) for m in _AMOUNT_BARE.finditer(folded)]
    return _free(hits, _identifier_hits(folded))


def find_amount(text: str) -> Decimal | None:
    """The first euro amount: "84,20 €", "€ 84.20", "84 euro", "1.234,56 EUR", "84 euro e 20 cent".

    Without a currency sign, only a number with exactly two decimals counts ("84,20").
    """
    hit = _first(_amount_hits(_fold(text), bare=True))
    return Decimal(hit.value).quantize(CENT) if hit else None


# --- meter readings ------------------------------------------------------------------------

_READING_NUMBER = r"\d+(?:[.,]\d+)*"
_UNIT = re.compile(
    r"\s*(kwh|kw/h|kilowatt ?or[ae]|mc|m3|smc|metri cubi|metres cubes|cubic met(?:er|re)s?)(?![a-z0-9])"
)
_BAND = re.compile(
    rf"(?<![a-z0-9])(?:f ?|a\+?t?|fascia ?|band ?)([123])(?!\d)\s*(?:[:=\-]\s*|\s+)({_READING_NUMBER})"
)
_READING = re.compile(rf"(?<![\w.,:/+\-])({_READING_NUMBER})(?!\d)")
_NOT_READING_AFTER = re.compile(
    r"(?:[a-z]|[:/]\d)|\s*(?:%|€)|\s+(?:giorn|days?\b|jours?\b|ore\b|hours?\b|heures?\b|min|"
    r"mes[ei]\b|months?\b|mois\b|ann[io]\b|years?\b|ans?\b|volte\b|times\b|fois\b|kw\b|"
    r"eur|euro|€|rate\b|bollett|bills?\b|factures?\b|persone|people|personnes)"
)


def _reading_value(raw: str) -> Decimal | None:
    """ "01234" -> 1234, "1234,5" -> 1234.5, "12.345" -> 12345 (Italian thousands)."""
    if re.fullmatch(r"\d+", raw):
        return Decimal(raw)
    if re.fullmatch(r"[1-9]\d{0,2}(?:\.\d{3})+", raw):
        return Decimal(raw.replace(".", ""))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", raw):
        return Decimal(raw.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d+[.,]\d+", raw):
        return Decimal(raw.replace(",", "."))
    return None


def _integer_digits(value: Decimal) -> int:
    return len(str(int(value)))


def find_reading(text: str) -> dict[str, Decimal] | None:
    """A meter reading: {"F1", "F2", "F3"} for bands (F1, A1, "fascia 1"), else {"total"}.

    Codes, phones, dates and euro amounts are never taken for a reading; several different
    numbers without a unit give None (better to ask again than to guess).
    """
    folded = _fold(text)
    dates = [hit for hit, _ in _date_hits(folded, _ANY_DAY)]
    taken = [*_identifier_hits(folded), *dates, *_amount_hits(folded, bare=False)]
    bands: dict[str, Decimal] = {}
    for m in _BAND.finditer(folded):
        value = _reading_value(m[2])
        if value is not None and _free([_Hit(m.start(2), m.end(2), "")], taken):
            bands.setdefault(f"F{m[1]}", value)
    if bands:
        return bands
    with_unit: list[Decimal] = []
    without_unit: list[Decimal] = []
    for m in _READING.finditer(folded):
        value = _reading_value(m[1])
        if value is None or not _free([_Hit(m.start(), m.end(), "")], taken):
            continue
        rest = folded[m.end() :]
        if _UNIT.match(rest):
            with_unit.append(value)
        elif not _NOT_READING_AFTER.match(rest) and _integer_digits(value) <= MAX_READING_DIGITS:
            without_unit.append(value)
    for group in (with_unit, [v for v in without_unit if _integer_digits(v) >= 3], without_unit):
        if len(set(group)) == 1:
            return {"total": group[0]}
        if group:
            return None
    return None


# --- OTP -----------------------------------------------------------------------------------

_OTP = re.compile(r"(?<![\w.,/+\-])(?<!\d )(\d{3})[ \-]?(\d{3})(?![\w]|[.,/\-]\d| \d)")


_ORDINALS = {
    1: r"prim[ao]|first|premier|premiere|1st",
    2: r"second[ao]|second|deuxieme|2nd",
    3: r"terz[ao]|third|troisieme|3rd",
    4: r"quart[ao]|fourth|quatrieme|4th",
}
_LAST = r"ultim[ao]|last|dernier|derniere"
_POSITION = re.compile(
    r"\s*(?:(?:la|il|lo|l'|the|le)\s*)?"
    r"(?:(?:opzione|piano|offerta|fornitura|option|plan|offer|offre|n\.?|numero|number)\s*)?"
    r"(?P<position>[1-9]|" + "|".join(_ORDINALS.values()) + "|" + _LAST + r")"
    r"(?:\s*(?:one|opzione|piano|offerta|option|plan|offer|offre|please|per favore|grazie|"
    r"svp|merci))?[\s.!)]*"
)


def find_position(text: str, count: int) -> int | None:
    """Which of `count` listed options a short answer picks, from 0: "2", "opzione 2", "la
    prima", "the second one", "la dernière". None when the message is more than that."""
    match = _POSITION.fullmatch(_fold(text))
    if match is None:
        return None
    word = match.group("position")
    if word.isdigit():
        index = int(word) - 1
    elif re.fullmatch(_LAST, word):
        index = count - 1
    else:
        index = next(n for n, words in _ORDINALS.items() if re.fullmatch(words, word)) - 1
    return index if 0 <= index < count else None


def find_otp(text: str) -> str | None:
    """The first 6-digit one-time code ("123456", "123 456"); codes, phones, dates are skipped."""
    folded = _fold(text)
    hits = [_Hit(m.start(), m.end(), m[1] + m[2]) for m in _OTP.finditer(folded)]
    taken = [*_identifier_hits(folded), *_amount_hits(folded, bare=False)]
    hit = _first(_free(hits, taken))
    return hit.value if hit else None
