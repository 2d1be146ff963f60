"""Self-reading plausibility rules and the self-reading window."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from graph.backends.ports import MeterReading, Supply
from graph.verticals.self_reading.rules import (
    ReadingRuleError,
    billing_window,
    validate_reading,
)

TODAY = date(2026, 1, 31)
PREVIOUS_DAY = date(2025, 12, 27)  # the last comparable reading, 30 days before 2026-01-26
READ_ON = date(2026, 1, 26)


def supply(commodity: str = "gas", power_kw: str | None = None, supply_id: str = "S-1") -> Supply:
    return Supply(
        supply_id=supply_id,
        customer_code="LM00012345",
        commodity=commodity,  # type: ignore[arg-type]
        address="Via Roma 1",
        commune="Montevarchi",
        power_kw=Decimal(power_kw) if power_kw else None,
        distributor="Lumea Reti",
        distributor_emergency_phone="800 900 222",
    )


def reading(
    day: date, source: str = "actual", supply_id: str = "S-1", **values: str
) -> MeterReading:
    return MeterReading(
        supply_id=supply_id,
        read_on=day,
        values={k: Decimal(v) for k, v in values.items()},
        source=source,  # type: ignore[arg-type]
    )


# Typical consumption: 360 m3 in 360 days = 1 m3/day.
GAS_HISTORY = [
    reading(date(2025, 1, 1), total="1000"),
    reading(date(2025, 6, 30), source="self", total="1179.6"),
    reading(PREVIOUS_DAY, total="1360.9"),
]


def gas(value: str, history: list[MeterReading] = GAS_HISTORY, **kwargs: date):  # type: ignore[no-untyped-def]
    return validate_reading(
        supply("gas"),
        {"total": Decimal(value)},
        history,
        TODAY,
        read_on=kwargs.get("read_on", READ_ON),
    )


@pytest.mark.parametrize(
    ("value", "status", "code"),
    [
        ("1360", "ok", "ok"),  # no consumption
        ("1360.99", "ok", "ok"),  # decimals ignored, as on the meter
        ("1359.99", "rejected", "lower_than_previous"),
        ("1359", "rejected", "lower_than_previous"),
        ("1390", "ok", "ok"),  # 1/day: typical
        ("1450", "ok", "ok"),  # exactly 3x typical
        ("1451", "confirm", "high_consumption"),
        ("1660", "confirm", "high_consumption"),  # exactly 10x
        ("1661", "rejected", "abnormal_jump"),
        ("999999", "rejected", "abnormal_jump"),
    ],
)
def test_gas_consumption_bands(value: str, status: str, code: str) -> None:
    result = gas(value)
    assert (result.status, result.code) == (status, code)


def test_detail_for_templates() -> None:
    result = gas("1451.7")
    assert result.values == {"total": Decimal("1451")}
    assert result.read_on == READ_ON
    d = result.detail
    assert d.unit == "m3"
    assert d.previous_values == {"total": Decimal("1360.9")}
    assert d.previous_date == PREVIOUS_DAY
    assert d.days == 30
    assert d.consumption == Decimal("91")
    assert d.implied_daily == Decimal("3.03")
    assert d.typical_daily == Decimal("1.00")


def test_estimated_readings_are_not_a_reference() -> None:
    history = [*GAS_HISTORY, reading(date(2026, 1, 10), source="estimated", total="2000")]
    result = gas("1400", history)
    assert (result.status, result.code) == ("ok", "ok")
    assert result.detail.previous_date == PREVIOUS_DAY


def test_readings_after_the_reading_date_are_ignored() -> None:
    history = [*GAS_HISTORY, reading(date(2026, 1, 28), total="1500")]
    assert gas("1400").status == "ok"
    assert gas("1400", history).status == "ok"  # read on the 26th, before the 28th reading


def test_no_history_is_ok() -> None:
    result = gas("1234", [])
    assert (result.status, result.code) == ("ok", "ok")
    assert result.detail.previous_date is None


def test_a_single_reading_gives_no_typical_consumption() -> None:
    result = gas("5000", [reading(PREVIOUS_DAY, total="1000")])
    assert result.status == "ok"
    assert result.detail.typical_daily is None
    assert result.detail.implied_daily == Decimal("133.33")


def test_meter_replacement_in_history_is_skipped() -> None:
    history = [
        reading(date(2025, 3, 1), total="9000"),
        reading(date(2025, 6, 29), total="10"),  # new meter
        reading(PREVIOUS_DAY, total="190"),  # 180 m3 in 181 days
    ]
    result = gas("220", history)
    assert result.detail.typical_daily == Decimal("0.99")
    assert result.status == "ok"


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        ({"total": Decimal("-1")}, "negative"),
        ({"total": Decimal("NaN")}, "negative"),
        ({"total": Decimal("1000000")}, "too_many_digits"),
        ({"F1": Decimal("100")}, "unknown_key"),
        ({"reading": Decimal("100")}, "unknown_key"),
        ({}, "empty"),
    ],
)
def test_format_errors(new: dict[str, Decimal], problem: str) -> None:
    result = validate_reading(supply("gas"), new, [], TODAY)
    assert (result.status, result.code) == ("rejected", "format")
    assert result.detail.problem == problem
    assert result.values == {}


def test_six_digits_are_allowed() -> None:
    assert (
        validate_reading(supply("water"), {"total": Decimal("999999.9")}, [], TODAY).status == "ok"
    )


def test_future_date() -> None:
    result = gas("1400", read_on=date(2026, 2, 1))
    assert (result.status, result.code) == ("rejected", "future_date")
    assert gas("1400", read_on=TODAY).status == "ok"


def test_same_day_as_previous_counts_as_one_day() -> None:
    assert gas("1363", read_on=PREVIOUS_DAY).status == "ok"
    assert gas("1364", read_on=PREVIOUS_DAY).status == "confirm"


def test_history_of_another_supply_is_a_bug() -> None:
    with pytest.raises(ReadingRuleError):
        gas("1400", [reading(PREVIOUS_DAY, supply_id="S-2", total="1")])


# --- electricity ---------------------------------------------------------------------------

BANDS_HISTORY = [
    reading(date(2025, 1, 1), F1="1000", F2="500", F3="1500"),
    reading(PREVIOUS_DAY, F1="2000", F2="1000", F3="3600"),  # 3600 kWh in 360 days
]


def electricity(history: list[MeterReading], power: str | None = "3", **values: str):  # type: ignore[no-untyped-def]
    new = {k: Decimal(v) for k, v in values.items()}
    return validate_reading(supply("electricity", power), new, history, TODAY, read_on=READ_ON)


def test_bands_ok() -> None:
    result = electricity(BANDS_HISTORY, F1="2100", F2="1050", F3="3700")
    assert (result.status, result.code) == ("ok", "ok")
    assert result.detail.unit == "kWh"
    assert result.detail.implied_daily == Decimal("8.33")
    assert result.detail.typical_daily == Decimal("10.00")


@pytest.mark.parametrize(
    ("f3", "power", "status", "code"),
    [
        ("4500", "3", "ok", "ok"),  # 900 kWh in 30 days: exactly 3x the typical 10/day
        ("4530", "3", "confirm", "high_consumption"),
        ("4530", None, "confirm", "high_consumption"),
        ("6500", "3", "rejected", "abnormal_jump"),  # 96/day: over 3 kW x 24 h x 1.1
        ("6500", None, "confirm", "high_consumption"),  # 96/day: under 10x without a power cap
        ("6601", None, "rejected", "abnormal_jump"),  # 100.03/day: over 10x
    ],
)
def test_band_totals_against_typical(f3: str, power: str | None, status: str, code: str) -> None:
    result = electricity(BANDS_HISTORY, power=power, F1="2000", F2="1000", F3=f3)
    assert (result.status, result.code) == (status, code)


@pytest.mark.parametrize(
    ("values", "missing"),
    [
        ({"total": "9000"}, ["F1", "F2", "F3"]),
        ({"F1": "2100", "F2": "1050"}, ["F3"]),
        ({"f1": "2100", "F3": "3700"}, ["F2"]),
    ],
)
def test_multi_band_supply_needs_all_bands(values: dict[str, str], missing: list[str]) -> None:
    result = electricity(BANDS_HISTORY, **values)
    assert (result.status, result.code) == ("rejected", "missing_bands")
    assert result.detail.missing_bands == missing


def test_partial_bands_without_history() -> None:
    result = electricity([], F1="10", F2="20")
    assert result.code == "missing_bands" and result.detail.missing_bands == ["F3"]
    assert electricity([], F1="10", F2="20", F3="30").status == "ok"
    assert electricity([], total="60").status == "ok"


def test_lower_band_is_named() -> None:
    result = electricity(BANDS_HISTORY, F1="2100", F2="999", F3="3700")
    assert (result.status, result.code) == ("rejected", "lower_than_previous")
    assert result.detail.band == "F2"


def test_electricity_readings_are_whole_kwh() -> None:
    result = electricity(BANDS_HISTORY, F1="2100.5", F2="1050", F3="3700")
    assert (result.code, result.detail.problem) == ("format", "decimals")


def test_bands_and_total_keep_the_bands() -> None:
    result = electricity(BANDS_HISTORY, F1="2100", F2="1050", F3="3700", total="9050")
    assert result.values == {"F1": Decimal("2100"), "F2": Decimal("1050"), "F3": Decimal("3700")}


SINGLE_RATE = [reading(PREVIOUS_DAY, source="self", total="5000")]


@pytest.mark.parametrize(
    ("value", "status", "code"),
    [
        ("5000", "ok", "ok"),
        ("7376", "ok", "ok"),  # 3 kW x 24 h x 30 days x 1.1 = 2376 kWh
        ("7377", "rejected", "abnormal_jump"),
        ("4999", "rejected", "lower_than_previous"),
    ],
)
def test_single_rate_and_the_power_limit(value: str, status: str, code: str) -> None:
    result = electricity(SINGLE_RATE, total=value)
    assert (result.status, result.code) == (status, code)
    assert result.detail.previous_values == {"total": Decimal("5000")}
    if code != "lower_than_previous":
        assert result.detail.max_daily == Decimal("79.20")


def test_without_contracted_power_there_is_no_physical_limit() -> None:
    assert electricity(SINGLE_RATE, power=None, total="9000").status == "ok"


def test_single_rate_history_accepts_bands_compared_on_the_total() -> None:
    assert electricity(SINGLE_RATE, F1="2000", F2="1000", F3="2100").status == "ok"
    result = electricity(SINGLE_RATE, F1="2000", F2="1000", F3="1000")
    assert result.code == "lower_than_previous"


def test_water_takes_only_a_total() -> None:
    ok = validate_reading(supply("water"), {"total": Decimal("123.4")}, [], TODAY)
    assert ok.values == {"total": Decimal("123")} and ok.detail.unit == "m3"
    bad = validate_reading(supply("water"), {"F1": Decimal("1")}, [], TODAY)
    assert bad.code == "format"


# --- window --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "window"),
    [
        (date(2026, 3, 10), (date(2026, 3, 27), date(2026, 4, 5))),
        (date(2026, 3, 6), (date(2026, 3, 27), date(2026, 4, 5))),
        (date(2026, 3, 27), (date(2026, 3, 27), date(2026, 4, 5))),
        (date(2026, 3, 31), (date(2026, 3, 27), date(2026, 4, 5))),
        (date(2026, 4, 5), (date(2026, 3, 27), date(2026, 4, 5))),
        (date(2026, 4, 6), (date(2026, 4, 26), date(2026, 5, 5))),
        (date(2026, 2, 15), (date(2026, 2, 24), date(2026, 3, 5))),
        (date(2028, 2, 10), (date(2028, 2, 25), date(2028, 3, 5))),  # leap year
        (date(2026, 1, 3), (date(2025, 12, 27), date(2026, 1, 5))),
    ],
)
@pytest.mark.parametrize("commodity", ["electricity", "gas"])
def test_billing_window(commodity: str, today: date, window: tuple[date, date]) -> None:
    start, end = billing_window(supply(commodity), today) or (None, None)
    assert (start, end) == window
    assert (end - start).days == 9  # type: ignore[operator]


def test_water_has_no_window() -> None:
    assert billing_window(supply("water"), date(2026, 3, 10)) is None
