"""The WhatsApp conversation loop: durable inbox in, one graph turn per burst, outbox out."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import re
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import anyio

from api.inbox import MessageStore
from api.locks import LocalThreadLocks, ThreadLocks
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
T = TypeVar("T")

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


def worker_name() -> str:
    """A unique name for this worker's claims: host, process and a random suffix."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class GroupCommit:
    """Webhook messages stored with group commit: the rows that arrive while a transaction is
    being written go into the next one, so a burst of webhooks costs a few commits instead
    of one each, and a lone webhook is written at once (no timer, no added wait). Each
    webhook still gets its 200 only after its own rows are committed.

    Measured on this 2-core machine (serve --no-worker on PostgreSQL, 200 webhooks at 50
    concurrent, benchmarks/load_burst): see the README's Load section."""

    def __init__(self, store: MessageStore, limiter: anyio.CapacityLimiter) -> None:
        self.store = store
        self.limiter = limiter
        self._waiting: list[tuple[list[dict[str, Any]], asyncio.Future[list[bool]]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def add(self, rows: list[dict[str, Any]]) -> list[bool]:
        """Store these rows; for each, whether it was new (False: a redelivery)."""
        if not rows:
            return []
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[bool]] = loop.create_future()
        self._waiting.append((rows, future))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write())
        return await future

    async def _write(self) -> None:
        batch: list[tuple[list[dict[str, Any]], asyncio.Future[list[bool]]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._write_batch(batch)
        except BaseException as exc:  # cancelled (shutdown): no webhook waits for ever
            for _, future in batch + self._waiting:
                _settle(future, exception=exc)
            self._waiting = []
            raise

    async def _write_batch(
        self, batch: list[tuple[list[dict[str, Any]], asyncio.Future[list[bool]]]]
    ) -> None:
        rows = [row for rows, _ in batch for row in rows]
        try:
            stored = await anyio.to_thread.run_sync(
                self.store.add_inbound_many, rows, limiter=self.limiter
            )
        except Exception:  # one bad row fails the transaction: each webhook on its own
            for rows, future in batch:
                try:
                    own = await anyio.to_thread.run_sync(
                        self._one_by_one, rows, limiter=self.limiter
                    )
                except Exception as exc:
                    _settle(future, exception=exc)
                else:
                    _settle(future, own)
            return
        start = 0
        for rows, future in batch:
            _settle(future, stored[start : start + len(rows)])
            start += len(rows)

    def _one_by_one(self, rows: list[dict[str, Any]]) -> list[bool]:
        return [
            self.store.add_inbound(r["message_id"], r["user"], r["kind"], r["text"], r["supported"])
            for r in rows
        ]


def _settle(
    future: asyncio.Future[list[bool]],
    result: list[bool] | None = None,
    exception: BaseException | None = None,
) -> None:
    if future.done():  # the webhook's request went away: its rows are stored all the same
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result or [])


class Messenger:
    """Answers the inbox and sends the outbox.

    Users are claimed from the inbox (see MessageStore.claim_users) and answered on a pool of
    `concurrency` tasks: each user's messages in order, one turn at a time per thread (the
    thread lock, shared with the web chat and the operators), different users in parallel,
    any number of workers on any number of machines sharing PostgreSQL. A turn's replies are
    sent as soon as the turn is done. Database calls run in worker threads, never on the
    event loop.
    """

    def __init__(
        self,
        runtime: Runtime,
        store: MessageStore,
        client: WhatsAppClient | None,
        *,
        debounce: float = 2.0,
        max_attempts: int = 5,
        retry_delay: float = 5.0,
        concurrency: int | None = None,
        claim_timeout: float | None = None,
        locks: ThreadLocks | None = None,
    ) -> None:
        self.runtime = runtime
        self.store = store
        self.client = client
        self.debounce = timedelta(seconds=debounce)
        # A message that keeps failing (to send, or to be answered) is tried this many times,
        # waiting retry_delay, 2x, 4x ... (at most 5 minutes), then goes to the dead letters.
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        settings = getattr(runtime, "settings", None)  # the service's; test doubles have none
        configured = getattr(settings, "worker_concurrency", None)
        self.concurrency: int = concurrency or configured or 4
        if claim_timeout is None:
            claim_timeout = getattr(settings, "worker_claim_timeout_seconds", None)
        if claim_timeout is not None:
            store.claim_timeout = timedelta(seconds=claim_timeout)
        self.locks: ThreadLocks = locks or getattr(runtime, "locks", None) or LocalThreadLocks()
        self.name = worker_name()
        self._active: set[str] = set()
        self._slot_freed = anyio.Event()
        # Webhook stores get their own few threads: a burst of deliveries neither waits behind
        # the worker's turns in the shared thread limiter nor piles dozens of threads onto one
        # SQLite write lock (whose busy handler sleeps up to 100 ms between retries).
        sqlite = store.engine.dialect.name == "sqlite"
        self._accept_limiter = anyio.CapacityLimiter(1 if sqlite else 4)
        self._inbound_writer = GroupCommit(store, self._accept_limiter)

    def _retry_at(self, attempt: int) -> datetime:
        return self.store.now() + timedelta(seconds=min(self.retry_delay * 2 ** (attempt - 1), 300))

    async def _db(self, call: Callable[..., T], *args: Any) -> T:
        """A (blocking) store call, off the event loop."""
        return await anyio.to_thread.run_sync(functools.partial(call, *args))

    # ------------------------------------------------------------------ webhook side
    def accept(self, payload: WebhookPayload) -> dict[str, int]:
        """Store what arrived (deduplicated); the worker answers it. Cheap: runs before the 200."""
        stored = [
            self.store.add_inbound(m.message_id, m.user, m.kind, m.text, m.supported)
            for m in inbound_messages(payload)
        ]
        return self._counts(stored, self._record_statuses(payload))

    async def accept_async(self, payload: WebhookPayload) -> dict[str, int]:
        """accept() for the webhook: messages go through the group commit, statuses (if any)
        on the webhook's own threads; nothing on the event loop."""
        rows = [
            {
                "message_id": m.message_id,
                "user": m.user,
                "kind": m.kind,
                "text": m.text,
                "supported": m.supported,
            }
            for m in inbound_messages(payload)
        ]
        stored = await self._inbound_writer.add(rows)
        statuses = 0
        if status_updates(payload):
            statuses = await anyio.to_thread.run_sync(
                self._record_statuses, payload, limiter=self._accept_limiter
            )
        return self._counts(stored, statuses)

    def _record_statuses(self, payload: WebhookPayload) -> int:
        statuses = status_updates(payload)
        for status in statuses:
            self.store.record_status(status.id, status.status, status.errors)
        return len(statuses)

    @staticmethod
    def _counts(stored: list[bool], statuses: int) -> dict[str, int]:
        return {
            "stored": sum(stored),
            "duplicates": len(stored) - sum(stored),
            "statuses": statuses,
        }

    # ------------------------------------------------------------------ worker side
    async def run_once(self) -> None:
        """Answer every user ready now, once (`concurrency` at a time), then send the outbox."""
        users = await self._db(self.store.claim_users, self.name, self.debounce, 10_000)
        pool = anyio.CapacityLimiter(self.concurrency)

        async def serve(user: str) -> None:
            async with pool:
                await self._serve_user(user)

        async with anyio.create_task_group() as group:
            for user in users:
                self._active.add(user)
                group.start_soon(serve, user)
        await self._flush()

    async def run_forever(self, interval: float = 0.2) -> None:
        """Claim ready users whenever a slot of the pool is free; send the outbox meanwhile."""
        async with anyio.create_task_group() as group:
            group.start_soon(self._flush_forever, interval)
            while True:
                free = self.concurrency - len(self._active)
                if free > 0:
                    try:
                        users = await self._db(
                            self.store.claim_users, self.name, self.debounce, free
                        )
                    except Exception as exc:  # the database is away: try again shortly
                        log.error("whatsapp worker claim failed", extra=error_fields(exc))
                        users = []
                    for user in users:
                        self._active.add(user)
                        group.start_soon(self._serve_user, user)
                    if len(users) == free:
                        continue  # more may be waiting: claim again at once
                with anyio.move_on_after(interval):
                    await self._slot_freed.wait()
                self._slot_freed = anyio.Event()

    async def _flush_forever(self, interval: float) -> None:
        """Rows nobody sends right after their turn: notifications, campaigns, retries."""
        while True:
            try:
                await self._flush()
            except Exception as exc:  # keep serving; the rows stay queued
                log.error("whatsapp sender iteration failed", extra=error_fields(exc))
            await anyio.sleep(interval)

    async def _serve_user(self, user: str) -> None:
        """One user's claimed messages: one turn under the thread's lock, replies sent at once."""
        try:
            async with self.locks.hold(f"whatsapp:{user}"):
                # Read under the lock: a worker that took over an expired claim finds the
                # messages already answered by the slow one, and answers nothing twice.
                pending = await self._db(self.store.claimed_for, user, self.name)
                if not pending:
                    return
                try:
                    queued = await anyio.to_thread.run_sync(self._answer, user, pending)
                except Exception as exc:  # one customer's failing turn never blocks the others
                    await self._db(self._answer_failed, pending, exc)
                    return
                if self.client is not None and pending:
                    try:
                        await self.client.mark_read(pending[-1]["message_id"])
                    except WhatsAppError:
                        log.info("mark as read failed")
                for outbound_id in queued:  # in order, before the user's next turn
                    await self._deliver_id(outbound_id)
        except Exception as exc:  # the database or the lock: the claim expires, then a retry
            log.error("whatsapp turn failed", extra=error_fields(exc))
        finally:
            with anyio.CancelScope(shield=True):
                with contextlib.suppress(Exception):
                    await self._db(self.store.release_claims, user, self.name)
            self._active.discard(user)
            self._slot_freed.set()

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

    def _answer(self, user: str, pending: list[dict[str, Any]]) -> list[int]:
        """One turn for a burst of messages (in a worker thread); the queued replies' ids."""
        ids = [p["message_id"] for p in pending]
        texts = [p["text"] for p in pending if p["supported"] and p["text"]]
        thread = f"whatsapp:{user}"
        state = self.runtime.graph.get_state({"configurable": {"thread_id": thread}}).values
        language = state.get("language", "it")
        handoff = self.store.handoff(thread)
        if handoff and handoff["csat_pending"] and texts and (m := SCORE.match(texts[-1])):
            self.store.record_csat(thread, int(m.group(1)))
            return self.store.complete(
                ids, [{"kind": "text", "body": {"text": CSAT_THANKS[language]}}], user
            )
        if not texts:
            unsupported = any(not p["supported"] for p in pending)
            replies = (
                [{"kind": "text", "body": {"text": UNSUPPORTED[language]}}] if unsupported else []
            )
            return self.store.complete(ids, replies, user)
        received = min(p["received_at"] for p in pending)
        result: TurnResult = self.runtime.ask("\n".join(texts), user=user, channel="whatsapp")
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
        queued = self.store.complete(
            ids, replies_for(result, state.get("customer_code")), user, turn
        )
        if result.handoff and state.get("handoff"):
            self.store.open_handoff(thread, user, "whatsapp", state["handoff"]["summary"])
        return queued

    async def flush(self) -> None:
        """Send queued messages; outside the 24-hour window, an approved template instead.

        Every row is claimed before it is sent, so it is sent once whichever process flushes.
        """
        await self._flush()

    async def _flush(self) -> None:
        for row in await self._db(self.store.queued):
            await self._deliver_id(row["id"])

    async def _deliver_id(self, outbound_id: int) -> None:
        """Claim the row (counting the attempt) and send it, unless another sender has it."""
        attempt = await self._db(self.store.claim_outbound, outbound_id, self.name)
        if attempt is None:
            return
        row = await self._db(self.store.outbound_row, outbound_id)
        if row is None:
            return
        if self.client is None:  # demo without credentials: the web chat shows the thread
            await self._db(self.store.mark_sent, outbound_id, f"local-{outbound_id}")
            return
        await self._deliver(row, attempt)

    async def _deliver(self, row: dict[str, Any], attempt: int) -> None:
        """One send attempt, counted before the request goes out: a row whose sending or
        bookkeeping keeps failing (even by crashing the process) ends in the dead letters."""
        if attempt > self.max_attempts:
            await self._db(
                self.store.dead_letter, row["id"], row["error"] or "too many send attempts"
            )
            log.warning("outbound dead-lettered", extra={"outbound_id": row["id"]})
            return
        try:
            try:
                wamid = await self._send(row)
            except OutsideWindowError:
                wamid = await self._send_template(row)
        except UnknownOutcomeError as exc:  # perhaps sent: a person decides, never a retry
            await self._db(self.store.mark_unknown, row["id"], str(exc))
            log.warning("outbound outcome unknown", extra={"outbound_id": row["id"]})
            return
        except TransientError as exc:  # nothing was sent: later, or the dead letters
            await self._db(self._send_failed, row["id"], attempt, f"{exc.code}: {exc}")
            return
        except WhatsAppError as exc:  # refused by Meta: sending it again changes nothing
            await self._db(self.store.mark_failed, row["id"], f"{exc.code}: {exc}")
            return
        except Exception as exc:  # the backend (a bill's PDF) or a bug: bounded retries too
            log.warning("outbound send failed", extra=error_fields(exc))
            await self._db(self._send_failed, row["id"], attempt, type(exc).__name__)
            return
        try:
            await self._db(self.store.mark_sent, row["id"], wamid)
        except Exception as exc:  # sent, not recorded: never send it again by itself
            log.error("sent message not recorded", extra=error_fields(exc))
            await self._db(self.store.mark_unknown, row["id"], f"sent as {wamid}, not recorded")

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
        if not await self._db(self.store.in_window, user):
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
            pdf = await anyio.to_thread.run_sync(
                self.runtime.deps.backend.bill_pdf, body["customer_code"], body["bill_id"]
            )
            media = await self.client.upload_media(pdf, "application/pdf", body["filename"])
            return await self.client.send_document(user, media, body["filename"])
        return await self.client.send_text(user, body["text"])

    async def _send_template(self, row: dict[str, Any]) -> str:
        assert self.client is not None
        return await self.client.send_template(row["user"], FOLLOW_UP_TEMPLATE, "it")
