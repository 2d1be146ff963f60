"""`python -m ingest PATH... [--json] [--dry-run]`: the same as `sportello ingest`."""

import argparse
import sys

from ingest.cli import add_commands
from knowledge.logs import configure_logging
from knowledge.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["ingest", *(sys.argv[1:] if argv is None else argv)])
    settings = get_settings()
    configure_logging(settings.log_level, sensitive=settings.log_sensitive)
    return int(args.run(args, settings))


if __name__ == "__main__":
    sys.exit(main())
