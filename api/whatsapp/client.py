"""Outbound WhatsApp Cloud API client: messages, media, templates, read receipts.

Retries only what cannot have been sent: a connection that never opened (connect error or
timeout, no free pooled connection), HTTP 429 and Meta's throughput errors, waiting for
Retry-After (capped) or an exponential backoff. A read timeout, a broken connection or a 5xx
after the request went out may still have delivered the message, so a message send is never
repeated then: it fails with `UnknownOutcomeError` for the outbox to record. It also paces
messages to the same user and turns Meta's error codes into exceptions the service can act on
(131047: outside the 24-hour window, so a template is needed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from knowledge.clock import SYSTEM_CLOCK

log = logging.getLogger("sportello.whatsapp")

OUTSIDE_WINDOW = 131047
PAIR_RATE_LIMIT = 131056
# Throughput and rate limits: nothing was sent, the same request may be made again later.
THROTTLED = frozenset({130429, 131048, PAIR_RATE_LIMIT, 80007})
# The request never reached Meta.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAX_BUTTONS, MAX_BUTTON_TITLE = 3, 20
MAX_ROWS, MAX_ROW_TITLE = 10, 24
MAX_TEXT = 4096


class WhatsAppError(RuntimeError):
    """The Cloud API refused a request; `code` is Meta's error code when it gave one."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class OutsideWindowError(WhatsAppError):
    """More than 24 hours since the customer's last message: only templates may be sent."""


class TransientError(WhatsAppError):
    """Nothing was sent (unreachable, throttled) and the client's own retries ran out: the
    same request may be made again later."""


class UnknownOutcomeError(WhatsAppError):
    """The request went out and no answer came back (read timeout, broken connection, 5xx):
    Meta may have sent the message, so sending it again could duplicate it."""


def retry_after_seconds(value: str | None, now: datetime, cap: float) -> float | None:
    """Retry-After as seconds from `now`, at most `cap`: delta-seconds or an HTTP-date."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), cap)


class WhatsAppClient:
    def __init__(
        self,
        base_url: str,
        phone_number_id: str,
        access_token: str,
        *,
        api_version: str = "v21.0",
        transport: httpx.AsyncBaseTransport | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        pair_interval: float = 1.0,
        retry_after_cap: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = SYSTEM_CLOCK.utcnow,  # the one clock (Clock.utcnow)
        timeout: float = 15.0,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=f"{base_url.rstrip('/')}/{api_version}/",
            headers={"Authorization": f"Bearer {access_token}"},
            transport=transport,
            timeout=timeout,
        )
        self._phone_number_id = phone_number_id
        self._retries = retries
        self._backoff = backoff
        self._pair_interval = pair_interval
        self._retry_after_cap = retry_after_cap
        self._sleep = sleep
        self._now = now
        self._last_sent: dict[str, float] = {}

    async def close(self) -> None:
        await self._http.aclose()

    async def _pace(self, to: str) -> None:
        last = self._last_sent.get(to)
        if last is not None:
            wait = self._pair_interval - (time.monotonic() - last)
            if wait > 0:
                await self._sleep(wait)
        self._last_sent[to] = time.monotonic()

    async def _post(self, path: str, *, idempotent: bool = False, **kwargs: Any) -> dict[str, Any]:
        """POST with the retries above; `idempotent` requests (read receipts, media uploads)
        are also repeated after a read timeout or a 5xx, since doing them twice is harmless."""
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            backoff = self._backoff * 2**attempt
            try:
                response = await self._http.post(path, **kwargs)
            except NOT_SENT as exc:
                if last:
                    raise TransientError(f"Cloud API unreachable: {type(exc).__name__}") from exc
                log.warning("cloud api unreachable, retrying", extra={"delay": backoff})
                await self._sleep(backoff)
                continue
            except httpx.TransportError as exc:
                if idempotent:
                    if last:
                        raise TransientError(f"no answer: {type(exc).__name__}") from exc
                    await self._sleep(backoff)
                    continue
                raise UnknownOutcomeError(
                    f"no answer from the Cloud API ({type(exc).__name__}): the message may "
                    "have been sent"
                ) from exc
            if response.status_code < 400:
                return dict(response.json())
            error = _error_of(response)
            code = error.get("code")
            message = str(error.get("message") or response.text[:200])
            throttled = response.status_code == 429 or code in THROTTLED
            if throttled or (idempotent and response.status_code >= 500):
                if last:
                    raise TransientError(message, status=response.status_code, code=code)
                delay = retry_after_seconds(
                    response.headers.get("retry-after"), self._now(), self._retry_after_cap
                )
                delay = min(backoff, self._retry_after_cap) if delay is None else delay
                log.warning(
                    "cloud api retry",
                    extra={"status": response.status_code, "code": code, "delay": delay},
                )
                await self._sleep(delay)
                continue
            if response.status_code >= 500:
                raise UnknownOutcomeError(
                    f"Cloud API error {response.status_code} ({message}): the message may "
                    "have been sent",
                    status=response.status_code,
                    code=code,
                )
            cls = OutsideWindowError if code == OUTSIDE_WINDOW else WhatsAppError
            raise cls(message, status=response.status_code, code=code)
        raise WhatsAppError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _message(self, to: str, kind: str, body: dict[str, Any]) -> str:
        await self._pace(to)
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": kind,
            kind: body,
        }
        data = await self._post(f"{self._phone_number_id}/messages", json=payload)
        return str(data["messages"][0]["id"])

    async def send_text(self, to: str, text: str) -> str:
        return await self._message(to, "text", {"body": text[:MAX_TEXT], "preview_url": True})

    async def send_buttons(self, to: str, text: str, buttons: list[tuple[str, str]]) -> str:
        """Reply buttons: at most 3, titles cut to 20 characters (Meta's limits)."""
        return await self._message(
            to,
            "interactive",
            {
                "type": "button",
                "body": {"text": text[:1024]},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": i, "title": t[:MAX_BUTTON_TITLE]}}
                        for i, t in buttons[:MAX_BUTTONS]
                    ]
                },
            },
        )

    async def send_list(self, to: str, text: str, button: str, rows: list[tuple[str, str]]) -> str:
        """A list message: at most 10 rows, titles cut to 24 characters."""
        return await self._message(
            to,
            "interactive",
            {
                "type": "list",
                "body": {"text": text[:4096]},
                "action": {
                    "button": button[:20],
                    "sections": [
                        {
                            "title": button[:24],
                            "rows": [
                                {"id": i, "title": t[:MAX_ROW_TITLE]} for i, t in rows[:MAX_ROWS]
                            ],
                        }
                    ],
                },
            },
        )

    async def upload_media(self, data: bytes, mime_type: str, filename: str) -> str:
        response = await self._post(
            f"{self._phone_number_id}/media",
            idempotent=True,  # a second upload only leaves an unused media object
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, data, mime_type)},
        )
        return str(response["id"])

    async def send_document(self, to: str, media_id: str, filename: str, caption: str = "") -> str:
        return await self._message(
            to, "document", {"id": media_id, "filename": filename, "caption": caption[:1024]}
        )

    async def send_template(
        self,
        to: str,
        name: str,
        language: str,
        parameters: list[str] | None = None,
        url_button: str | None = None,
    ) -> str:
        components: list[dict[str, Any]] = []
        if parameters:
            components.append(
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}
            )
        if url_button:
            components.append(
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": url_button}],
                }
            )
        return await self._message(
            to, "template", {"name": name, "language": {"code": language}, "components": components}
        )

    async def mark_read(self, message_id: str) -> None:
        await self._post(
            f"{self._phone_number_id}/messages",
            idempotent=True,
            json={"messaging_product": "whatsapp", "status": "read", "message_id": message_id},
        )


def _error_of(response: httpx.Response) -> dict[str, Any]:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    if not isinstance(error, dict):
        return {}
    code = error.get("code")
    return {**error, "code": code if isinstance(code, int) else None}
