"""Logging set-up for entry points: one named logger per package, structured fields, and
customer data (message text, phone numbers, names) redacted unless deliberately enabled."""

from __future__ import annotations

import logging
import sys

SENSITIVE_FIELDS = frozenset({"text", "message_text", "phone", "wa_id", "name", "email", "iban"})
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
NOISY_LOGGERS = ("httpx", "unstructured", "pdfminer", "pikepdf", "pypdf", "qdrant_client")


class StructuredFormatter(logging.Formatter):
    """`time level logger message key=value ...`, with sensitive values masked."""

    def __init__(self, *, sensitive: bool = False) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.sensitive = sensitive

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        for key, value in fields.items():
            shown = value if self.sensitive or key not in SENSITIVE_FIELDS else "[redacted]"
            line += (
                f" {key}={shown!r}"
                if isinstance(shown, str) and " " in shown
                else f" {key}={shown}"
            )
        return line


def configure_logging(level: str = "INFO", *, sensitive: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(StructuredFormatter(sensitive=sensitive))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
