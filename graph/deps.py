"""Everything the graph's nodes use, passed in once: backends, retriever, models, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from langchain_core.language_models import BaseChatModel

from graph.audit import AuditTrail
from graph.backends.ports import Notifier, UtilityBackend
from graph.classifier import OfflineClassifier
from graph.ratelimit import RateLimiter
from knowledge.clock import ITALY, Clock
from knowledge.retriever import Retriever

__all__ = ["ITALY", "GraphDeps"]


@dataclass
class GraphDeps:
    backend: UtilityBackend
    retriever: Retriever
    classifier: OfflineClassifier
    audit: AuditTrail
    chat_model: BaseChatModel | None = None
    llm_structured_method: str = "function_calling"  # or json_schema, json_mode
    notifier: Notifier | None = None  # proactive messages; None: nothing is pushed
    clock: Callable[[], datetime] = field(default_factory=Clock)  # the one clock (Clock)
    otp_fixed_code: str | None = None  # demo and tests only (refused elsewhere at start-up)
    otp_ttl_minutes: int = 10
    otp_max_attempts: int = 3
    lockout_minutes: int = 15
    ecb_rate: Decimal = Decimal("0.02")  # ECB reference rate for instalment interest
    max_reply_chars: int = 1000
    # Keys one-time-code hashes (HMAC-SHA256); build_runtime passes the server secret.
    secret: bytes = b"sportello-tests-only-secret"
    # Rate limits by name: otp_send (customer code, thread), otp_verify (customer code).
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter({}))
    identification_idle_minutes: int = 30
    identification_max_minutes: int = 480
