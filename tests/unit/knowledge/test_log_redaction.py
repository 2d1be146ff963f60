"""What the record factory and filter remove from log records, whoever logs them."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from knowledge.logs import RedactingFilter, StructuredFormatter, install_redaction, redact


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    install_redaction(sensitive=False, secrets=["s3cr3t-token-value"])
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logger = logging.getLogger("sportello.test.redaction")
    handler = Keep(logging.DEBUG)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield seen
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    "phone", ["393331234567", "+393331234567", "+39 333 1234567", "+39-333-123-4567", "333 1234567"]
)
def test_phone_numbers_in_any_form(phone: str) -> None:
    assert phone not in redact(f"message from {phone} received")
    assert "[redacted]" in redact(f"message from {phone} received")


def test_dates_times_ports_and_wamids_are_kept() -> None:
    line = "at 2026-11-26 10:30:00 on 127.0.0.1:8000 wamid.HBgLMzkzMzMxMjM0NTY3FQIAEhgg 84,20"
    assert redact(line) == line


def test_query_strings_bearer_tokens_and_known_secrets() -> None:
    install_redaction(secrets=["s3cr3t-token-value"])
    line = redact(
        'GET /webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=abc&hub.challenge=9 "x" '
        "https://graph.example/v21.0/media?access_token=EAAG123 Authorization: Bearer EAAGxyz987 "
        "and s3cr3t-token-value"
    )
    for leaked in ("hub.verify_token", "abc&", "access_token", "EAAG123", "EAAGxyz987", "s3cr3t"):
        assert leaked not in line
    assert "/webhooks/whatsapp?[redacted]" in line and "Bearer [redacted]" in line


def test_records_are_scrubbed_before_any_handler(records: list[logging.LogRecord]) -> None:
    logger = logging.getLogger("sportello.test.redaction")
    logger.info("from %s: %s", "+39 333 1234567", "token=s3cr3t-token-value")
    try:
        raise ValueError("cannot reach 393331234567 with Bearer abcdef123456")
    except ValueError:
        logger.exception("failed")
    first, second = records
    assert "1234567" not in first.getMessage() and "s3cr3t" not in first.getMessage()
    assert isinstance(first.args, tuple) and len(first.args) == 2  # the shape is kept
    assert second.exc_text and "393331234567" not in second.exc_text
    assert "abcdef123456" not in second.exc_text and "ValueError" in second.exc_text


def test_the_uvicorn_access_log_shows_paths_only() -> None:
    install_redaction()
    record = logging.getLogRecordFactory()(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/webhooks/whatsapp?hub.verify_token=abc", "1.1", 200),
        None,
    )
    assert record.getMessage() == '127.0.0.1:5000 - "GET /webhooks/whatsapp HTTP/1.1" 200'


def test_structured_fields_are_masked_by_the_filter() -> None:
    install_redaction()
    record = logging.LogRecord("sportello.x", logging.INFO, __file__, 1, "sent", None, None)
    record.phone = "+393331234567"
    record.text = "ho puzza di gas"
    record.detail = "call 393331234567"
    record.route = "outage"
    RedactingFilter().filter(record)
    assert record.phone == record.text == "[redacted]"
    assert "393331234567" not in record.detail and record.route == "outage"
    assert "puzza" not in StructuredFormatter().format(record)


def test_log_sensitive_keeps_customer_data_but_never_secrets() -> None:
    try:
        install_redaction(sensitive=True, secrets=["s3cr3t-token-value"])
        line = redact("from 393331234567 with s3cr3t-token-value")
        assert "393331234567" in line and "s3cr3t" not in line
    finally:
        install_redaction(sensitive=False)
