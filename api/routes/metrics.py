"""GET /metrics: Prometheus metrics read from the message store at scrape time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from api.inbox import (
    DEAD_LETTER,
    UNKNOWN,
    MessageStore,
    handoffs,
    inbound,
    outbound,
    turns,
)
from api.runtime import Runtime
from graph.llm import FALLBACKS
from knowledge.retriever import DEGRADED_ANSWERS
from knowledge.settings import Settings

router = APIRouter(tags=["metrics"])
_registry_lock = threading.Lock()

OUTBOUND_STATUSES = ("queued", "sent", "delivered", "read", "failed", UNKNOWN, DEAD_LETTER)
HANDOFF_STATUSES = ("open", "closed")


class StoreCollector(Collector):
    """Counts from the durable store: right after a restart and across several workers."""

    def __init__(self, store: Callable[[], MessageStore]) -> None:
        self.store = store  # the app's current store (a new one after each lifespan start)

    def collect(self) -> Iterator[Metric]:
        with self.store().engine.connect() as conn:
            turn_counts = conn.execute(
                select(turns.c.route, turns.c.channel, func.count()).group_by(
                    turns.c.route, turns.c.channel
                )
            ).all()
            handoff_counts: dict[str, int] = {
                status: count
                for status, count in conn.execute(
                    select(handoffs.c.status, func.count()).group_by(handoffs.c.status)
                )
            }
            csat = conn.execute(
                select(handoffs.c.csat, func.count())
                .where(handoffs.c.csat.is_not(None))
                .group_by(handoffs.c.csat)
            ).all()
            outbound_counts: dict[str, int] = {
                status: count
                for status, count in conn.execute(
                    select(outbound.c.status, func.count()).group_by(outbound.c.status)
                )
            }
            inbound_counts: dict[str, int] = {
                status: count
                for status, count in conn.execute(
                    select(inbound.c.status, func.count()).group_by(inbound.c.status)
                )
            }
            pending = inbound_counts.get("pending", 0)

        answered = CounterMetricFamily(
            "sportello_turns",
            "Customer turns answered, by route and channel",
            labels=["route", "channel"],
        )
        for route, channel, count in turn_counts:
            answered.add_metric([route or "unrouted", channel], count)
        yield answered

        open_handoffs = GaugeMetricFamily(
            "sportello_handoffs_open", "Conversations waiting for or served by a person"
        )
        open_handoffs.add_metric([], handoff_counts.get("open", 0))
        yield open_handoffs

        by_status = GaugeMetricFamily(
            "sportello_handoffs", "Handed-over conversations, by status", labels=["status"]
        )
        for status in HANDOFF_STATUSES:
            by_status.add_metric([status], handoff_counts.get(status, 0))
        yield by_status

        scores = CounterMetricFamily(
            "sportello_csat_responses", "CSAT answers after a handoff, by score", labels=["score"]
        )
        for score, count in csat:
            scores.add_metric([str(score)], count)
        yield scores

        messages = GaugeMetricFamily(
            "sportello_outbound_messages",
            "WhatsApp messages in the outbox, by delivery status",
            labels=["status"],
        )
        for status in OUTBOUND_STATUSES:
            messages.add_metric([status], outbound_counts.get(status, 0))
        yield messages

        waiting = GaugeMetricFamily(
            "sportello_inbound_pending", "WhatsApp messages received and not yet answered"
        )
        waiting.add_metric([], pending)
        yield waiting

        outbox_dead = GaugeMetricFamily(
            "sportello_outbox_dead_letters",
            "WhatsApp messages given up on after the maximum send attempts",
        )
        outbox_dead.add_metric([], outbound_counts.get(DEAD_LETTER, 0))
        yield outbox_dead

        outbox_unknown = GaugeMetricFamily(
            "sportello_outbox_unknown_outcome",
            "WhatsApp sends with no answer from Meta (perhaps delivered): never sent again "
            "automatically",
        )
        outbox_unknown.add_metric([], outbound_counts.get(UNKNOWN, 0))
        yield outbox_unknown

        inbox_dead = GaugeMetricFamily(
            "sportello_inbox_dead_letters",
            "WhatsApp messages received whose processing failed too often (not answered)",
        )
        inbox_dead.add_metric([], inbound_counts.get(DEAD_LETTER, 0))
        yield inbox_dead

        fallbacks = CounterMetricFamily(
            "sportello_llm_fallbacks",
            "Calls to the chat model that failed, so the offline brain answered "
            "(this process), by step and reason",
            labels=["step", "reason"],
        )
        for key, count in sorted(FALLBACKS.items()):
            step, reason = key.split(":", 1)
            fallbacks.add_metric([step, reason], count)
        yield fallbacks


class DependencyCollector(Collector):
    """Whether each dependency answers now (probed at scrape time, as /readyz does), and the
    answers given without the documents because one was down (this process)."""

    def __init__(self, runtime: Callable[[], Runtime], settings: Callable[[], Settings]) -> None:
        self.runtime = runtime
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        from api.routes.health import DEPENDENCIES, check_dependencies

        checks = check_dependencies(self.runtime(), self.settings())
        up = GaugeMetricFamily(
            "sportello_dependency_up",
            "1 when the dependency answers (qdrant, database, embeddings, llm), else 0",
            labels=["dependency"],
        )
        for name in DEPENDENCIES:
            up.add_metric([name], 1.0 if checks.get(name, {}).get("ok") else 0.0)
        yield up

        degraded = CounterMetricFamily(
            "sportello_degraded_answers",
            "Answers saying the documents cannot be consulted, because Qdrant or the "
            "embeddings endpoint was down (this process), by dependency",
            labels=["dependency"],
        )
        counts = dict(DEGRADED_ANSWERS)
        for name in ("qdrant", "embeddings"):
            degraded.add_metric([name], counts.get(name, 0))
        yield degraded


def app_registry(request: Request) -> CollectorRegistry:
    """One registry per app (never the process-wide default), built at the first scrape."""
    state = request.app.state
    with _registry_lock:
        registry: CollectorRegistry | None = getattr(state, "metrics_registry", None)
        if registry is None:
            registry = CollectorRegistry(auto_describe=False)
            registry.register(StoreCollector(lambda: state.store))
            registry.register(DependencyCollector(lambda: state.runtime, lambda: state.settings))
            state.metrics_registry = registry
    return registry


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    description="Turns by route and channel, handoffs open and by status, CSAT answers, "
    "outbox messages by delivery status, inbound messages pending, dead letters (outbox "
    "and inbox), sends of unknown outcome, whether each dependency is up and the answers "
    "degraded because one was down. No customer data.",
    response_class=Response,
    responses={
        200: {
            "content": {
                CONTENT_TYPE_LATEST: {
                    "example": "# HELP sportello_handoffs_open Conversations waiting for or "
                    "served by a person\n# TYPE sportello_handoffs_open gauge\n"
                    "sportello_handoffs_open 2.0\n"
                }
            }
        }
    },
)
def metrics(request: Request) -> Response:
    return Response(generate_latest(app_registry(request)), media_type=CONTENT_TYPE_LATEST)
