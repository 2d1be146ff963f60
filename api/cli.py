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
    serve = sub.add_parser("serve", help="serve the HTTP API, web chat, inbox and dashboard")
    serve.add_argument("--host", help="default API_HOST (127.0.0.1)")
    serve.add_argument("--port", type=int, help="default API_PORT (8000)")
    serve.set_defaults(run=_serve)
    return parser


def uvicorn_config(app: Any, host: str, port: int) -> uvicorn.Config:
    """How `sportello serve` runs uvicorn: its loggers go through ours (one format, secrets
    and query strings scrubbed, the access log shows paths only), not uvicorn's own config."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_config=None, log_level="info")


def _serve(args, settings) -> int:  # type: ignore[no-untyped-def]
    import uvicorn

    from api.app import create_app

    config = uvicorn_config(
        create_app(settings), args.host or settings.api_host, args.port or settings.api_port
    )
    uvicorn.Server(config).run()
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
