"""Notifiers for demos and tests: `RecordingNotifier` keeps what would have been sent."""

from __future__ import annotations


class RecordingNotifier:
    """A `Notifier` that sends nothing and records `(customer_code, text, category)` in `sent`."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def notify(self, customer_code: str, text: str, *, category: str) -> None:
        self.sent.append((customer_code, text, category))
