"""Plausibility rules for a customer's meter self-reading (autolettura), and its window."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, Field

from graph.backends.ports import MeterReading, Supply

BANDS = ("F1", "F2", "F3")
TOTAL = "total"
MAX_VALUE = Decimal(1_000_000)  # meters show at most 6 integer digits
CONFIRM_FACTOR = Decimal(3)  # above 3x the typical daily consumption: ask to double-check
REJECT_FACTOR = Decimal(10)  # above 10x: not plausible
POWER_MARGIN = Decimal("1.1")  # electricity: at most power_kw x 24 h x days x 1.1
TYPICAL_LOOKBACK_DAYS = 365
WINDOW_DAYS = 5
UNITS = {"electricity": "kWh", "gas": "m3", "water": "m3"}
_COMPARABLE = ("actual", "self")  # estimates are never a reference

Status = Literal["ok", "confirm", "rejected"]
Code = Literal[
    "ok",
    "format",
    "future_date",
    "missing_bands",
    "lower_than_previous",
    "high_consumption",
    "abnormal_jump",
]


class ReadingRuleError(ValueError):
    """Raised when the history is not the supply's own (a caller's bug)."""


class ReadingDetail(BaseModel):
    """What a reply template needs to explain the outcome."""

    unit: str
    problem: str | None = (
        None  # format: "empty", "unknown_key", "negative", "decimals", "too_many_digits"
    )
    missing_bands: list[str] = Field(default_factory=list)
    band: str | None = None  # the band that went backwards
    previous_values: dict[str, Decimal] | None = None
    previous_date: date | None = None
    days: int | None = None
    consumption: Decimal | None = None
    implied_daily: Decimal | None = None
    typical_daily: Decimal | None = None
    max_daily: Decimal | None = None  # electricity: what the contracted power allows


class ReadingCheck(BaseModel):
    status: Status
    code: Code
    values: dict[str, Decimal]  # normalised: integer digits, "F1".."F3" or "total"
    read_on: date
    detail: ReadingDetail


def _normalise(supply: Supply, new: dict[str, Decimal]) -> tuple[dict[str, Decimal], str | None]:
    values: dict[str, Decimal] = {}
    for key, value in new.items():
        name = key.strip().upper()
        name = TOTAL if name in ("TOTAL", "TOTALE", "A+") else name
        if name not in (*BANDS, TOTAL) or (supply.commodity != "electricity" and name != TOTAL):
            return {}, "unknown_key"
        if not value.is_finite() or value < 0:
            return {}, "negative"
        whole = value.to_integral_value(ROUND_DOWN)  # gas/water: black digits only
        if supply.commodity == "electricity" and whole != value:
            return {}, "decimals"
        if whole >= MAX_VALUE:
            return {}, "too_many_digits"
        values[name] = whole
    if not values:
        return {}, "empty"
    if any(band in values for band in BANDS):
        values.pop(TOTAL, None)  # bands are the reading; a total beside them adds nothing
    return values, None


def _total(values: dict[str, Decimal]) -> Decimal:
    if TOTAL in values:
        return values[TOTAL].to_integral_value(ROUND_DOWN)
    return sum((values[b].to_integral_value(ROUND_DOWN) for b in BANDS if b in values), Decimal(0))


def _typical_daily(readings: Sequence[MeterReading]) -> Decimal | None:
    """Mean daily consumption over the year before the last comparable reading, or None."""
    if len(readings) < 2:
        return None
    since = readings[-1].read_on - timedelta(days=TYPICAL_LOOKBACK_DAYS)
    recent = [r for r in readings if r.read_on >= since]
    used, days = Decimal(0), 0
    for before, after in zip(recent, recent[1:], strict=False):
        delta, span = (
            _total(after.values) - _total(before.values),
            (after.read_on - before.read_on).days,
        )
        if span > 0 and delta >= 0:  # a negative step is a meter change: skip it
            used, days = used + delta, days + span
    if days == 0 or used == 0:
        return None  # no basis for a ratio (e.g. an empty home): only the hard limits apply
    return used / days


def _two_places(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def validate_reading(
    supply: Supply,
    new: dict[str, Decimal],
    history: list[MeterReading],
    today: date,
    *,
    read_on: date | None = None,
) -> ReadingCheck:
    """Check a self-reading against the supply's history; `read_on` defaults to today.

    "confirm" means: ask the customer to double-check; accepting it after an explicit
    confirmation is the caller's decision.
    """
    if any(r.supply_id != supply.supply_id for r in history):
        raise ReadingRuleError(
            f"history contains readings of another supply than {supply.supply_id}"
        )
    read_on = read_on or today
    detail = ReadingDetail(unit=UNITS[supply.commodity])

    def result(status: Status, code: Code, values: dict[str, Decimal]) -> ReadingCheck:
        return ReadingCheck(status=status, code=code, values=values, read_on=read_on, detail=detail)

    values, problem = _normalise(supply, new)
    if problem:
        detail.problem = problem
        return result("rejected", "format", {})
    if read_on > today:
        return result("rejected", "future_date", values)

    past = sorted((r for r in history if r.read_on <= read_on), key=lambda r: r.read_on)
    given_bands = [b for b in BANDS if b in values]
    last_had_bands = bool(past) and all(b in past[-1].values for b in BANDS)
    if supply.commodity == "electricity" and (given_bands or last_had_bands):
        detail.missing_bands = [b for b in BANDS if b not in values]
        if detail.missing_bands:
            return result("rejected", "missing_bands", values)

    comparable = [r for r in past if r.source in _COMPARABLE]
    if not comparable:
        return result("ok", "ok", values)
    previous = comparable[-1]
    detail.previous_values = dict(previous.values)
    detail.previous_date = previous.read_on
    if given_bands and all(b in previous.values for b in BANDS):
        for band in BANDS:
            if values[band] < previous.values[band].to_integral_value(ROUND_DOWN):
                detail.band = band
                return result("rejected", "lower_than_previous", values)
    consumption = _total(values) - _total(previous.values)
    if consumption < 0:
        return result("rejected", "lower_than_previous", values)

    days = max((read_on - previous.read_on).days, 1)
    implied = consumption / days
    typical = _typical_daily(comparable)
    detail.days, detail.consumption = days, consumption
    detail.implied_daily = _two_places(implied)
    detail.typical_daily = _two_places(typical) if typical is not None else None
    if supply.commodity == "electricity" and supply.power_kw is not None:
        detail.max_daily = _two_places(supply.power_kw * 24 * POWER_MARGIN)
        if consumption > supply.power_kw * 24 * days * POWER_MARGIN:
            return result("rejected", "abnormal_jump", values)
    if typical is not None and implied > REJECT_FACTOR * typical:
        return result("rejected", "abnormal_jump", values)
    if typical is not None and implied > CONFIRM_FACTOR * typical:
        return result("confirm", "high_consumption", values)
    return result("ok", "ok", values)


def billing_window(supply: Supply, today: date) -> tuple[date, date] | None:
    """The days in which a self-reading is used for the next bill; None: any day (water).

    The corpus says only that the window printed on the bill is "usually around the last
    10 days of the month" and gives no exact Lumea window, so this uses the fallback agreed
    for Lumea: the last 5 days of a month and the first 5 of the next. Returns the window
    that contains `today`, else the next one. Water self-readings are accepted 365 days a
    year (ARERA), so there is no window.
    """
    if supply.commodity == "water":
        return None
    month = today.replace(day=1)
    if today.day <= WINDOW_DAYS:  # still in the window that opened last month
        month = (month - timedelta(days=1)).replace(day=1)
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return month_end - timedelta(days=WINDOW_DAYS - 1), month_end + timedelta(days=WINDOW_DAYS)
