"""The WhatsApp Cloud API webhook: verification handshake and signed message delivery."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import ValidationError

from api.deps import MessengerDep, SettingsDep
from api.errors import ApiError
from api.whatsapp.payloads import WebhookPayload
from api.whatsapp.signature import verify

log = logging.getLogger("sportello.whatsapp")
router = APIRouter(prefix="/webhooks/whatsapp", tags=["whatsapp"])


@router.get("", response_class=PlainTextResponse, summary="Meta's verification handshake")
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


@router.post("", summary="Inbound messages and delivery statuses (stored, then 200 at once)")
async def deliver(request: Request, settings: SettingsDep, messenger: MessengerDep) -> JSONResponse:
    body = await request.body()
    secret = settings.whatsapp_app_secret
    if secret is None:
        if settings.sportello_env == "prod":
            raise ApiError(503, "not_configured", "WHATSAPP_APP_SECRET is not set")
    elif not verify(body, request.headers.get("x-hub-signature-256"), secret.get_secret_value()):
        raise ApiError(401, "bad_signature", "missing or invalid X-Hub-Signature-256")
    try:
        payload = WebhookPayload.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise ApiError(
            400, "malformed_payload", f"not a WhatsApp webhook payload: {exc}"[:500]
        ) from None
    counts = messenger.accept(payload)  # durable before the 200: nothing is lost on a crash
    log.info("webhook stored", extra=counts)
    return JSONResponse({"status": "accepted", **counts})
