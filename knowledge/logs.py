"""Logging set-up for entry points: one named logger per package, structured fields, and
customer data (message text, phone numbers, names) redacted unless deliberately enabled.

Secrets (configured tokens, bearer tokens, query strings such as `hub.verify_token`) are
removed from every record of every logger, uvicorn's access log included, whatever the
setting: a record factory scrubs message, arguments and traceback when the record is made,
before any handler (ours, uvicorn's or a test's) sees it.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable
from typing import Any

from pydantic import SecretStr

SENSITIVE_FIELDS = frozenset(
    {"text", "message_text", "phone", "wa_id", "user", "name", "email", "iban", "body", "to"}
)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Libraries that log request URLs, SQL parameters or documents at INFO/DEBUG.
NOISY_LOGGERS = (
    "httpx",
    "httpcore",
    "sqlalchemy",
    "unstructured",
    "pdfminer",
    "pikepdf",
    "pypdf",
    "qdrant_client",
    "multipart",
)
REDACTED = "[redacted]"
SECRET = "[secret]"

# A query string after a path or URL: dropped whole (verify tokens, challenges, access tokens).
_QUERY = re.compile(r"((?:https?://[^\s/?#\"']+)?/[^\s?#\"']*)\?[^\s#\"']*")
_BEARER = re.compile(r"(?i)\b(bearer|token|basic)(\s+|=|:\s*)[A-Za-z0-9._~+/=\-]{6,}")
# Phone numbers: a run of 9-15 digits (393331234567), an international number written with
# separators (+39 333 1234567) or an Italian mobile with a space (333 1234567).
_PHONES = (
    re.compile(r"(?<![\w.])\+?\d{9,15}(?!\d)"),
    re.compile(r"\+\d{1,3}(?:[ .\-]?\d){8,13}(?!\d)"),
    re.compile(r"(?<![\d\w])3\d{2}[ .\-]\d{6,7}(?!\d)"),
)


class _Redaction:
    """What is removed: always secrets, tokens and query strings; customer data unless
    LOG_SENSITIVE is deliberately on."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.sensitive = False
        self.lock = threading.Lock()

    def text(self, value: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, SECRET)
        value = _QUERY.sub(lambda m: f"{m.group(1)}?{REDACTED}", value)
        value = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", value)
        if not self.sensitive:
            for phone in _PHONES:
                value = phone.sub(REDACTED, value)
        return value

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, tuple | list):
            return type(value)(self.value(v) for v in value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def record(self, record: logging.LogRecord) -> None:
        """Scrub a record in place: message, arguments (their shape kept), traceback, stack."""
        if isinstance(record.msg, str):
            record.msg = self.text(record.msg)
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # (client, method, path with query, http version, status): the path only.
            record.args = tuple(
                a.split("?", 1)[0] if i == 2 and isinstance(a, str) else a
                for i, a in enumerate(record.args)
            )
        if record.args:
            record.args = self.value(record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.text(record.exc_text)
        if record.stack_info:
            record.stack_info = self.text(record.stack_info)

    def fields(self, record: logging.LogRecord) -> None:
        """Scrub the structured fields (`extra=`) of a record in place."""
        for key, value in list(vars(record).items()):
            if key in _STANDARD:
                continue
            if key in SENSITIVE_FIELDS and not self.sensitive:
                setattr(record, key, REDACTED)
            else:
                setattr(record, key, self.value(value))


_redaction = _Redaction()
_installed = False


def redact(value: str) -> str:
    """`value` as it may appear in a log line (for code that builds its own messages)."""
    return _redaction.text(value)


class RedactingFilter(logging.Filter):
    """Scrubs structured fields too (a record factory runs before `extra=` is applied)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redaction.fields(record)
        return True


def secrets_of(settings: Any) -> list[str]:
    """Every secret value of a settings object: its SecretStr fields and operator tokens."""
    values = [
        v.get_secret_value()
        for name in type(settings).model_fields
        if isinstance(v := getattr(settings, name), SecretStr)
    ]
    return values + list(getattr(settings, "operators", {}))


def install_redaction(*, sensitive: bool = False, secrets: Iterable[str] = ()) -> None:
    """Scrub every log record of the process from now on (idempotent; secrets accumulate)."""
    global _installed
    with _redaction.lock:
        _redaction.sensitive = sensitive
        _redaction.secrets |= {s for s in secrets if s and len(s) >= 4}
        if _installed:
            return
        make = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make(*args, **kwargs)
            try:
                _redaction.record(record)
            except Exception:  # never lose a record to its scrubbing; drop its details instead
                record.msg, record.args, record.exc_text = "[unloggable record]", None, None
                record.exc_info = None
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
    # Logger filters see records before any handler; ours exist once their modules are imported.
    names = [n for n in logging.root.manager.loggerDict if n.startswith("sportello")]
    for name in ("uvicorn.access", "uvicorn.error", *names):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


class StructuredFormatter(logging.Formatter):
    """`time level logger message key=value ...`, with sensitive values masked."""

    def __init__(self, *, sensitive: bool = False) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.sensitive = sensitive

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        for key, value in fields.items():
            shown = value if self.sensitive or key not in SENSITIVE_FIELDS else REDACTED
            line += (
                f" {key}={shown!r}"
                if isinstance(shown, str) and " " in shown
                else f" {key}={shown}"
            )
        return line


def configure_logging(
    level: str = "INFO", *, sensitive: bool = False, secrets: Iterable[str] = ()
) -> None:
    install_redaction(sensitive=sensitive, secrets=secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(StructuredFormatter(sensitive=sensitive))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def error_fields(exc: BaseException) -> dict[str, str]:
    """An exception as log fields without its message (which may quote customer data): its
    type and the innermost frame that raised it."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return {"error": type(exc).__name__, "where": where}
