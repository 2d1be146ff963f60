"""The FastAPI service: create_app(settings) with everything built once in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.db import ensure_schema
from api.errors import install_error_handlers
from api.inbox import MessageStore
from api.messaging import Messenger
from api.notify import WhatsAppNotifier
from api.routes import chat, health, knowledge, kpis, metrics, notifications, operators, whatsapp
from api.runtime import Runtime, build_runtime
from api.whatsapp.client import WhatsAppClient
from knowledge.embeddings import EmbeddingError
from knowledge.logs import install_redaction, secrets_of
from knowledge.registry import make_engine
from knowledge.settings import Settings, get_settings

STATIC = Path(__file__).parent / "static"

log = logging.getLogger("sportello.api")


def build_whatsapp_client(
    settings: Settings, transport: Any = None, clock: Callable[[], datetime] | None = None
) -> WhatsAppClient | None:
    if settings.whatsapp_access_token is None or settings.whatsapp_phone_number_id is None:
        return None  # demo: replies stay in the web chat
    return WhatsAppClient(
        str(settings.whatsapp_api_base_url),
        settings.whatsapp_phone_number_id,
        settings.whatsapp_access_token.get_secret_value(),
        api_version=settings.whatsapp_api_version,
        transport=transport,
        pair_interval=settings.whatsapp_pair_interval_seconds,
        retry_after_cap=settings.whatsapp_retry_after_cap_seconds,
        now=clock or settings.make_clock(),  # the one clock: Retry-After dates
    )


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    whatsapp_transport: Any = None,
    run_worker: bool = True,
) -> FastAPI:
    settings = settings or get_settings()
    # Whoever serves the app (sportello serve, another ASGI server, tests): no secret, token,
    # query string or (unless LOG_SENSITIVE) customer data in any log record.
    install_redaction(sensitive=settings.log_sensitive, secrets=secrets_of(settings))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        # Before anything touches the database: migrate it, or refuse an out-of-date schema
        # (api.db: automatic on SQLite and outside prod, `sportello db upgrade` in prod).
        ensure_schema(settings)
        app.state.runtime = runtime or build_runtime(settings)
        engine = make_engine(settings.sqlalchemy_url)
        app.state.store = MessageStore(engine, clock=app.state.runtime.deps.clock)
        # Proactive messages (e.g. outage ticket updates) leave through the WhatsApp outbox.
        app.state.runtime.deps.notifier = WhatsAppNotifier(
            app.state.store,
            app.state.runtime.deps.backend,
            app.state.runtime.graph,
            app.state.runtime.locks,
        )
        client = build_whatsapp_client(settings, whatsapp_transport, app.state.runtime.deps.clock)
        app.state.messenger = Messenger(
            app.state.runtime,
            app.state.store,
            client,
            debounce=settings.whatsapp_debounce_seconds,
            max_attempts=settings.whatsapp_send_max_attempts,
        )
        # Embed the intent examples (cached on disk) and load the model now, not on the first
        # message.
        # With the embeddings endpoint down the service still starts: routing falls back to
        # the lexicon and knowledge answers say the documents cannot be consulted.
        try:
            await anyio.to_thread.run_sync(app.state.runtime.warm_up)
        except EmbeddingError as exc:
            log.warning("intent examples not embedded at start-up: %s", type(exc).__name__)
        # What start-up built (models, graph, settings) lives as long as the process: frozen
        # out of the garbage collector's scans, whose full passes over it paused the event
        # loop (and every webhook waiting on it) for over 100 ms.
        gc.collect()
        gc.freeze()
        worker = asyncio.create_task(app.state.messenger.run_forever()) if run_worker else None
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            if client is not None:
                await client.close()
            if runtime is None:
                app.state.runtime.close()
            engine.dispose()

    app = FastAPI(
        title="Sportello",
        version="0.1.0",
        lifespan=lifespan,
        description="AI customer-service desk for energy and water utilities: WhatsApp "
        "webhook, web chat, operator inbox, knowledge management, notifications "
        'and KPIs. Every error is JSON: {"error": {"code", "message"}}.',
    )
    install_error_handlers(app)
    for module in (health, chat, whatsapp, operators, kpis, metrics, knowledge, notifications):
        app.include_router(module.router)
    if STATIC.exists():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/static/chat.html")

    return app
