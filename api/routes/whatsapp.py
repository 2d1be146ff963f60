"""The WhatsApp Cloud API webhook (verification handshake, signed deliveries) and the
dead letters operators look after: messages given up on, and sends of unknown outcome."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field, ValidationError

from api.deps import MessengerDep, OperatorDep, SettingsDep, StoreDep
from api.errors import ApiError
from api.whatsapp.payloads import WebhookPayload
from api.whatsapp.signature import verify

log = logging.getLogger("sportello.whatsapp")
router = APIRouter(tags=["whatsapp"])
WEBHOOK = "/webhooks/whatsapp"
# Where unsigned webhooks may be accepted when no app secret is configured: nowhere else.
UNSIGNED_ALLOWED = frozenset({"demo", "test"})


@router.get(WEBHOOK, response_class=PlainTextResponse, summary="Meta's verification handshake")
def handshake(
    settings: SettingsDep,
    mode: str = Query(alias="hub.mode"),
    token: str = Query(alias="hub.verify_token"),
    challenge: str = Query(alias="hub.challenge"),
) -> str:
    expected = settings.whatsapp_verify_token
    if mode != "subscribe" or expected is None or token != expected.get_secret_value():
        raise ApiError(403, "verification_failed", "wrong hub.mode or hub.verify_token")
    return challenge


@router.post(WEBHOOK, summary="Inbound messages and delivery statuses (stored, then 200 at once)")
async def deliver(request: Request, settings: SettingsDep, messenger: MessengerDep) -> JSONResponse:
    body = await request.body()
    secret = settings.whatsapp_app_secret
    if secret is None:
        if settings.sportello_env not in UNSIGNED_ALLOWED:
            raise ApiError(
                403,
                "app_secret_missing",
                "WHATSAPP_APP_SECRET is not set, so webhook signatures cannot be checked: "
                f"webhooks are refused (unsigned ones are accepted only with SPORTELLO_ENV "
                f"demo or test, not {settings.sportello_env})",
            )
    elif not verify(body, request.headers.get("x-hub-signature-256"), secret.get_secret_value()):
        raise ApiError(401, "bad_signature", "missing or invalid X-Hub-Signature-256")
    try:
        payload = WebhookPayload.model_validate(json.loads(body))
    except (ValueError, ValidationError, RecursionError) as exc:
        raise ApiError(
            400, "malformed_payload", f"not a WhatsApp webhook payload: {exc}"[:500]
        ) from None
    counts = await messenger.accept_async(payload)  # durable before the 200: nothing is lost
    # The access log has every delivery; a redelivery is worth its own line.
    log.log(logging.INFO if counts["duplicates"] else logging.DEBUG, "webhook stored", extra=counts)
    return JSONResponse({"status": "accepted", **counts})


class InboundDeadLetter(BaseModel):
    message_id: str
    thread_id: str
    kind: str
    text: str = Field(description="what the customer wrote (never answered)")
    received_at: datetime
    attempts: int
    error: str | None


class OutboundDeadLetter(BaseModel):
    id: int
    thread_id: str
    kind: str
    body: dict[str, Any]
    status: str = Field(description="dead_letter: given up; unknown: perhaps sent, perhaps not")
    attempts: int
    error: str | None
    created_at: datetime
    updated_at: datetime


class DeadLetters(BaseModel):
    inbound: list[InboundDeadLetter]
    outbound: list[OutboundDeadLetter]


@router.get(
    "/v1/whatsapp/dead-letters",
    response_model=DeadLetters,
    summary="WhatsApp messages that need a person",
    description="Inbound messages whose processing failed too often (never answered), and "
    "outbound messages given up on after the maximum send attempts (`dead_letter`) or "
    "whose send has an unknown outcome (`unknown`: Meta may have delivered it).",
)
def dead_letters(_: OperatorDep, store: StoreDep) -> DeadLetters:
    rows = store.dead_letters()
    return DeadLetters(
        inbound=[
            InboundDeadLetter(
                **{**r, "thread_id": f"whatsapp:{r['user']}", "attempts": r["attempts"] or 0}
            )
            for r in rows["inbound"]
        ],
        outbound=[
            OutboundDeadLetter(
                **{**r, "thread_id": f"whatsapp:{r['user']}", "attempts": r["attempts"] or 0}
            )
            for r in rows["outbound"]
        ],
    )


@router.post(
    "/v1/whatsapp/dead-letters/outbound/{outbound_id}/retry",
    summary="Send a dead-lettered or unknown-outcome message again",
)
async def retry_outbound(
    outbound_id: Annotated[int, Path(ge=1, le=2**62)],
    _: OperatorDep,
    store: StoreDep,
    messenger: MessengerDep,
) -> dict[str, str]:
    if not store.requeue(outbound_id):
        raise ApiError(404, "not_found", f"no dead-lettered outbound message {outbound_id}")
    await messenger.flush()
    return {"status": "queued"}


@router.post(
    "/v1/whatsapp/dead-letters/inbound/{message_id}/retry",
    summary="Process a dead-lettered inbound message again",
)
def retry_inbound(
    message_id: Annotated[str, Path(max_length=128)], _: OperatorDep, store: StoreDep
) -> dict[str, str]:
    if not store.requeue_inbound(message_id):
        raise ApiError(404, "not_found", f"no dead-lettered inbound message {message_id}")
    return {"status": "pending"}
