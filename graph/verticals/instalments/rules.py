"""Lumea's rateizzazione rules: whether a bill can be paid in instalments, and the plans offered.

Source: the procedure "Come chiedere la rateizzazione a Lumea" (knowledge corpus) and, for
water, "La bolletta dell'acqua". Lumea grounds that need data the ports do not carry (meter
fault, billing periodicity not respected, first bill >= 150% of the customer's self-reading)
are for an operator to assess; so are requests after the deadline ("a discrezione di Lumea").
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from graph.backends.ports import Bill, Customer, Instalment, Supply

CENT = Decimal("0.01")
MINIMUM_AMOUNT = Decimal("50")  # electricity and gas: only bills *over* 50 EUR
REQUEST_DAYS_AFTER_DUE = 10  # the request may arrive up to the 10th day after the due date
DOMESTIC_MULTIPLE = Decimal("1.5")  # ">= 150% of the 12-month average"
NON_DOMESTIC_MULTIPLE = Decimal("2.5")  # ">= 250%" for non-domestic customers
WATER_MULTIPLE = Decimal("1.5")  # water: "supera il 150%", strictly above
MIN_INSTALMENTS = 2
MIN_INSTALMENT_AMOUNT = Decimal("10")
FIRST_DUE_AFTER_DAYS = 30
DEFAULT_COUNTS = (3, 6, 12)


class InstalmentRuleError(ValueError):
    """Raised for inputs that cannot go together (a caller's bug, not a customer's situation)."""


class Eligibility(BaseModel):
    eligible: bool
    reasons: list[str] = Field(default_factory=list)  # why not, e.g. "request_too_late"
    grounds: list[str] = Field(
        default_factory=list
    )  # which case applies, e.g. "above_150pct_average"
    deadline: date  # last day to ask: due date + 10 days
    average: Decimal | None = None  # mean of the previous 12 months' bills; None without history
    threshold: Decimal | None = (
        None  # average x 1.5 (2.5 non-domestic), rounded up; water: exceed it
    )
    min_instalments: int = (
        MIN_INSTALMENTS  # gas: at least the estimated bills since the last ricalcolo
    )


class PlanOption(BaseModel):
    count: int
    instalments: list[Instalment]
    total: Decimal
    interest: Decimal
    annual_rate: Decimal  # 0 when interest-free


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _months_after(day: date, months: int) -> date:
    return _months_before(day, -months)


def _earlier_bills(bill: Bill, history: Iterable[Bill]) -> list[Bill]:
    """Bills of the same supply issued before `bill`, newest first, cancelled ones left out."""
    earlier = [
        b
        for b in history
        if b.supply_id == bill.supply_id
        and b.bill_id != bill.bill_id
        and b.status != "cancelled"
        and b.issue_date < bill.issue_date
    ]
    return sorted(earlier, key=lambda b: b.issue_date, reverse=True)


def _estimated_since_ricalcolo(earlier: list[Bill]) -> list[Bill]:
    run: list[Bill] = []
    for b in earlier:
        if not b.estimated:
            break
        run.append(b)
    return run


def _reaches(amount: Decimal, bills: Sequence[Bill], multiple: Decimal, *, strictly: bool) -> bool:
    """amount >= multiple x mean(bills), compared exactly (no rounding of the mean)."""
    total = sum((b.amount for b in bills), Decimal(0))
    if not bills or total <= 0:
        return False
    scaled, limit = amount * len(bills), multiple * total
    return scaled > limit if strictly else scaled >= limit


def _check_records(bill: Bill, customer: Customer, supply: Supply) -> None:
    if bill.customer_code != customer.code or supply.customer_code != customer.code:
        raise InstalmentRuleError("bill, supply and customer belong to different customers")
    if bill.supply_id != supply.supply_id:
        raise InstalmentRuleError(f"bill {bill.bill_id} is not for supply {supply.supply_id}")


def check_eligibility(
    bill: Bill, history: list[Bill], customer: Customer, supply: Supply, today: date
) -> Eligibility:
    """Whether `bill` can be paid in instalments under Lumea's rule, and on which grounds."""
    _check_records(bill, customer, supply)
    deadline = bill.due_date + timedelta(days=REQUEST_DAYS_AFTER_DUE)
    reasons: list[str] = []
    if bill.status == "paid":
        reasons.append("already_paid")
    elif bill.status == "in_instalments":
        reasons.append("already_in_instalments")
    elif bill.status == "cancelled":
        reasons.append("bill_cancelled")
    if bill.commodity != "water" and bill.amount <= MINIMUM_AMOUNT:
        reasons.append("amount_below_minimum")
    if today > deadline:
        reasons.append("request_too_late")

    earlier = _earlier_bills(bill, history)
    last_year = [b for b in earlier if b.issue_date >= _months_before(bill.issue_date, 12)]
    estimated = _estimated_since_ricalcolo(earlier)
    water = bill.commodity == "water"
    multiple = WATER_MULTIPLE if water or customer.domestic else NON_DOMESTIC_MULTIPLE
    grounds: list[str] = []
    if water:
        if _reaches(bill.amount, last_year, multiple, strictly=True):
            grounds.append("water_above_150pct_average")
    else:
        if _reaches(bill.amount, last_year, multiple, strictly=False):
            grounds.append("above_150pct_average" if customer.domestic else "above_250pct_average")
        if bill.conguaglio and _reaches(bill.amount, estimated, multiple, strictly=False):
            grounds.append("conguaglio_above_estimates")
        bonus = supply.bonus
        # "costituito in mora" is approximated by "unpaid after the due date": the ports carry
        # no mora letter. Lumea's procedure names this ground for electricity only.
        if (
            bill.commodity == "electricity"
            and bonus is not None
            and bonus.valid_from <= today <= bonus.valid_to
            and bill.status in ("unpaid", "partially_paid")
            and today > bill.due_date
        ):
            grounds.append("bonus_in_mora")
    if not grounds:
        reasons.append("no_anomaly")

    average = threshold = None
    if last_year and sum(b.amount for b in last_year) > 0:
        mean = sum((b.amount for b in last_year), Decimal(0)) / len(last_year)
        average = mean.quantize(CENT, ROUND_HALF_UP)
        threshold = (mean * multiple).quantize(CENT, ROUND_CEILING)
    min_instalments = MIN_INSTALMENTS
    if (
        bill.commodity == "gas"
    ):  # ARERA: at least as many as the estimated bills since the ricalcolo
        min_instalments = max(MIN_INSTALMENTS, len(estimated))
    return Eligibility(
        eligible=not reasons,
        reasons=reasons,
        grounds=grounds,
        deadline=deadline,
        average=average,
        threshold=threshold,
        min_instalments=min_instalments,
    )


def _plan(principal: Decimal, count: int, annual_rate: Decimal, today: date) -> PlanOption:
    """Constant-payment amortisation on the monthly rate; equal cents, the last one adjusted."""
    monthly = annual_rate / 12
    if monthly == 0:
        payment = principal / count
    else:
        payment = principal * monthly / (1 - (1 + monthly) ** -count)
    total = (payment * count).quantize(CENT, ROUND_HALF_UP)
    regular = payment.quantize(CENT, ROUND_HALF_UP)
    amounts = [regular] * (count - 1) + [total - regular * (count - 1)]
    first_due = today + timedelta(days=FIRST_DUE_AFTER_DAYS)
    instalments = [
        Instalment(due_date=_months_after(first_due, k), amount=amount)
        for k, amount in enumerate(amounts)
    ]
    return PlanOption(
        count=count,
        instalments=instalments,
        total=total,
        interest=total - principal,
        annual_rate=annual_rate,
    )


def propose_plans(
    bill: Bill,
    today: date,
    annual_rate: Decimal = Decimal("0.02"),
    counts: Sequence[int] = DEFAULT_COUNTS,
    interest_free: bool = False,
    *,
    min_count: int = MIN_INSTALMENTS,
) -> list[PlanOption]:
    """Monthly plans for `bill` (eligibility is the caller's check), fewest instalments first.

    `annual_rate` is the ECB reference rate; `interest_free` when the high bill is Lumea's
    (or, for water, the operator's) doing. Plans with an instalment under 10 EUR are dropped,
    but one plan is always kept; `min_count` is Eligibility.min_instalments.
    """
    if annual_rate < 0:
        raise InstalmentRuleError("the interest rate cannot be negative")
    if min_count < MIN_INSTALMENTS or any(c < MIN_INSTALMENTS for c in counts):
        raise InstalmentRuleError(f"a plan has at least {MIN_INSTALMENTS} instalments")
    principal = bill.amount.quantize(CENT, ROUND_HALF_UP)
    if principal <= 0:
        raise InstalmentRuleError(f"bill {bill.bill_id} has nothing to pay")
    rate = Decimal(0) if interest_free else annual_rate
    wanted = sorted({c for c in counts if c >= min_count}) or [min_count]
    options = [_plan(principal, count, rate, today) for count in wanted]
    kept = [o for o in options if min(i.amount for i in o.instalments) >= MIN_INSTALMENT_AMOUNT]
    if kept:
        return kept
    fewest = max(min_count, min(wanted[0], int(principal // MIN_INSTALMENT_AMOUNT)))
    return [_plan(principal, fewest, rate, today)]
