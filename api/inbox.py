"""The durable message store: inbound messages (deduplicated), outbound messages and their
delivery statuses, conversation windows and handoffs. SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError

from knowledge.clock import SYSTEM_CLOCK

metadata = MetaData()

inbound = Table(
    "wa_inbound",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(128), nullable=False, unique=True),  # Meta's wamid: dedup key
    Column("user", String(64), nullable=False, index=True),
    Column("kind", String(24), nullable=False),
    Column("text", Text, nullable=False),
    Column("supported", Boolean, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, index=True),  # pending | done | dead_letter
    Column("processed_at", DateTime(timezone=True)),
    # Failed processing attempts, the last error, and when to try again (then: dead letter).
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("error", Text),
    Column("retry_at", DateTime(timezone=True)),
    # The worker answering these messages (a lease: taken over after the claim timeout).
    Column("claimed_by", String(64)),
    Column("claimed_at", DateTime(timezone=True)),
)
outbound = Table(
    "wa_outbound",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("wamid", String(128), unique=True),
    Column("user", String(64), nullable=False, index=True),
    Column("kind", String(24), nullable=False),  # text | buttons | list | document | template
    Column("body", JSON, nullable=False),
    # queued | sent | delivered | read | failed (refused) | unknown (may have been sent: never
    # sent again automatically) | dead_letter (gave up after the maximum attempts)
    Column("status", String(16), nullable=False, index=True),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),  # send attempts
    Column("retry_at", DateTime(timezone=True)),  # not before this time (after a failure)
    Column("in_reply_to", String(128), index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The process sending this row (a lease, like the inbound one).
    Column("claimed_by", String(64)),
    Column("claimed_at", DateTime(timezone=True)),
)
campaign_sends = Table(
    "campaign_sends",
    metadata,  # who a campaign run has queued a message for: a rerun never queues it again
    Column("campaign_key", String(128), primary_key=True),
    Column("customer_code", String(64), primary_key=True),
    Column("outbound_id", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
status_events = Table(
    "wa_status_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("wamid", String(128), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("errors", JSON),
)
handoffs = Table(
    "handoffs",
    metadata,
    Column("thread_id", String(128), primary_key=True),
    Column("user", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("summary", JSON, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # open | closed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("operator", String(64)),
    Column("csat", Integer),
    Column("csat_pending", Boolean, nullable=False, default=False),
)
turns = Table(
    "turns",
    metadata,  # one row per answered turn: the KPIs' raw material
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("thread_id", String(128), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("route", String(24)),
    Column("urgency", String(16)),
    Column("language", String(4)),
    Column("handoff", Boolean, nullable=False),
    Column("actions", JSON),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=False),
)
# Delivery statuses only move forward, whatever order Meta's callbacks arrive in.
STATUS_RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}
WINDOW = timedelta(hours=24)
DEAD_LETTER = "dead_letter"
UNKNOWN = "unknown"
# Outbound rows a person has to look at: given up on, or perhaps sent and perhaps not.
NEEDS_A_PERSON = (DEAD_LETTER, UNKNOWN)


def _add_missing_columns(engine: Engine) -> None:
    """Columns added after a table was first created (create_all never alters a table)."""
    tables = set(inspect(engine).get_table_names())
    for table in (inbound, outbound):
        if table.name not in tables:
            continue
        existing = {c["name"] for c in inspect(engine).get_columns(table.name)}
        quote = engine.dialect.identifier_preparer.quote
        for column in table.columns:
            if column.name in existing:
                continue
            ddl = f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} "
            ddl += column.type.compile(dialect=engine.dialect)
            if column.server_default is not None:
                ddl += f" DEFAULT {column.server_default.arg} NOT NULL"  # type: ignore[attr-defined]
            try:
                with engine.begin() as conn:
                    conn.execute(sql_text(ddl))
            except DBAPIError:  # another process added it first
                names = {c["name"] for c in inspect(engine).get_columns(table.name)}
                if column.name not in names:
                    raise


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _aware_row(row: Any) -> dict[str, Any]:
    return {k: _aware(v) if isinstance(v, datetime) else v for k, v in dict(row).items()}


class MessageStore:
    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = SYSTEM_CLOCK,
        claim_timeout: float = 120.0,
    ) -> None:
        self.engine = engine
        self.clock = clock
        # A claim older than this belongs to a worker presumed dead: others take it over.
        self.claim_timeout = timedelta(seconds=claim_timeout)
        metadata.create_all(engine)
        _add_missing_columns(engine)

    def now(self) -> datetime:
        """The service's clock, in UTC (every timestamp here is UTC)."""
        return self.clock().astimezone(UTC)

    # ---------------------------------------------------------------- inbound
    def add_inbound(
        self,
        message_id: str,
        user: str,
        kind: str,
        text: str,
        supported: bool,
        received_at: datetime | None = None,
    ) -> bool:
        """Store a message once; False when Meta delivers the same wamid again."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    inbound.insert().values(
                        message_id=message_id,
                        user=user,
                        kind=kind,
                        text=text,
                        supported=supported,
                        received_at=received_at or self.now(),
                        status="pending",
                    )
                )
            return True
        except IntegrityError:
            return False

    def add_inbound_many(self, messages: list[dict[str, Any]]) -> list[bool]:
        """Store several messages in one transaction (one commit for a burst of webhooks);
        for each, False when its wamid was already stored (or comes twice in this batch).

        Keys: message_id, user, kind, text, supported. One bad row fails the whole
        transaction: callers then store the rows one by one (add_inbound)."""
        if not messages:
            return []
        now = self.now()
        rows = [
            {**m, "received_at": m.get("received_at") or now, "status": "pending"} for m in messages
        ]
        insert = (pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert)(inbound)
        statement = (
            insert.values(rows)
            .on_conflict_do_nothing(index_elements=[inbound.c.message_id])
            .returning(inbound.c.message_id)
        )
        with self.engine.begin() as conn:
            stored = {row[0] for row in conn.execute(statement)}
        first: set[str] = set()
        result = []
        for row in rows:
            new = row["message_id"] in stored and row["message_id"] not in first
            first.add(row["message_id"])
            result.append(new)
        return result

    def users_ready(self, quiet_for: timedelta, now: datetime | None = None) -> list[str]:
        """Users with pending messages and no new message for `quiet_for` (debounce)."""
        now = now or self.now()
        query = (
            select(inbound.c.user)
            .where(inbound.c.status == "pending")
            .group_by(inbound.c.user)
            .having(func.max(inbound.c.received_at) <= now - quiet_for)
            .having(func.max(func.coalesce(inbound.c.retry_at, inbound.c.received_at)) <= now)
        )
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def pending_for(self, user: str) -> list[dict[str, Any]]:
        query = (
            select(inbound)
            .where(and_(inbound.c.user == user, inbound.c.status == "pending"))
            .order_by(inbound.c.received_at, inbound.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def claim_users(self, worker: str, quiet_for: timedelta, limit: int) -> list[str]:
        """Claim the pending messages of up to `limit` users that are ready (quiet for
        `quiet_for`, not waiting for a retry, not claimed by a live worker), oldest first.

        A user's messages are claimed all together or not at all: on PostgreSQL with
        SELECT ... FOR UPDATE SKIP LOCKED (concurrent claimers skip each other's rows, and a
        partial set means someone else is claiming), on SQLite with one atomic UPDATE.
        """
        now = self.now()
        stale = now - self.claim_timeout
        live_claim = case((inbound.c.claimed_at >= stale, 1), else_=0)
        candidates = (
            select(inbound.c.user)
            .where(inbound.c.status == "pending")
            .group_by(inbound.c.user)
            .having(func.max(inbound.c.received_at) <= now - quiet_for)
            .having(func.max(func.coalesce(inbound.c.retry_at, inbound.c.received_at)) <= now)
            .having(func.max(live_claim) == 0)
            .order_by(func.min(inbound.c.received_at))
            .limit(limit + 8)
        )
        with self.engine.connect() as conn:
            users = [row[0] for row in conn.execute(candidates)]
        claimed: list[str] = []
        claim = (
            self._claim_skip_locked
            if self.engine.dialect.name == "postgresql"
            else self._claim_atomic_update
        )
        for user in users:
            if len(claimed) >= limit:
                break
            with self.engine.begin() as conn:
                if claim(conn, user, worker, now, stale, now - quiet_for):
                    claimed.append(user)
        return claimed

    @staticmethod
    def _claim_skip_locked(
        conn: Connection,
        user: str,
        worker: str,
        now: datetime,
        stale: datetime,
        quiet_before: datetime,
    ) -> bool:
        mine = and_(inbound.c.user == user, inbound.c.status == "pending")
        rows = conn.execute(
            select(inbound.c.id, inbound.c.claimed_at, inbound.c.received_at, inbound.c.retry_at)
            .where(mine)
            .with_for_update(skip_locked=True)
        ).all()
        total = conn.execute(select(func.count()).select_from(inbound).where(mine)).scalar_one()
        if not rows or len(rows) != total:
            return False  # another worker is claiming this user right now
        claims = [_aware(r.claimed_at) for r in rows if r.claimed_at is not None]
        if any(at is not None and at >= stale for at in claims):
            return False  # a live worker has them
        arrived = [_aware(r.received_at) or now for r in rows]
        due = [_aware(r.retry_at or r.received_at) or now for r in rows]
        if max(arrived) > quiet_before or max(due) > now:
            return False  # a new message arrived meanwhile, or a retry is not due yet
        conn.execute(
            update(inbound)
            .where(inbound.c.id.in_([r.id for r in rows]))
            .values(claimed_by=worker, claimed_at=now)
        )
        return True

    @staticmethod
    def _claim_atomic_update(
        conn: Connection,
        user: str,
        worker: str,
        now: datetime,
        stale: datetime,
        quiet_before: datetime,
    ) -> bool:
        other = inbound.alias("other")
        live = (
            select(other.c.id)
            .where(
                other.c.user == user,
                other.c.status == "pending",
                other.c.claimed_at >= stale,
            )
            .exists()
        )
        newer = (
            select(other.c.id)
            .where(
                other.c.user == user,
                other.c.status == "pending",
                or_(
                    other.c.received_at > quiet_before,
                    func.coalesce(other.c.retry_at, other.c.received_at) > now,
                ),
            )
            .exists()
        )
        result = conn.execute(
            update(inbound)
            .where(inbound.c.user == user, inbound.c.status == "pending", ~live, ~newer)
            .values(claimed_by=worker, claimed_at=now)
        )
        return bool(result.rowcount)

    def claimed_for(self, user: str, worker: str) -> list[dict[str, Any]]:
        """The user's pending messages this worker holds a claim on, in order of arrival."""
        query = (
            select(inbound)
            .where(
                inbound.c.user == user,
                inbound.c.status == "pending",
                inbound.c.claimed_by == worker,
            )
            .order_by(inbound.c.received_at, inbound.c.id)
        )
        with self.engine.connect() as conn:
            return [_aware_row(row) for row in conn.execute(query).mappings()]

    def release_claims(self, user: str, worker: str) -> None:
        """Give back whatever of the user's pending messages this worker still holds."""
        with self.engine.begin() as conn:
            conn.execute(
                update(inbound)
                .where(
                    inbound.c.user == user,
                    inbound.c.status == "pending",
                    inbound.c.claimed_by == worker,
                )
                .values(claimed_by=None, claimed_at=None)
            )

    def complete(
        self,
        message_ids: list[str],
        replies: list[dict[str, Any]],
        user: str,
        turn: dict[str, Any] | None = None,
    ) -> list[int]:
        """In one transaction: the inbound messages are done and their replies are queued.

        A crash before this commits leaves the messages pending (they are processed again);
        after it, the replies are in the outbox and are sent exactly once by the sender.
        Returns the queued replies' outbox ids.
        """
        now = self.now()
        queued: list[int] = []
        with self.engine.begin() as conn:
            conn.execute(
                update(inbound)
                .where(inbound.c.message_id.in_(message_ids))
                .values(status="done", processed_at=now)
            )
            for reply in replies:
                result = conn.execute(
                    outbound.insert().values(
                        user=user,
                        kind=reply["kind"],
                        body=reply["body"],
                        status="queued",
                        in_reply_to=message_ids[-1] if message_ids else None,
                        created_at=now,
                        updated_at=now,
                    )
                )
                queued.append(int(result.inserted_primary_key[0]))  # type: ignore[index]
            if turn is not None:
                conn.execute(turns.insert().values(**turn, answered_at=now))
        return queued

    def inbound_failed(
        self, message_ids: list[str], error: str, max_attempts: int, retry_at: datetime
    ) -> int:
        """Processing these pending messages failed: try again from `retry_at`, or after
        `max_attempts` move them to the dead letters. Returns how many were dead-lettered."""
        pending = and_(inbound.c.message_id.in_(message_ids), inbound.c.status == "pending")
        with self.engine.begin() as conn:
            conn.execute(
                update(inbound)
                .where(pending)
                .values(
                    attempts=inbound.c.attempts + 1,
                    error=error[:500],
                    retry_at=retry_at,
                    claimed_by=None,
                    claimed_at=None,
                )
            )
            dead = conn.execute(
                update(inbound)
                .where(and_(pending, inbound.c.attempts >= max_attempts))
                .values(status=DEAD_LETTER, processed_at=self.now(), retry_at=None)
            )
        return int(dead.rowcount)

    def requeue_inbound(self, message_id: str) -> bool:
        """An operator has a dead-lettered message processed again."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(inbound)
                .where(and_(inbound.c.message_id == message_id, inbound.c.status == DEAD_LETTER))
                .values(
                    status="pending",
                    attempts=0,
                    retry_at=None,
                    processed_at=None,
                    claimed_by=None,
                    claimed_at=None,
                )
            )
        return bool(result.rowcount)

    def dead_letters(self) -> dict[str, list[dict[str, Any]]]:
        """Inbound messages given up on; outbound ones given up on or of unknown outcome."""
        with self.engine.connect() as conn:
            out = conn.execute(
                select(outbound)
                .where(outbound.c.status.in_(NEEDS_A_PERSON))
                .order_by(outbound.c.id)
            ).mappings()
            outbound_rows = [_aware_row(row) for row in out]
            into = conn.execute(
                select(inbound).where(inbound.c.status == DEAD_LETTER).order_by(inbound.c.id)
            ).mappings()
            inbound_rows = [_aware_row(row) for row in into]
        return {"inbound": inbound_rows, "outbound": outbound_rows}

    def last_inbound_at(self, user: str) -> datetime | None:
        query = select(func.max(inbound.c.received_at)).where(inbound.c.user == user)
        with self.engine.connect() as conn:
            return _aware(conn.execute(query).scalar_one_or_none())

    def in_window(self, user: str, now: datetime | None = None) -> bool:
        last = self.last_inbound_at(user)
        return last is not None and (now or self.now()) - last < WINDOW

    # ---------------------------------------------------------------- outbound
    def queue(self, user: str, kind: str, body: dict[str, Any]) -> int:
        now = self.now()
        with self.engine.begin() as conn:
            result = conn.execute(
                outbound.insert().values(
                    user=user, kind=kind, body=body, status="queued", created_at=now, updated_at=now
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def queued(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Rows to send now: queued, not waiting for a retry, not being sent by anyone.

        First, a row whose sender stopped in the middle of its send (its claim outlived
        `claim_timeout` with no outcome recorded) becomes `unknown`: the request may have
        gone out, and only what cannot have been sent is sent again (an operator sees it
        with the dead letters and may send it again)."""
        now = now or self.now()
        self.abandon_stale_sends(now)
        query = (
            select(outbound)
            .where(outbound.c.status == "queued")
            .where(or_(outbound.c.retry_at.is_(None), outbound.c.retry_at <= now))
            .where(outbound.c.claimed_at.is_(None))
            .order_by(outbound.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def abandon_stale_sends(self, now: datetime | None = None) -> int:
        """Mark `unknown` the queued rows whose sender died mid-send; how many there were."""
        now = now or self.now()
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    update(outbound)
                    .where(
                        outbound.c.status == "queued",
                        outbound.c.claimed_at.is_not(None),
                        outbound.c.claimed_at < now - self.claim_timeout,
                    )
                    .values(
                        status=UNKNOWN,
                        error="the sending process stopped during the send: it may have gone out",
                        updated_at=now,
                    )
                ).rowcount
            )

    def start_attempt(self, outbound_id: int) -> int:
        """Count a send attempt before the request goes out (a crash mid-send counts too)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(outbound)
                .where(outbound.c.id == outbound_id)
                .values(attempts=outbound.c.attempts + 1, updated_at=self.now())
            )
            return int(
                conn.execute(
                    select(outbound.c.attempts).where(outbound.c.id == outbound_id)
                ).scalar_one()
            )

    def claim_outbound(self, outbound_id: int, sender: str) -> int | None:
        """Take a queued row for sending and count the attempt, in one atomic UPDATE (before
        the request goes out). None: not queued any more, not due yet, or claimed by another
        sender (a claim is never taken over: a sender that dies mid-send leaves the row to
        `abandon_stale_sends`). Else the attempt's number."""
        now = self.now()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(outbound)
                .where(
                    outbound.c.id == outbound_id,
                    outbound.c.status == "queued",
                    or_(outbound.c.retry_at.is_(None), outbound.c.retry_at <= now),
                    outbound.c.claimed_at.is_(None),
                )
                .values(
                    attempts=outbound.c.attempts + 1,
                    claimed_by=sender,
                    claimed_at=now,
                    updated_at=now,
                )
            )
            if not result.rowcount:
                return None
            return int(
                conn.execute(
                    select(outbound.c.attempts).where(outbound.c.id == outbound_id)
                ).scalar_one()
            )

    def outbound_row(self, outbound_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(outbound).where(outbound.c.id == outbound_id)).mappings()
            first = row.first()
        return dict(first) if first else None

    def retry_later(self, outbound_id: int, error: str, retry_at: datetime) -> None:
        """A send that failed without sending anything: queued again from `retry_at`."""
        self._set_outbound(
            outbound_id, error=error[:500], retry_at=retry_at, claimed_by=None, claimed_at=None
        )

    def mark_unknown(self, outbound_id: int, error: str) -> None:
        """The request went out without an answer: perhaps sent, so never sent again by itself."""
        self._set_outbound(outbound_id, status=UNKNOWN, error=error[:500])

    def dead_letter(self, outbound_id: int, error: str) -> None:
        self._set_outbound(outbound_id, status=DEAD_LETTER, error=error[:500], retry_at=None)

    def requeue(self, outbound_id: int) -> bool:
        """An operator sends a dead-lettered or unknown-outcome message again."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(outbound)
                .where(and_(outbound.c.id == outbound_id, outbound.c.status.in_(NEEDS_A_PERSON)))
                .values(
                    status="queued",
                    attempts=0,
                    retry_at=None,
                    claimed_by=None,
                    claimed_at=None,
                    updated_at=self.now(),
                )
            )
        return bool(result.rowcount)

    def _set_outbound(self, outbound_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(outbound)
                .where(outbound.c.id == outbound_id)
                .values(**values, updated_at=self.now())
            )

    def mark_sent(self, outbound_id: int, wamid: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(outbound)
                .where(outbound.c.id == outbound_id)
                .values(wamid=wamid, status="sent", updated_at=self.now())
            )
            events = (
                conn.execute(
                    select(status_events)
                    .where(status_events.c.wamid == wamid)
                    .order_by(status_events.c.id)
                )
                .mappings()
                .all()
            )
        for event in events:  # callbacks that arrived before we knew the message
            self._advance(wamid, event["status"], event.get("errors"))

    def mark_failed(self, outbound_id: int, error: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(outbound)
                .where(outbound.c.id == outbound_id)
                .values(status="failed", error=error[:500], updated_at=self.now())
            )

    def record_status(
        self,
        wamid: str,
        status: str,
        errors: list[dict[str, Any]] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Record a delivery callback, in whatever order it comes; apply it if we know the message."""
        with self.engine.begin() as conn:
            conn.execute(
                status_events.insert().values(
                    wamid=wamid, status=status, at=at or self.now(), errors=errors or None
                )
            )
        self._advance(wamid, status, errors)

    def _advance(self, wamid: str, status: str, errors: list[dict[str, Any]] | None) -> None:
        with self.engine.begin() as conn:
            row = conn.execute(
                select(outbound.c.id, outbound.c.status).where(outbound.c.wamid == wamid)
            ).first()
            if row is None or STATUS_RANK.get(status, -1) <= STATUS_RANK.get(row.status, -1):
                return
            values: dict[str, Any] = {"status": status, "updated_at": self.now()}
            if status == "failed" and errors:
                values["error"] = str(errors[0].get("title") or errors[0].get("code"))[:500]
            conn.execute(update(outbound).where(outbound.c.id == row.id).values(**values))

    def outbound_for(self, user: str) -> list[dict[str, Any]]:
        query = select(outbound).where(outbound.c.user == user).order_by(outbound.c.id)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    # ---------------------------------------------------------------- campaigns
    def campaign_queued(self, campaign_key: str) -> dict[str, int]:
        """Customer code -> outbox id of what a campaign run (by its key) already queued."""
        query = select(campaign_sends.c.customer_code, campaign_sends.c.outbound_id).where(
            campaign_sends.c.campaign_key == campaign_key
        )
        with self.engine.connect() as conn:
            return {row[0]: int(row[1]) for row in conn.execute(query)}

    def queue_once(
        self, campaign_key: str, customer_code: str, user: str, kind: str, body: dict[str, Any]
    ) -> tuple[int, bool]:
        """Queue a campaign's message for a customer unless this campaign already did: the
        mark and the outbox row commit together. Returns (outbox id, newly queued)."""
        now = self.now()
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    outbound.insert().values(
                        user=user,
                        kind=kind,
                        body=body,
                        status="queued",
                        created_at=now,
                        updated_at=now,
                    )
                )
                outbound_id = int(result.inserted_primary_key[0])  # type: ignore[index]
                conn.execute(
                    campaign_sends.insert().values(
                        campaign_key=campaign_key,
                        customer_code=customer_code,
                        outbound_id=outbound_id,
                        created_at=now,
                    )
                )
            return outbound_id, True
        except IntegrityError:  # a concurrent run of the same campaign got there first
            return self.campaign_queued(campaign_key)[customer_code], False

    # ---------------------------------------------------------------- handoffs
    def open_handoff(
        self, thread_id: str, user: str, channel: str, summary: dict[str, Any]
    ) -> None:
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(handoffs.c.status).where(handoffs.c.thread_id == thread_id)
            ).first()
            values = dict(
                user=user,
                channel=channel,
                summary=summary,
                status="open",
                created_at=self.now(),
                closed_at=None,
                operator=None,
                csat=None,
                csat_pending=False,
            )
            if exists is None:
                conn.execute(handoffs.insert().values(thread_id=thread_id, **values))
            elif exists.status != "open":
                conn.execute(
                    update(handoffs).where(handoffs.c.thread_id == thread_id).values(**values)
                )

    def handoffs(self, status: str | None = "open") -> list[dict[str, Any]]:
        query = select(handoffs).order_by(handoffs.c.created_at)
        if status is not None:
            query = query.where(handoffs.c.status == status)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def handoff(self, thread_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(handoffs).where(handoffs.c.thread_id == thread_id))
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def close_handoff(self, thread_id: str, operator: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(handoffs)
                .where(handoffs.c.thread_id == thread_id)
                .values(status="closed", closed_at=self.now(), operator=operator, csat_pending=True)
            )

    def record_csat(self, thread_id: str, score: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(handoffs)
                .where(handoffs.c.thread_id == thread_id)
                .values(csat=score, csat_pending=False)
            )

    def record_turn(self, turn: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(turns.insert().values(**turn, answered_at=self.now()))

    def turns(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        query = select(turns).where(and_(turns.c.answered_at >= since, turns.c.answered_at < until))
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]
