"""The WhatsApp conversation loop: durable inbox in, one graph turn per burst, outbox out."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timedelta
from typing import Any

import anyio

from api.inbox import MessageStore
from api.runtime import Runtime
from api.whatsapp.client import (
    OutsideWindowError,
    TransientError,
    UnknownOutcomeError,
    WhatsAppClient,
    WhatsAppError,
)
from api.whatsapp.payloads import WebhookPayload, inbound_messages, status_updates
from graph.turn import TurnResult
from knowledge.logs import error_fields

log = logging.getLogger("sportello.whatsapp")

# Approved templates (names registered in WhatsApp Manager) used outside the 24-hour window.
FOLLOW_UP_TEMPLATE = "sportello_follow_up"  # utility: "we have replied to your request"
UNSUPPORTED = {
    "it": "Per ora posso leggere solo messaggi di testo, posizioni, foto e documenti. "
    "Scrivimi pure la tua richiesta.",
    "en": "For now I can read text messages, locations, photos and documents only. "
    "Please write your request.",
    "fr": "Pour l'instant je ne lis que les textes, positions, photos et documents. "
    "Écrivez-moi votre demande.",
}
CSAT_QUESTION = {
    "it": "La conversazione con l'operatore è chiusa. Quanto sei soddisfatto da 1 a 5?",
    "en": "Your conversation with the operator is closed. How satisfied are you, from 1 to 5?",
    "fr": "La conversation avec le conseiller est terminée. Êtes-vous satisfait, de 1 à 5 ?",
}
CSAT_THANKS = {
    "it": "Grazie del voto!",
    "en": "Thanks for your rating!",
    "fr": "Merci pour votre note !",
}
SCORE = re.compile(r"^\s*([1-5])\s*(/\s*5)?\s*[.!]*\s*$")


def replies_for(result: TurnResult, customer_code: str | None) -> list[dict[str, Any]]:
    """The outbound messages for one turn: text, or buttons/list for choices, then documents."""
    messages: list[dict[str, Any]] = []
    if result.reply:
        choices = [(c["id"], c["title"]) for c in result.choices]
        if 0 < len(choices) <= 3:
            messages.append({"kind": "buttons", "body": {"text": result.reply, "buttons": choices}})
        elif choices:
            messages.append(
                {
                    "kind": "list",
                    "body": {"text": result.reply, "rows": choices, "button": "Scegli"},
                }
            )
        else:
            messages.append({"kind": "text", "body": {"text": result.reply}})
    for attachment in result.attachments:
        if attachment.get("kind") == "document" and customer_code:
            messages.append(
                {
                    "kind": "document",
                    "body": {
                        "bill_id": attachment["bill_id"],
                        "filename": attachment["filename"],
                        "customer_code": customer_code,
                    },
                }
            )
    return messages


class Messenger:
    def __init__(
        self,
        runtime: Runtime,
        store: MessageStore,
        client: WhatsAppClient | None,
        *,
        debounce: float = 2.0,
        max_attempts: int = 5,
        retry_delay: float = 5.0,
    ) -> None:
        self.runtime = runtime
        self.store = store
        self.client = client
        self.debounce = timedelta(seconds=debounce)
        # A message that keeps failing (to send, or to be answered) is tried this many times,
        # waiting retry_delay, 2x, 4x ... (at most 5 minutes), then goes to the dead letters.
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self._lock = asyncio.Lock()

    def _retry_at(self, attempt: int) -> datetime:
        return self.store.now() + timedelta(seconds=min(self.retry_delay * 2 ** (attempt - 1), 300))

    # ------------------------------------------------------------------ webhook side
    def accept(self, payload: WebhookPayload) -> dict[str, int]:
        """Store what arrived (deduplicated); the worker answers it. Cheap: runs before the 200."""
        stored = duplicates = 0
        for message in inbound_messages(payload):
            if self.store.add_inbound(
                message.message_id, message.user, message.kind, message.text, message.supported
            ):
                stored += 1
            else:
                duplicates += 1
        statuses = status_updates(payload)
        for status in statuses:
            self.store.record_status(status.id, status.status, status.errors)
        return {"stored": stored, "duplicates": duplicates, "statuses": len(statuses)}

    # ------------------------------------------------------------------ worker side
    async def run_once(self) -> None:
        async with self._lock:
            for user in self.store.users_ready(self.debounce):
                pending = self.store.pending_for(user)
                try:
                    await self._answer(user, pending)
                except Exception as exc:  # one customer's failing turn never blocks the others
                    self._answer_failed(pending, exc)
            await self._flush()

    def _answer_failed(self, pending: list[dict[str, Any]], exc: Exception) -> None:
        attempt = 1 + max((p["attempts"] or 0 for p in pending), default=0)
        dead = self.store.inbound_failed(
            [p["message_id"] for p in pending],
            type(exc).__name__,
            self.max_attempts,
            self._retry_at(attempt),
        )
        log.warning(
            "inbound processing failed",
            extra={"attempt": attempt, "dead_lettered": dead, **error_fields(exc)},
        )

    async def run_forever(self, interval: float = 0.2) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as exc:  # keep serving; the message stays pending and is retried
                log.error("whatsapp worker iteration failed", extra=error_fields(exc))
            await asyncio.sleep(interval)

    async def _answer(self, user: str, pending: list[dict[str, Any]]) -> None:
        if not pending:
            return
        ids = [p["message_id"] for p in pending]
        texts = [p["text"] for p in pending if p["supported"] and p["text"]]
        thread = f"whatsapp:{user}"
        state = self.runtime.graph.get_state({"configurable": {"thread_id": thread}}).values
        language = state.get("language", "it")
        handoff = self.store.handoff(thread)
        if handoff and handoff["csat_pending"] and texts and (m := SCORE.match(texts[-1])):
            self.store.record_csat(thread, int(m.group(1)))
            self.store.complete(
                ids, [{"kind": "text", "body": {"text": CSAT_THANKS[language]}}], user
            )
            return
        if not texts:
            unsupported = any(not p["supported"] for p in pending)
            replies = (
                [{"kind": "text", "body": {"text": UNSUPPORTED[language]}}] if unsupported else []
            )
            self.store.complete(ids, replies, user)
            return
        received = min(p["received_at"] for p in pending)
        result: TurnResult = await anyio.to_thread.run_sync(
            lambda: self.runtime.ask("\n".join(texts), user=user, channel="whatsapp")
        )
        state = self.runtime.graph.get_state({"configurable": {"thread_id": thread}}).values
        turn = {
            "thread_id": thread,
            "channel": "whatsapp",
            "route": result.route,
            "urgency": result.urgency,
            "language": result.language,
            "handoff": result.handoff,
            "actions": [a.model_dump() for a in result.actions],
            "received_at": received,
        }
        self.store.complete(ids, replies_for(result, state.get("customer_code")), user, turn)
        if result.handoff and state.get("handoff"):
            self.store.open_handoff(thread, user, "whatsapp", state["handoff"]["summary"])
        if self.client is not None:
            try:
                await self.client.mark_read(ids[-1])
            except WhatsAppError:
                log.info("mark as read failed")

    async def flush(self) -> None:
        """Send queued messages; outside the 24-hour window, an approved template instead.

        Serialised with the worker, so a queued row is never sent twice.
        """
        async with self._lock:
            await self._flush()

    async def _flush(self) -> None:
        for row in self.store.queued():
            if self.client is None:  # demo without credentials: the web chat shows the thread
                self.store.mark_sent(row["id"], f"local-{row['id']}")
                continue
            await self._deliver(row)

    async def _deliver(self, row: dict[str, Any]) -> None:
        """One send attempt, counted before the request goes out: a row whose sending or
        bookkeeping keeps failing (even by crashing the process) ends in the dead letters."""
        if (row["attempts"] or 0) >= self.max_attempts:
            self.store.dead_letter(row["id"], row["error"] or "too many send attempts")
            log.warning("outbound dead-lettered", extra={"outbound_id": row["id"]})
            return
        attempt = self.store.start_attempt(row["id"])
        try:
            try:
                wamid = await self._send(row)
            except OutsideWindowError:
                wamid = await self._send_template(row)
        except UnknownOutcomeError as exc:  # perhaps sent: a person decides, never a retry
            self.store.mark_unknown(row["id"], str(exc))
            log.warning("outbound outcome unknown", extra={"outbound_id": row["id"]})
            return
        except TransientError as exc:  # nothing was sent: later, or the dead letters
            self._send_failed(row["id"], attempt, f"{exc.code}: {exc}")
            return
        except WhatsAppError as exc:  # refused by Meta: sending it again changes nothing
            self.store.mark_failed(row["id"], f"{exc.code}: {exc}")
            return
        except Exception as exc:  # the backend (a bill's PDF) or a bug: bounded retries too
            log.warning("outbound send failed", extra=error_fields(exc))
            self._send_failed(row["id"], attempt, type(exc).__name__)
            return
        try:
            self.store.mark_sent(row["id"], wamid)
        except Exception as exc:  # sent, not recorded: never send it again by itself
            log.error("sent message not recorded", extra=error_fields(exc))
            self.store.mark_unknown(row["id"], f"sent as {wamid}, not recorded")

    def _send_failed(self, outbound_id: int, attempt: int, error: str) -> None:
        if attempt >= self.max_attempts:
            self.store.dead_letter(outbound_id, error)
            log.warning(
                "outbound dead-lettered", extra={"outbound_id": outbound_id, "attempt": attempt}
            )
        else:
            self.store.retry_later(outbound_id, error, self._retry_at(attempt))

    async def _send(self, row: dict[str, Any]) -> str:
        assert self.client is not None
        user, kind, body = row["user"], row["kind"], row["body"]
        if kind == "template":
            return await self.client.send_template(
                user,
                body["name"],
                body.get("language", "it"),
                body.get("parameters"),
                body.get("url_button"),
            )
        if not self.store.in_window(user):
            raise OutsideWindowError("outside the 24-hour window", code=131047)
        if kind == "buttons":
            return await self.client.send_buttons(
                user, body["text"], [tuple(b) for b in body["buttons"]]
            )  # type: ignore[misc]
        if kind == "list":
            return await self.client.send_list(
                user, body["text"], body["button"], [tuple(r) for r in body["rows"]]
            )  # type: ignore[misc]
        if kind == "document":
            pdf = self.runtime.deps.backend.bill_pdf(body["customer_code"], body["bill_id"])
            media = await self.client.upload_media(pdf, "application/pdf", body["filename"])
            return await self.client.send_document(user, media, body["filename"])
        return await self.client.send_text(user, body["text"])

    async def _send_template(self, row: dict[str, Any]) -> str:
        assert self.client is not None
        return await self.client.send_template(row["user"], FOLLOW_UP_TEMPLATE, "it")
