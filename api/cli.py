"""The `sportello` command: one entry point, one subcommand per job."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from evals.cli import add_commands as add_eval_commands
from graph.cli import add_commands as add_graph_commands
from ingest.cli import add_commands as add_ingest_commands
from knowledge.cli import add_commands as add_knowledge_commands
from knowledge.logs import configure_logging, secrets_of
from knowledge.settings import get_settings

if TYPE_CHECKING:
    import uvicorn


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sportello", description="AI customer-service desk for energy and water utilities"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_ingest_commands(sub)
    add_knowledge_commands(sub)
    add_graph_commands(sub, _runtime)
    add_eval_commands(sub)
    _add_db_commands(sub)
    serve = sub.add_parser("serve", help="serve the HTTP API, web chat, inbox and dashboard")
    serve.add_argument("--host", help="default API_HOST (127.0.0.1)")
    serve.add_argument("--port", type=int, help="default API_PORT (8000)")
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not answer WhatsApp messages here: `sportello worker` processes do "
        "(PostgreSQL shared by every replica)",
    )
    serve.set_defaults(run=_serve)
    worker = sub.add_parser(
        "worker", help="answer WhatsApp messages from the inbox (beside `serve --no-worker`)"
    )
    worker.add_argument(
        "--concurrency", type=int, help="users answered at once (default WORKER_CONCURRENCY, 4)"
    )
    worker.set_defaults(run=_worker)
    return parser


def uvicorn_config(app: Any, host: str, port: int) -> uvicorn.Config:
    """How `sportello serve` runs uvicorn: its loggers go through ours (one format, secrets
    and query strings scrubbed, the access log shows paths only), not uvicorn's own config."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_config=None, log_level="info")


def _serve(args, settings) -> int:  # type: ignore[no-untyped-def]
    import uvicorn

    from api.app import create_app

    app = create_app(settings, run_worker=not args.no_worker)
    config = uvicorn_config(app, args.host or settings.api_host, args.port or settings.api_port)
    uvicorn.Server(config).run()
    return 0


def _worker(args, settings) -> int:  # type: ignore[no-untyped-def]
    """The WhatsApp worker on its own: run as many as needed, on any machines sharing the
    PostgreSQL of DATABASE_URL. Stops on SIGTERM or SIGINT (what is claimed and unfinished
    is taken over by another worker after WORKER_CLAIM_TIMEOUT_SECONDS)."""
    import gc
    import logging
    import os
    import signal

    import anyio

    from api.app import build_whatsapp_client
    from api.db import ensure_schema
    from api.inbox import MessageStore
    from api.locks import is_postgres
    from api.messaging import Messenger
    from api.notify import WhatsAppNotifier
    from api.runtime import build_runtime
    from knowledge.embeddings import EmbeddingError
    from knowledge.registry import make_engine

    log = logging.getLogger("sportello.worker")
    if args.concurrency is not None and not 1 <= args.concurrency <= 64:
        print("sportello: --concurrency must be 1 to 64", file=sys.stderr)
        return 2
    if not is_postgres(settings.sqlalchemy_url):
        log.warning("SQLite is single-process: run `sportello serve` alone, not workers beside it")
    if settings.worker_nice:  # acknowledgements (the API, same host) get the CPU first
        os.nice(settings.worker_nice)
    ensure_schema(settings)
    runtime = build_runtime(settings)
    engine = make_engine(settings.sqlalchemy_url)
    store = MessageStore(
        engine, clock=runtime.deps.clock, claim_timeout=settings.worker_claim_timeout_seconds
    )
    runtime.deps.notifier = WhatsAppNotifier(
        store, runtime.deps.backend, runtime.graph, runtime.locks
    )
    client = build_whatsapp_client(settings, clock=runtime.deps.clock)
    messenger = Messenger(
        runtime,
        store,
        client,
        debounce=settings.whatsapp_debounce_seconds,
        max_attempts=settings.whatsapp_send_max_attempts,
        concurrency=args.concurrency or settings.worker_concurrency,
        claim_timeout=settings.worker_claim_timeout_seconds,
        locks=runtime.locks,
    )

    async def run() -> None:
        try:
            await anyio.to_thread.run_sync(runtime.warm_up)
        except EmbeddingError as exc:  # routing falls back to the lexicon meanwhile
            log.warning("models not loaded at start-up: %s", type(exc).__name__)
        gc.collect()  # what start-up built lives as long as the process: out of GC scans
        gc.freeze()
        async with anyio.create_task_group() as group:
            group.start_soon(messenger.run_forever)
            with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
                log.info("worker started", extra={"concurrency": messenger.concurrency})
                async for _ in signals:
                    group.cancel_scope.cancel()
                    break
        if client is not None:
            await client.close()

    try:
        anyio.run(run)
    finally:
        runtime.close()
        engine.dispose()
    return 0


def _add_db_commands(sub: Any) -> None:
    db = sub.add_parser("db", help="the database schema: migrations (DATABASE_URL or the data dir)")
    commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = commands.add_parser(
        "upgrade", help="migrate the schema to this version's (idempotent)"
    )
    upgrade.set_defaults(run=_db_upgrade)
    current = commands.add_parser("current", help="print the schema's revision")
    current.set_defaults(run=_db_current)
    prune = commands.add_parser(
        "prune",
        help="delete conversation checkpoints older than N days (each thread keeps its latest)",
    )
    prune.add_argument("--keep-days", type=int, default=90, help="default 90")
    prune.set_defaults(run=_db_prune)


def _db_prune(args, settings) -> int:  # type: ignore[no-untyped-def]
    import json

    from api.prune import prune_checkpoints

    try:
        report = prune_checkpoints(settings, args.keep_days)
    except ValueError as exc:
        print(f"sportello: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, default=str))
    return 0


def _db_upgrade(args, settings) -> int:  # type: ignore[no-untyped-def]
    from api.db import SchemaOutOfDateError, open_engine, upgrade

    engine = open_engine(settings)
    try:
        print(f"database schema at {upgrade(engine)} (head)")
    except SchemaOutOfDateError as exc:
        print(f"sportello: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _db_current(args, settings) -> int:  # type: ignore[no-untyped-def]
    from api.db import current_revision, head_revision, open_engine

    engine = open_engine(settings)
    try:
        with engine.connect() as conn:
            current = current_revision(conn)
    finally:
        engine.dispose()
    head = head_revision()
    print(f"{current or 'none'} ({'head' if current == head else f'this version needs {head}'})")
    return 0


def _runtime(settings):  # type: ignore[no-untyped-def]
    from api.runtime import build_runtime

    return build_runtime(settings)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        print(f"sportello: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(
        settings.log_level, sensitive=settings.log_sensitive, secrets=secrets_of(settings)
    )
    return int(args.run(args, settings))


if __name__ == "__main__":
    sys.exit(main())
