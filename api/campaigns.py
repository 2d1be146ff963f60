"""Notification campaigns: approved WhatsApp templates, customer segments and who may be messaged."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.backends.bill_pdf import euro
from graph.backends.ports import BackendError, Bill, Commodity, Customer, UtilityBackend

log = logging.getLogger("sportello.campaigns")

TemplateCategory = Literal["utility", "marketing"]
OPEN_BILL = ("unpaid", "partially_paid")  # still to be paid (instalment plans excluded)
MARKETING_CONSENT = "marketing_lumea"
# Filled per recipient; every other template parameter comes from the campaign request.
RECIPIENT_PARAMETERS = ("customer_name", "bill_number", "amount", "due_date")
PARAMETER_MAX_CHARS = 200


class CampaignError(Exception):
    """A campaign request that cannot be sent as asked; nothing was queued."""

    code = "campaign_error"


class UnknownTemplateError(CampaignError):
    """The template is not one of the approved templates of the registry."""

    code = "unknown_template"


class CategoryMismatchError(CampaignError):
    """The request's category differs from the category the template was approved with."""

    code = "category_mismatch"


class TemplateParametersError(CampaignError):
    """Campaign parameters missing, unknown, or not allowed in a WhatsApp template variable."""

    code = "bad_parameters"


@dataclass(frozen=True)
class Template:
    """A template approved in WhatsApp Manager: body variables {{1}}, {{2}}... in order."""

    name: str
    category: TemplateCategory
    language: str
    parameters: tuple[str, ...]
    description: str
    # A dynamic URL button registered with this prefix; the suffix comes from payment_link.
    payment_button: str | None = None

    @property
    def needs_bill(self) -> bool:
        return self.payment_button is not None or "bill_number" in self.parameters

    @property
    def campaign_parameters(self) -> tuple[str, ...]:
        return tuple(p for p in self.parameters if p not in RECIPIENT_PARAMETERS)


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "payment_reminder",
            "utility",
            "it",
            ("customer_name", "bill_number", "amount", "due_date"),
            "Promemoria di scadenza di una bolletta non pagata, con il pulsante «Paga ora».",
            payment_button="https://pay.lumea.example/b/",
        ),
        Template(
            "outage_update",
            "utility",
            "it",
            ("customer_name", "area", "when"),
            "Avviso di interruzione programmata o aggiornamento su un guasto nella zona.",
        ),
        Template(
            "self_reading_reminder",
            "utility",
            "it",
            ("customer_name", "window"),
            "Promemoria per comunicare l'autolettura nella finestra indicata.",
        ),
        Template(
            "lumea_offers",
            "marketing",
            "it",
            ("customer_name", "offer"),
            "Offerta commerciale di Lumea: solo con il consenso marketing_lumea.",
        ),
    )
}


class Segment(BaseModel):
    """Who a campaign is for; every criterion given must hold (on the same supply)."""

    model_config = ConfigDict(extra="forbid")

    commune: str | None = Field(default=None, examples=["Figline Valdarno"])
    commodity: Commodity | None = None
    in_arrears: bool | None = Field(
        default=None, description="an unpaid bill past its due date (true) or none (false)"
    )
    due_in_days: int | None = Field(
        default=None, ge=0, le=90, description="an unpaid bill due exactly this many days on"
    )


@dataclass(frozen=True)
class Recipient:
    customer: Customer
    bill: Bill | None = None

    @property
    def wa_id(self) -> str:
        return whatsapp_user(self.customer.phone)


@dataclass
class Selection:
    segment_size: int = 0
    recipients: list[Recipient] = field(default_factory=list)
    excluded: Counter[str] = field(default_factory=Counter)


def whatsapp_user(phone: str) -> str:
    """WhatsApp's user id for an E.164 number: the digits without the plus."""
    return phone.removeprefix("+")


def mask_phone(phone: str) -> str:
    """+393331234567 -> +39******4567: enough to recognise, not to call."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def approved_template(name: str, category: TemplateCategory) -> Template:
    template = TEMPLATES.get(name)
    if template is None:
        raise UnknownTemplateError(
            f"{name!r} is not an approved template; approved: {', '.join(sorted(TEMPLATES))}"
        )
    if template.category != category:
        raise CategoryMismatchError(
            f"template {name!r} is approved as {template.category!r}, not {category!r}"
        )
    return template


def check_parameters(template: Template, parameters: dict[str, str]) -> None:
    """The request gives exactly the template's campaign parameters, as one-line text."""
    expected = set(template.campaign_parameters)
    missing, unknown = expected - parameters.keys(), parameters.keys() - expected
    problems = []
    if missing:
        problems.append(f"missing {', '.join(sorted(missing))}")
    if unknown:
        problems.append(f"unknown {', '.join(sorted(unknown))}")
    for key, value in parameters.items():
        if not value.strip() or len(value) > PARAMETER_MAX_CHARS:
            problems.append(f"{key} must be 1 to {PARAMETER_MAX_CHARS} characters")
        elif "\n" in value or "\t" in value or "    " in value:
            problems.append(f"{key} may not contain new lines, tabs or 4 spaces in a row")
    if problems:
        expected_text = ", ".join(template.campaign_parameters) or "none"
        raise TemplateParametersError(
            f"template {template.name!r} parameters: {'; '.join(problems)} "
            f"(expected: {expected_text})"
        )


def _matching_supplies(customer: Customer, segment: Segment) -> set[str]:
    commune = segment.commune.casefold().strip() if segment.commune else None
    return {
        s.supply_id
        for s in customer.supplies
        if (commune is None or s.commune.casefold() == commune)
        and (segment.commodity is None or s.commodity == segment.commodity)
    }


def _bill_to_remind(bills: list[Bill], segment: Segment, today: date) -> Bill | None:
    open_bills = [b for b in bills if b.status in OPEN_BILL]
    if segment.due_in_days is not None:
        day = today + timedelta(days=segment.due_in_days)
        open_bills = [b for b in open_bills if b.due_date == day]
    elif segment.in_arrears:
        open_bills = [b for b in open_bills if b.due_date < today]
    return min(open_bills, key=lambda b: (b.due_date, b.bill_id), default=None)


def _in_segment(bills: list[Bill], segment: Segment, today: date) -> bool:
    open_bills = [b for b in bills if b.status in OPEN_BILL]
    if segment.in_arrears is not None:
        if any(b.due_date < today for b in open_bills) != segment.in_arrears:
            return False
    if segment.due_in_days is not None:
        day = today + timedelta(days=segment.due_in_days)
        return any(b.due_date == day for b in open_bills)
    return True


def exclusion(
    backend: UtilityBackend,
    customer: Customer,
    template: Template,
    opted_out: Callable[[str], bool],
) -> str | None:
    """Why this customer may not get this template on WhatsApp (None: they may)."""
    if not customer.phone:
        return "no_phone"
    if opted_out(whatsapp_user(customer.phone)):
        return "opted_out"  # wrote STOP in the WhatsApp chat
    preferences = backend.get_preferences(customer.code)
    if not preferences.whatsapp_active:
        return "whatsapp_inactive"
    if preferences.reminder_channel != "whatsapp":
        return "reminder_channel_not_whatsapp"
    if template.category == "marketing":
        latest = [
            c for c in backend.list_consents(customer.code) if c.category == MARKETING_CONSENT
        ]
        if not latest or not latest[-1].granted:
            return "no_marketing_consent"
    return None


def select_recipients(
    backend: UtilityBackend,
    template: Template,
    segment: Segment,
    today: date,
    opted_out: Callable[[str], bool],
) -> Selection:
    """The segment's customers, split into recipients and counts of excluded by reason."""
    selection = Selection()
    needs_bills = (
        template.needs_bill or segment.in_arrears is not None or segment.due_in_days is not None
    )
    for customer in backend.list_customers():
        supplies = _matching_supplies(customer, segment)
        if not supplies:
            continue
        bills: list[Bill] = []
        if needs_bills:
            bills = [b for b in backend.list_bills(customer.code) if b.supply_id in supplies]
            if not _in_segment(bills, segment, today):
                continue
        selection.segment_size += 1
        reason = exclusion(backend, customer, template, opted_out)
        bill = _bill_to_remind(bills, segment, today) if template.needs_bill else None
        if reason is None and template.needs_bill and bill is None:
            reason = "no_unpaid_bill"
        if reason is not None:
            selection.excluded[reason] += 1
            continue
        selection.recipients.append(Recipient(customer, bill))
    return selection


def _outstanding(backend: UtilityBackend, bill: Bill) -> Decimal:
    if bill.status != "partially_paid":
        return bill.amount
    paid = sum(
        (p.amount for p in backend.list_payments(bill.customer_code) if p.bill_id == bill.bill_id),
        Decimal(0),
    )
    return bill.amount - paid


def template_message(
    backend: UtilityBackend,
    template: Template,
    recipient: Recipient,
    parameters: dict[str, str],
) -> dict[str, Any]:
    """The outbox body of one template message; BackendError if the payment link fails."""
    values = dict(parameters, customer_name=recipient.customer.name)
    bill = recipient.bill
    if bill is not None:
        values |= {
            "bill_number": bill.number,
            "amount": f"{euro(_outstanding(backend, bill))} €",
            "due_date": bill.due_date.strftime("%d/%m/%Y"),
        }
    url_button = None
    if template.payment_button is not None:
        assert bill is not None
        link = backend.payment_link(bill.customer_code, bill.bill_id)
        if not link.startswith(template.payment_button):
            raise BackendError(
                f"payment link does not start with the button's URL {template.payment_button}"
            )
        url_button = link.removeprefix(template.payment_button)
    return {
        "name": template.name,
        "language": template.language,
        "parameters": [values[p] for p in template.parameters],
        "url_button": url_button,
    }


def campaign_key(
    template: Template,
    segment: Segment,
    parameters: dict[str, str],
    today: date,
    given: str | None = None,
) -> str:
    """The idempotency key of a campaign run: the caller's, or one derived from the template,
    the segment, the parameters and the day, so the same campaign run twice on one day (or
    resumed after a crash) reaches nobody twice."""
    if given:
        return f"key:{given}"
    criteria = json.dumps(
        {"segment": segment.model_dump(mode="json"), "parameters": parameters},
        sort_keys=True,
        ensure_ascii=False,
    )
    digest = hashlib.sha256(criteria.encode()).hexdigest()[:24]
    return f"{template.name}:{today.isoformat()}:{digest}"
