import logging

from knowledge.logs import StructuredFormatter


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "sportello.test", logging.INFO, __file__, 1, "turn handled", None, None
    )
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_customer_data_is_redacted_by_default() -> None:
    line = StructuredFormatter().format(
        _record(text="ho puzza di gas in via Roma 3", phone="+393331234567", route="outage")
    )
    assert "puzza" not in line and "+39333" not in line
    assert "text=[redacted]" in line and "phone=[redacted]" in line and "route=outage" in line


def test_sensitive_logging_is_an_explicit_choice() -> None:
    line = StructuredFormatter(sensitive=True).format(_record(phone="+393331234567"))
    assert "phone=+393331234567" in line
