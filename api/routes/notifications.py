"""POST /v1/notifications/campaigns: approved WhatsApp templates to a segment of customers."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import anyio
from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from api.campaigns import (
    CampaignError,
    Recipient,
    Segment,
    TemplateCategory,
    approved_template,
    campaign_key,
    check_parameters,
    mask_phone,
    select_recipients,
    template_message,
)
from api.deps import MessengerDep, OperatorDep, RuntimeDep, StoreDep
from api.errors import ApiError
from graph.backends.ports import BackendError

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


class CampaignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str = Field(examples=["payment_reminder"], description="an approved template name")
    category: TemplateCategory = Field(description="must match the template's approved category")
    segment: Segment = Field(default_factory=Segment)
    parameters: dict[str, str] = Field(
        default_factory=dict, description="the template's campaign-wide variables"
    )
    dry_run: bool = Field(default=True, description="only list who would get it (default)")
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[\w.:-]+$",
        description="Runs with the same key message each customer once: a retry or a "
        "resumed run sends only what is missing. Default: derived from the template, "
        "segment, parameters and day (the same campaign twice on one day sends nothing new).",
    )


class CampaignRecipient(BaseModel):
    customer_code: str
    phone: str = Field(description="masked: +39******4567")
    bill_id: str | None = None
    due_date: date | None = None
    status: str | None = Field(default=None, description="real runs: sent, failed or queued")
    already_sent: bool = Field(
        default=False,
        description="queued by an earlier run with the same idempotency key: not sent again",
    )


class CampaignReport(BaseModel):
    template: str
    category: TemplateCategory
    language: str
    dry_run: bool
    segment_size: int = Field(description="customers matching the segment")
    recipients: list[CampaignRecipient]
    excluded: dict[str, int] = Field(description="customers of the segment left out, by reason")
    queued: int = Field(description="messages queued by this run")
    sent: int
    failed: int
    idempotency_key: str | None = Field(default=None, description="the run's key (real runs)")
    already_sent: int = Field(
        default=0, description="recipients an earlier run with the same key had already queued"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "template": "payment_reminder",
                    "category": "utility",
                    "language": "it",
                    "dry_run": True,
                    "segment_size": 2,
                    "recipients": [
                        {
                            "customer_code": "LM00010009",
                            "phone": "+39******8812",
                            "bill_id": "B-2026-000734",
                            "due_date": "2026-11-29",
                            "status": None,
                        }
                    ],
                    "excluded": {"whatsapp_inactive": 1},
                    "queued": 0,
                    "sent": 0,
                    "failed": 0,
                }
            ]
        }
    )


REQUEST_EXAMPLES: dict[str, Any] = {
    "payment_reminder": {
        "summary": "Scheduled: due in 3 days and unpaid (dry run)",
        "value": {
            "template": "payment_reminder",
            "category": "utility",
            "segment": {"due_in_days": 3},
            "dry_run": True,
        },
    },
    "outage_update": {
        "summary": "Planned outage in one commune",
        "value": {
            "template": "outage_update",
            "category": "utility",
            "segment": {"commune": "San Giovanni Valdarno", "commodity": "gas"},
            "parameters": {"area": "Viale Gramsci e Via Rossini", "when": "giovedì 9-13"},
            "dry_run": False,
        },
    },
    "marketing": {
        "summary": "Marketing: only customers with the marketing_lumea consent",
        "value": {
            "template": "lumea_offers",
            "category": "marketing",
            "segment": {"commodity": "electricity"},
            "parameters": {"offer": "Lumea Luce Fissa 2026"},
            "dry_run": True,
        },
    },
}


def _error(description: str, code: str, message: str) -> dict[str, Any]:
    example = {"error": {"code": code, "message": message}}
    return {"description": description, "content": {"application/json": {"example": example}}}


ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error("No or wrong bearer token", "unauthorized", "a valid operator bearer token..."),
    422: _error(
        "Unknown template, wrong category, bad parameters or request",
        "category_mismatch",
        "template 'lumea_offers' is approved as 'marketing', not 'utility'",
    ),
    502: _error("The utility's systems failed", "backend_unavailable", "customers: timeout"),
}


def _recipient(
    r: Recipient, status: str | None = None, already_sent: bool = False
) -> CampaignRecipient:
    return CampaignRecipient(
        customer_code=r.customer.code,
        phone=mask_phone(r.customer.phone),
        bill_id=r.bill.bill_id if r.bill else None,
        due_date=r.bill.due_date if r.bill else None,
        status=status,
        already_sent=already_sent,
    )


@router.post(
    "/campaigns",
    response_model=CampaignReport,
    summary="Send an approved template to a segment (or list who would get it)",
    description="Customers of the segment get the template on WhatsApp unless they wrote STOP, "
    "have not activated WhatsApp, want reminders elsewhere or, for marketing templates, have "
    "not granted the `marketing_lumea` consent. A real run queues one template per recipient "
    "in the outbox and sends it at once. Real runs are idempotent (`idempotency_key`): "
    "running the same campaign again, or resuming one cut short, sends nothing twice and "
    "reports who had it already.",
    responses=ERRORS,
)
async def campaign(
    operator: OperatorDep,
    runtime: RuntimeDep,
    store: StoreDep,
    messenger: MessengerDep,
    request: CampaignRequest = Body(openapi_examples=REQUEST_EXAMPLES),  # noqa: B008
) -> CampaignReport:
    try:
        template = approved_template(request.template, request.category)
        check_parameters(template, request.parameters)
    except CampaignError as exc:
        raise ApiError(422, exc.code, str(exc)) from None
    backend = runtime.deps.backend
    today = runtime.deps.clock().date()

    def opted_out(wa_id: str) -> bool:
        config = {"configurable": {"thread_id": f"whatsapp:{wa_id}"}}
        return bool(runtime.graph.get_state(config).values.get("opted_out"))  # type: ignore[arg-type]

    try:
        selection = await anyio.to_thread.run_sync(
            lambda: select_recipients(backend, template, request.segment, today, opted_out)
        )
    except BackendError as exc:
        raise ApiError(502, "backend_unavailable", f"customer data: {exc}"[:300]) from None
    excluded = dict(selection.excluded)
    report = CampaignReport(
        template=template.name,
        category=template.category,
        language=template.language,
        dry_run=request.dry_run,
        segment_size=selection.segment_size,
        recipients=[],
        excluded=excluded,
        queued=0,
        sent=0,
        failed=0,
    )
    if request.dry_run:
        report.recipients = [_recipient(r) for r in selection.recipients]
        return report
    key = campaign_key(
        template, request.segment, request.parameters, today, request.idempotency_key
    )
    earlier = await anyio.to_thread.run_sync(store.campaign_queued, key)
    queued: list[tuple[Recipient, int, bool]] = []
    for recipient in selection.recipients:
        code = recipient.customer.code
        if code in earlier:  # an earlier run with this key queued it: never again
            queued.append((recipient, earlier[code], False))
            continue
        try:
            body = await anyio.to_thread.run_sync(
                functools.partial(
                    template_message, backend, template, recipient, request.parameters
                )
            )
        except BackendError:
            excluded["payment_link_unavailable"] = excluded.get("payment_link_unavailable", 0) + 1
            continue
        outbound_id, new = await anyio.to_thread.run_sync(
            functools.partial(store.queue_once, key, code, recipient.wa_id, "template", body)
        )
        queued.append((recipient, outbound_id, new))
    fresh = [(r, o) for r, o, new in queued if new]
    runtime.deps.audit.record(
        f"campaign:{template.name}",
        "tool",
        "campaign_queued",
        f"{len(fresh)} {template.name} templates queued by {operator}",
        data={
            "segment": request.segment.model_dump(mode="json", exclude_none=True),
            "customers": [r.customer.code for r, _ in fresh],
            "excluded": excluded,
            "idempotency_key": key,
            "already_sent": len(queued) - len(fresh),
        },
    )
    await messenger.flush()  # serialised with the worker: a row is never sent twice
    for recipient, outbound_id, new in queued:
        row = await anyio.to_thread.run_sync(store.outbound_row, outbound_id)
        status = row["status"] if row else None
        report.recipients.append(_recipient(recipient, status, already_sent=not new))
    report.excluded = excluded
    report.queued = len(fresh)
    report.idempotency_key = key
    report.already_sent = len(queued) - len(fresh)
    this_run = [r for r in report.recipients if not r.already_sent]
    report.sent = sum(r.status in ("sent", "delivered", "read") for r in this_run)
    report.failed = sum(r.status == "failed" for r in this_run)
    return report
