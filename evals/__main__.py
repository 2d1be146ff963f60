"""`python -m evals`: the same as `sportello eval`."""

from __future__ import annotations

import argparse
import sys

from evals.cli import add_arguments, run_eval
from knowledge.logs import configure_logging
from knowledge.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, sensitive=settings.log_sensitive)
    return run_eval(args, settings)


if __name__ == "__main__":
    sys.exit(main())
