"""GET /v1/kpis: the contact-centre indicators of a period, from turns, handoffs and the outbox."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import fmean
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, func, select

from api.deps import OperatorDep, RuntimeDep, StoreDep
from api.errors import ApiError
from api.inbox import MessageStore, outbound
from graph.deps import ITALY

router = APIRouter(prefix="/v1/kpis", tags=["kpis"])

SESSION_GAP = timedelta(minutes=30)  # a pause this long ends a contact (session)
REPEAT_WINDOW = timedelta(days=7)  # a new contact on the same route this soon is a repeat
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30


class Period(BaseModel):
    from_: date = Field(serialization_alias="from")
    to: date


class Kpis(BaseModel):
    period: Period
    threads: int = Field(description="conversations with at least one answered turn")
    turns: int
    handoffs: int = Field(description="conversations handed to a person in the period")
    deflection_rate: float | None = Field(description="threads without a handoff / threads")
    first_contact_resolution: float | None = Field(
        description="threads resolved in their first contact (see the endpoint's description)"
    )
    avg_first_response_seconds: float | None
    avg_resolution_seconds: float | None
    csat_average: float | None = Field(description="1 to 5, after a handoff is released")
    csat_responses: int
    channel_adoption: dict[str, float] = Field(description="share of threads by channel")
    volumes_by_vertical: dict[str, int] = Field(description="turns by route")
    outbound_by_status: dict[str, int] = Field(description="WhatsApp messages queued, by status")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": {"from": "2026-11-01", "to": "2026-11-30"},
                    "threads": 120,
                    "turns": 410,
                    "handoffs": 18,
                    "deflection_rate": 0.85,
                    "first_contact_resolution": 0.71,
                    "avg_first_response_seconds": 2.4,
                    "avg_resolution_seconds": 512.0,
                    "csat_average": 4.3,
                    "csat_responses": 11,
                    "channel_adoption": {"whatsapp": 0.8, "web": 0.2},
                    "volumes_by_vertical": {"billing": 150, "payments": 90, "general": 170},
                    "outbound_by_status": {"delivered": 300, "read": 210, "failed": 2},
                }
            ]
        }
    )


@dataclass(frozen=True)
class Turn:
    thread_id: str
    channel: str
    route: str
    handoff: bool
    received_at: datetime
    answered_at: datetime


def _utc(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; the store writes UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return round(fmean(values), 2) if values else None


def sessions(turns: list[Turn]) -> list[list[Turn]]:
    """A thread's turns (by time) cut into contacts wherever the customer paused SESSION_GAP."""
    out: list[list[Turn]] = []
    for turn in turns:
        if out and turn.received_at - out[-1][-1].answered_at < SESSION_GAP:
            out[-1].append(turn)
        else:
            out.append([turn])
    return out


def compute_kpis(
    turns: list[Turn],
    handoffs: list[dict[str, Any]],
    outbound_by_status: dict[str, int],
    since: datetime,
    until: datetime,
    period: Period,
) -> Kpis:
    """Indicators of the turns answered in [since, until); later turns only reveal repeats."""
    by_thread: dict[str, list[Turn]] = {}
    for turn in sorted(turns, key=lambda t: (t.received_at, t.answered_at)):
        by_thread.setdefault(turn.thread_id, []).append(turn)
    in_period = [t for t in turns if since <= t.answered_at < until]
    threads = {t.thread_id for t in in_period}
    handoff_rows = {h["thread_id"]: h for h in handoffs}
    opened = {h["thread_id"] for h in handoffs if since <= _utc(h["created_at"]) < until} | {
        t.thread_id for t in in_period if t.handoff
    }

    first_responses: list[float] = []
    resolutions: list[float] = []
    resolved_first_time = 0
    channels: Counter[str] = Counter()
    for thread in threads:
        contacts = [s for s in sessions(by_thread[thread]) if s[-1].answered_at >= since]
        first = contacts[0]
        start = first[0].received_at
        channels[first[0].channel] += 1
        first_responses.append((first[0].answered_at - start).total_seconds())
        handed = any(t.handoff for t in first)
        if handed:
            row = handoff_rows.get(thread)
            if row is not None and row["closed_at"] is not None and _utc(row["closed_at"]) >= start:
                resolutions.append((_utc(row["closed_at"]) - start).total_seconds())
            continue
        resolutions.append((first[-1].answered_at - start).total_seconds())
        routes = {t.route for t in first}
        repeat = any(
            later[0].received_at - first[-1].answered_at <= REPEAT_WINDOW
            and routes & {t.route for t in later}
            for later in contacts[1:]
        )
        resolved_first_time += not repeat

    closed = [h for h in handoffs if h["closed_at"] and since <= _utc(h["closed_at"]) < until]
    scores = [h["csat"] for h in closed if h["csat"] is not None]
    volumes = Counter(t.route for t in in_period)
    return Kpis(
        period=period,
        threads=len(threads),
        turns=len(in_period),
        handoffs=len(opened & threads),
        deflection_rate=_ratio(len(threads - opened), len(threads)),
        first_contact_resolution=_ratio(resolved_first_time, len(threads)),
        avg_first_response_seconds=_mean(first_responses),
        avg_resolution_seconds=_mean(resolutions),
        csat_average=_mean(scores),
        csat_responses=len(scores),
        channel_adoption={c: round(n / len(threads), 4) for c, n in sorted(channels.items())},
        volumes_by_vertical=dict(sorted(volumes.items())),
        outbound_by_status=outbound_by_status,
    )


def _outbound_by_status(store: MessageStore, since: datetime, until: datetime) -> dict[str, int]:
    query = (
        select(outbound.c.status, func.count())
        .where(and_(outbound.c.created_at >= since, outbound.c.created_at < until))
        .group_by(outbound.c.status)
        .order_by(outbound.c.status)
    )
    with store.engine.connect() as conn:
        return {status: int(count) for status, count in conn.execute(query)}


def _turn(row: dict[str, Any]) -> Turn:
    return Turn(
        thread_id=row["thread_id"],
        channel=row["channel"],
        route=row["route"] or "unrouted",
        handoff=bool(row["handoff"]),
        received_at=_utc(row["received_at"]),
        answered_at=_utc(row["answered_at"]),
    )


DESCRIPTION = f"""Indicators of the conversations answered between `from` and `to` (Italian
calendar days, both included; default the last {DEFAULT_PERIOD_DAYS} days, at most
{MAX_PERIOD_DAYS}).

- A **thread** is one conversation (a WhatsApp number or a web-chat session) with at least one
  turn answered in the period; a **contact** is a run of its turns with pauses shorter than
  {int(SESSION_GAP.total_seconds() // 60)} minutes.
- **deflection_rate**: threads never handed to a person in the period / threads.
- **first_contact_resolution**: threads whose first contact in the period had no handoff and
  that were not followed, within {REPEAT_WINDOW.days} days of that contact's end, by another
  contact in the same thread on one of the same routes (verticals) / threads. Contacts after
  `to` are counted as repeats; a thread whose 7 days are not over yet counts as resolved so far.
- **avg_first_response_seconds**: from the first message of each thread's first contact to
  its answer.
- **avg_resolution_seconds**: from the first message of the first contact to its last answer,
  or to the operator's release for a handed-over contact (open handoffs are not counted).
- **csat_average** / **csat_responses**: scores (1-5) of handoffs released in the period.
- **channel_adoption**: share of threads by the channel of their first contact;
  **volumes_by_vertical**: turns by route; **outbound_by_status**: WhatsApp messages queued in
  the period, by delivery status."""


@router.get(
    "",
    response_model=Kpis,
    summary="Contact-centre KPIs for a period",
    description=DESCRIPTION,
    responses={
        401: {
            "description": "No or wrong bearer token",
            "content": {
                "application/json": {
                    "example": {"error": {"code": "unauthorized", "message": "a valid..."}}
                }
            },
        },
        422: {
            "description": "Bad dates",
            "content": {
                "application/json": {
                    "example": {
                        "error": {
                            "code": "invalid_period",
                            "message": "from 2026-12-01 is after to 2026-11-01",
                        }
                    }
                }
            },
        },
    },
)
def kpis(
    _: OperatorDep,
    runtime: RuntimeDep,
    store: StoreDep,
    from_: date | None = Query(  # noqa: B008
        default=None, alias="from", description="first day, YYYY-MM-DD", examples=["2026-11-01"]
    ),
    to: date | None = Query(  # noqa: B008
        default=None, description="last day, YYYY-MM-DD (included)", examples=["2026-11-30"]
    ),
) -> Kpis:
    last = to or runtime.deps.clock().astimezone(ITALY).date()
    first = from_ or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if first > last:
        raise ApiError(422, "invalid_period", f"from {first} is after to {last}")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise ApiError(
            422, "period_too_long", f"a period is at most {MAX_PERIOD_DAYS} days; ask in parts"
        )
    since = datetime.combine(first, time.min, ITALY).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), time.min, ITALY).astimezone(UTC)
    rows = store.turns(since, until + REPEAT_WINDOW)
    return compute_kpis(
        [_turn(r) for r in rows],
        store.handoffs(None),
        _outbound_by_status(store, since, until),
        since,
        until,
        Period(from_=first, to=last),
    )
