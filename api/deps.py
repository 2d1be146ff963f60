"""Request dependencies as Annotated aliases: the clients created once in the lifespan."""

from __future__ import annotations

import hashlib
import logging
from typing import Annotated

from fastapi import Depends, Header, Request

from api.errors import ApiError
from api.inbox import MessageStore
from api.messaging import Messenger
from api.runtime import Runtime
from graph.ratelimit import RateLimiter
from knowledge.settings import Settings

log = logging.getLogger("sportello.api")


# The app's objects, handed over as they are: async, so FastAPI calls them on the event loop
# instead of sending each request's dependencies to a worker thread (on a burst of webhooks
# those thread hops took about a fifth of the API's CPU).
async def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def _store(request: Request) -> MessageStore:
    return request.app.state.store  # type: ignore[no-any-return]


async def _messenger(request: Request) -> Messenger:
    return request.app.state.messenger  # type: ignore[no-any-return]


async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (behind a proxy, run uvicorn with
    --proxy-headers and --forwarded-allow-ips so this is the customer's, not the proxy's)."""
    return request.client.host if request.client else "unknown"


def enforce_rate(limiter: RateLimiter, rule: str, *keys: str) -> None:
    """Count one request under `rule`; a 429 with `Retry-After` when it has no room left."""
    decision = limiter.hit(rule, *keys)
    if not decision.allowed:
        log.warning("rate limit refused a request (%s)", decision.rule)
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests: try again in {decision.retry_after} s",
            headers={"Retry-After": str(decision.retry_after)},
        )


def _operator(
    request: Request,
    authorization: Annotated[
        str | None, Header(description="`Bearer <operator token>` (OPERATOR_TOKENS)")
    ] = None,
) -> str:
    """The authenticated operator's name, from `Authorization: Bearer <token>`.

    Every call counts under the `api_token` rate limit: per token when it is valid, per
    client address when it is not (so guessing tokens is limited too)."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    name = request.app.state.settings.operators.get(token) if token else None
    limiter = request.app.state.runtime.deps.limiter
    if not name:
        enforce_rate(limiter, "api_token", f"client:{client_address(request)}")
        raise ApiError(401, "unauthorized", "a valid operator bearer token is required")
    # The key is a digest: the limiter's storage (Redis) never holds a usable token.
    enforce_rate(limiter, "api_token", "token:" + hashlib.sha256(token.encode()).hexdigest())
    return str(name)


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
StoreDep = Annotated[MessageStore, Depends(_store)]
MessengerDep = Annotated[Messenger, Depends(_messenger)]
SettingsDep = Annotated[Settings, Depends(_settings)]
OperatorDep = Annotated[str, Depends(_operator)]
