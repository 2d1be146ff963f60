"""Proactive messages through WhatsApp (outage updates, reminders): free text inside the
24-hour window, an approved utility template outside it; never to customers who opted out."""

from __future__ import annotations

import logging

from api.inbox import MessageStore
from api.locks import LocalThreadLocks, ThreadLocks
from graph.backends.ports import NotFoundError, UtilityBackend

log = logging.getLogger("sportello.notify")
TEMPLATES_BY_CATEGORY = {"outage_update": "outage_update"}  # approved utility templates


class WhatsAppNotifier:
    def __init__(
        self,
        store: MessageStore,
        backend: UtilityBackend,
        graph: object,
        locks: ThreadLocks | None = None,
    ) -> None:
        self.store = store
        self.backend = backend
        self.graph = graph
        # The WhatsApp thread's lock (the runtime's): a notification never lands mid-turn.
        # Reentrant, so a turn of that very thread that notifies its customer goes on.
        self.locks: ThreadLocks = locks or LocalThreadLocks()

    def opted_out(self, user: str) -> bool:
        state = self.graph.get_state(  # type: ignore[attr-defined]
            {"configurable": {"thread_id": f"whatsapp:{user}"}}
        ).values
        return bool(state.get("opted_out"))

    def notify(self, customer_code: str, text: str, *, category: str) -> None:
        try:
            customer = self.backend.get_customer(customer_code)
        except NotFoundError:
            log.warning("notification for an unknown customer dropped")
            return
        user = customer.phone.lstrip("+")
        with self.locks.hold_sync(f"whatsapp:{user}"):
            self._queue(user, customer.language, text, category)

    def _queue(self, user: str, language: str, text: str, category: str) -> None:
        if self.opted_out(user):
            log.info("notification skipped: opted out", extra={"category": category})
            return
        if self.store.in_window(user):
            self.store.queue(user, "text", {"text": text})
        else:
            template = TEMPLATES_BY_CATEGORY.get(category, "sportello_follow_up")
            self.store.queue(
                user,
                "template",
                {"name": template, "language": language, "parameters": [text[:1000]]},
            )
