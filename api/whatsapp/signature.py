"""Meta's webhook signature: HMAC-SHA256 of the raw body with the app secret."""

from __future__ import annotations

import hashlib
import hmac


def sign(body: bytes, app_secret: str) -> str:
    """The `X-Hub-Signature-256` header value Meta sends for `body`."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, header: str | None, app_secret: str) -> bool:
    """Constant-time check of the header against the raw body."""
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(body, app_secret), header)
