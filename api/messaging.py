"""The WhatsApp conversation loop: durable inbox in, one graph turn per burst, outbox out."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from typing import Any

import anyio

from api.inbox import MessageStore
from api.runtime import Runtime
from api.whatsapp.client import OutsideWindowError, WhatsAppClient, WhatsAppError
from api.whatsapp.payloads import WebhookPayload, inbound_messages, status_updates
from graph.turn import TurnResult

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
    ) -> None:
        self.runtime = runtime
        self.store = store
        self.client = client
        self.debounce = timedelta(seconds=debounce)
        self._lock = asyncio.Lock()

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
                await self._answer(user)
            await self._flush()

    async def run_forever(self, interval: float = 0.2) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # keep serving; the message stays pending and is retried
                log.exception("whatsapp worker iteration failed")
            await asyncio.sleep(interval)

    async def _answer(self, user: str) -> None:
        pending = self.store.pending_for(user)
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
            try:
                wamid = await self._send(row)
            except OutsideWindowError:
                wamid = await self._send_template(row)
            except WhatsAppError as exc:
                self.store.mark_failed(row["id"], f"{exc.code}: {exc}")
                continue
            self.store.mark_sent(row["id"], wamid)

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
