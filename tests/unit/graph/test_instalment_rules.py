"""Lumea's rateizzazione rules: eligibility boundaries and amortised plans."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import count

import pytest

from graph.backends.ports import Bill, BonusStatus, Customer, Supply
from graph.verticals.instalments.rules import (
    Eligibility,
    InstalmentRuleError,
    check_eligibility,
    propose_plans,
)

TODAY = date(2026, 3, 15)
DUE = date(2026, 3, 10)  # deadline 20 March
_ids = count(1)


def customer(domestic: bool = True) -> Customer:
    return Customer(code="LM00012345", name="Maria Rossi", phone="+393331234567", domestic=domestic)


def supply(
    commodity: str = "electricity", bonus: BonusStatus | None = None, supply_id: str = "S-1"
) -> Supply:
    return Supply(
        supply_id=supply_id,
        customer_code="LM00012345",
        commodity=commodity,  # type: ignore[arg-type]
        pod="IT001E12345678" if commodity == "electricity" else None,
        pdr="00880000123456" if commodity == "gas" else None,
        address="Via Roma 1",
        commune="Montevarchi",
        bonus=bonus,
        distributor="Lumea Reti",
        distributor_emergency_phone="800 900 111",
    )


def bill(
    amount: str,
    issued: date = date(2026, 2, 20),
    *,
    due: date = DUE,
    status: str = "unpaid",
    estimated: bool = False,
    conguaglio: bool = False,
    commodity: str = "electricity",
    supply_id: str = "S-1",
) -> Bill:
    n = next(_ids)
    return Bill(
        bill_id=f"B-{n}",
        number=f"2026/{n}",
        customer_code="LM00012345",
        supply_id=supply_id,
        commodity=commodity,  # type: ignore[arg-type]
        period_start=issued - timedelta(days=60),
        period_end=issued - timedelta(days=1),
        issue_date=issued,
        due_date=due,
        amount=Decimal(amount),
        status=status,  # type: ignore[arg-type]
        estimated=estimated,
        conguaglio=conguaglio,
    )


def paid_history(
    *amounts: str, commodity: str = "electricity", estimated: bool = False
) -> list[Bill]:
    """Paid bills, one every two months going back from January 2026."""
    return [
        bill(a, date(2026, 1, 5) - timedelta(days=61 * i), due=date(2026, 1, 25) - timedelta(days=61 * i),
             status="paid", commodity=commodity, estimated=estimated)
        for i, a in enumerate(amounts)
    ]  # fmt: skip


def check(b: Bill, history: list[Bill], *, domestic: bool = True, today: date = TODAY,
          sup: Supply | None = None) -> Eligibility:  # fmt: skip
    return check_eligibility(b, history, customer(domestic), sup or supply(b.commodity), today)


SIXTY = paid_history("60", "60", "60", "60", "60", "60")


@pytest.mark.parametrize(
    ("amount", "domestic", "eligible", "grounds"),
    [
        ("90.00", True, True, ["above_150pct_average"]),  # exactly 150% of 60
        ("89.99", True, False, []),
        ("250.00", True, True, ["above_150pct_average"]),
        ("150.00", False, True, ["above_250pct_average"]),  # exactly 250% for non-domestic
        ("149.99", False, False, []),
        ("90.00", False, False, []),
    ],
)
def test_average_threshold_boundaries(
    amount: str, domestic: bool, eligible: bool, grounds: list[str]
) -> None:
    result = check(bill(amount), SIXTY, domestic=domestic)
    assert result.eligible is eligible
    assert result.grounds == grounds
    assert result.average == Decimal("60.00")
    assert result.threshold == (Decimal("90.00") if domestic else Decimal("150.00"))
    assert result.reasons == ([] if eligible else ["no_anomaly"])


@pytest.mark.parametrize(
    ("amount", "reasons"),
    [("50.00", ["amount_below_minimum"]), ("49.99", ["amount_below_minimum"]), ("50.01", [])],
)
def test_minimum_amount_is_over_50(amount: str, reasons: list[str]) -> None:
    low_history = paid_history("20", "20", "20")
    result = check(bill(amount), low_history)
    assert result.grounds == ["above_150pct_average"]
    assert result.reasons == reasons
    assert result.eligible is (not reasons)


@pytest.mark.parametrize(
    ("today", "eligible"),
    [
        (date(2026, 3, 1), True),  # before the due date
        (DUE, True),
        (date(2026, 3, 20), True),  # exactly the deadline day
        (date(2026, 3, 21), False),
        (date(2026, 6, 1), False),
    ],
)
def test_request_deadline_is_ten_days_after_due(today: date, eligible: bool) -> None:
    result = check(bill("120"), SIXTY, today=today)
    assert result.deadline == date(2026, 3, 20)
    assert result.eligible is eligible
    assert ("request_too_late" in result.reasons) is (not eligible)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("paid", "already_paid"),
        ("in_instalments", "already_in_instalments"),
        ("cancelled", "bill_cancelled"),
    ],
)
def test_bill_status_blocks(status: str, reason: str) -> None:
    result = check(bill("120", status=status), SIXTY)
    assert not result.eligible
    assert result.reasons == [reason]
    assert result.grounds == ["above_150pct_average"]


def test_partially_paid_bill_can_still_be_split() -> None:
    assert check(bill("120", status="partially_paid"), SIXTY).eligible


def test_all_reasons_are_reported_together() -> None:
    result = check(bill("40", status="paid"), SIXTY, today=date(2026, 4, 1))
    assert result.reasons == [
        "already_paid",
        "amount_below_minimum",
        "request_too_late",
        "no_anomaly",
    ]


def test_no_history_means_no_average_ground() -> None:
    result = check(bill("500"), [])
    assert not result.eligible
    assert result.reasons == ["no_anomaly"]
    assert result.average is None and result.threshold is None


def test_only_the_same_supply_in_the_last_twelve_months_counts() -> None:
    current = bill("120", issued=date(2026, 2, 20))
    history = [
        bill("60", date(2025, 12, 20), status="paid"),
        bill("60", date(2025, 2, 20), status="paid"),  # exactly 12 months before: counts
        bill("1000", date(2025, 2, 19), status="paid"),  # older than 12 months
        bill("1000", date(2026, 1, 20), status="paid", supply_id="S-2"),  # another supply
        bill("1000", date(2026, 1, 10), status="cancelled"),
        bill("1000", date(2026, 3, 1), status="unpaid"),  # issued after this bill
        current,  # the bill itself
    ]
    result = check(current, history)
    assert result.average == Decimal("60.00")
    assert result.grounds == ["above_150pct_average"]


def test_average_compared_exactly_and_threshold_rounded_up() -> None:
    history = paid_history("10.00", "10.00", "10.00", "10.01")  # mean 10.0025; 150% = 15.00375
    result = check(bill("15.01"), history)
    assert result.average == Decimal("10.00")
    assert result.threshold == Decimal("15.01")
    assert result.grounds == ["above_150pct_average"]
    assert check(bill("15.00"), history).grounds == []


def test_conguaglio_after_estimated_bills() -> None:
    history = [
        bill("300", date(2025, 4, 1), status="paid"),
        bill("300", date(2025, 6, 1), status="paid"),
        bill("40", date(2025, 8, 1), status="paid", estimated=True),
        bill("40", date(2025, 10, 1), status="paid", estimated=True),
        bill("40", date(2025, 12, 1), status="paid", estimated=True),
    ]  # 12-month mean 144 -> 216; estimated mean 40 -> 60
    result = check(bill("150", conguaglio=True), history)
    assert result.eligible
    assert result.grounds == ["conguaglio_above_estimates"]
    assert result.threshold == Decimal("216.00")
    assert check(bill("59.99", conguaglio=True), history).grounds == []
    assert check(bill("150"), history).grounds == []  # not a conguaglio


def test_gas_minimum_instalments_follow_the_estimated_bills() -> None:
    history = [bill("30", date(2025, 6 + i, 1), status="paid", estimated=True, commodity="gas")
               for i in range(5)]  # fmt: skip
    history.append(bill("30", date(2025, 5, 1), status="paid", commodity="gas"))
    result = check(bill("200", conguaglio=True, commodity="gas"), history)
    assert result.eligible
    assert result.min_instalments == 5
    assert check(bill("200", commodity="gas"), SIXTY_GAS).min_instalments == 2


SIXTY_GAS = paid_history("60", "60", "60", commodity="gas")


BONUS = BonusStatus(kind="economic", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
EXPIRED = BonusStatus(kind="economic", valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))


@pytest.mark.parametrize(
    ("commodity", "bonus", "today", "grounds"),
    [
        ("electricity", BONUS, date(2026, 3, 11), ["bonus_in_mora"]),  # overdue
        ("electricity", BONUS, DUE, []),  # not overdue yet
        ("electricity", EXPIRED, date(2026, 3, 11), []),
        ("electricity", None, date(2026, 3, 11), []),
        ("gas", BONUS, date(2026, 3, 11), []),  # the procedure names electricity only
    ],
)
def test_bonus_holder_in_mora(
    commodity: str, bonus: BonusStatus | None, today: date, grounds: list[str]
) -> None:
    b = bill("70", commodity=commodity)
    result = check(b, [], today=today, sup=supply(commodity, bonus))
    assert result.grounds == grounds
    assert result.eligible is bool(grounds)


@pytest.mark.parametrize(
    ("previous", "amount", "grounds"),
    [
        ("60", "90.00", []),  # water: "supera il 150%" is strictly above
        ("60", "90.01", ["water_above_150pct_average"]),
        ("20", "40.00", ["water_above_150pct_average"]),  # no 50 EUR minimum stated for water
    ],
)
def test_water_average_rule(previous: str, amount: str, grounds: list[str]) -> None:
    history = paid_history(previous, previous, commodity="water")
    # 150% for non-domestic water customers too: the 250% rule is for electricity and gas
    result = check(bill(amount, commodity="water"), history, domestic=False)
    assert result.grounds == grounds
    assert result.eligible is bool(grounds)


def test_records_of_different_customers_or_supplies_are_a_bug() -> None:
    with pytest.raises(InstalmentRuleError):
        check(bill("120", supply_id="S-2"), SIXTY)
    other = customer().model_copy(update={"code": "LM99999999"})
    with pytest.raises(InstalmentRuleError):
        check_eligibility(bill("120"), SIXTY, other, supply(), TODAY)


# --- plans ---------------------------------------------------------------------------------


def reference_total(principal: str, annual: str, n: int) -> Decimal:
    """n x the annuity payment, in exact rational arithmetic, rounded half-up to cents."""
    p, r = Fraction(principal), Fraction(annual) / 12
    payment = p / n if r == 0 else p * r / (1 - (1 + r) ** -n)
    exact = payment * n
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


@pytest.mark.parametrize("principal", ["300.00", "84.20", "1234.56", "999.99", "5000.00"])
@pytest.mark.parametrize("annual", ["0.02", "0.0215", "0.045", "0"])
def test_amortisation_totals(principal: str, annual: str) -> None:
    options = propose_plans(bill(principal), TODAY, annual_rate=Decimal(annual))
    assert options and [o.count for o in options] == sorted(o.count for o in options)
    for option in options:
        amounts = [i.amount for i in option.instalments]
        assert len(amounts) == option.count
        assert sum(amounts) == option.total
        assert option.total == reference_total(principal, annual, option.count)
        assert option.interest == option.total - Decimal(principal)
        assert option.interest >= 0
        assert len(set(amounts[:-1])) == 1  # equal, the last one absorbs the cents
        assert abs(amounts[-1] - amounts[0]) <= Decimal("0.01") * option.count
        assert all(a >= Decimal("10") for a in amounts)


def test_textbook_annuity() -> None:
    (option,) = propose_plans(bill("1000"), TODAY, annual_rate=Decimal("0.12"), counts=(12,))
    assert [i.amount for i in option.instalments] == [Decimal("88.85")] * 11 + [Decimal("88.84")]
    assert option.total == Decimal("1066.19")
    assert option.interest == Decimal("66.19")


def test_default_plans_at_ecb_rate() -> None:
    options = propose_plans(bill("300"), TODAY)
    assert [o.count for o in options] == [3, 6, 12]
    assert all(o.annual_rate == Decimal("0.02") for o in options)
    assert [o.total for o in options] == [Decimal("301.00"), Decimal("301.75"), Decimal("303.26")]
    assert [i.amount for i in options[0].instalments] == [
        Decimal("100.33"),
        Decimal("100.33"),
        Decimal("100.34"),
    ]
    assert options[2].instalments[0].amount == Decimal("25.27")
    assert options[2].instalments[-1].amount == Decimal("25.29")


def test_interest_free_plan() -> None:
    (option,) = propose_plans(bill("100"), TODAY, counts=(3,), interest_free=True)
    assert [i.amount for i in option.instalments] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert option.total == Decimal("100.00")
    assert option.interest == Decimal("0.00")
    assert option.annual_rate == 0


def test_instalments_are_monthly_from_thirty_days() -> None:
    (option,) = propose_plans(bill("600"), date(2026, 1, 1), counts=(6,))
    assert [i.due_date for i in option.instalments] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
    ]


def test_plans_under_ten_euro_are_dropped() -> None:
    assert [o.count for o in propose_plans(bill("60"), TODAY)] == [3, 6]
    assert [o.count for o in propose_plans(bill("59"), TODAY, interest_free=True)] == [3]
    assert [o.count for o in propose_plans(bill("120"), TODAY, interest_free=True)] == [3, 6, 12]
    # 119.99 / 12 leaves a last instalment of 9.99: dropped
    assert [o.count for o in propose_plans(bill("119.99"), TODAY, interest_free=True)] == [3, 6]


@pytest.mark.parametrize(
    ("amount", "count", "first"),
    [("25", 2, "12.50"), ("15", 2, "7.50"), ("29.99", 2, "15.00")],
)
def test_one_plan_is_always_kept(amount: str, count: int, first: str) -> None:
    (option,) = propose_plans(bill(amount, commodity="water"), TODAY, interest_free=True)
    assert option.count == count
    assert option.instalments[0].amount == Decimal(first)
    assert option.total == Decimal(amount)


def test_minimum_count_from_eligibility() -> None:
    assert [o.count for o in propose_plans(bill("600"), TODAY, min_count=4)] == [6, 12]
    assert [o.count for o in propose_plans(bill("600"), TODAY, min_count=14)] == [14]
    assert [o.count for o in propose_plans(bill("600"), TODAY, counts=(6, 3, 6))] == [3, 6]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"counts": (1, 3)},
        {"counts": (0,)},
        {"min_count": 1},
        {"annual_rate": Decimal("-0.01")},
    ],
)
def test_invalid_plan_requests(kwargs: dict[str, object]) -> None:
    with pytest.raises(InstalmentRuleError):
        propose_plans(bill("300"), TODAY, **kwargs)  # type: ignore[arg-type]


def test_nothing_to_pay() -> None:
    with pytest.raises(InstalmentRuleError):
        propose_plans(bill("0"), TODAY)
