"""The web chat: server-created threads bound to a signed session token, one turn per POST.

A web thread id (`web:<random>`) is made by the server, never chosen by the caller, and comes
with its session token, an HMAC-SHA256 of the id under the server secret. Every call about
a thread carries the token in `X-Session-Token` (or `Authorization: Bearer <token>`); a
thread that is not a web thread, or a missing or wrong token, is refused before anything of
the thread is read or run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from api.deps import RuntimeDep, StoreDep, client_address, enforce_rate
from api.errors import ApiError
from api.locks import ThreadBusyError
from api.messaging import CSAT_THANKS, SCORE
from graph.turn import TurnResult

# A turn's JSON is a few KB at most (text <= 4096 characters, even all \u-escaped).
MAX_BODY_BYTES = 64 * 1024


def _too_large() -> ApiError:
    return ApiError(413, "payload_too_large", f"the body is over {MAX_BODY_BYTES // 1024} KB")


class _CappedRequest(Request):
    """A request whose body is read only up to MAX_BODY_BYTES: a 413 beyond, declared or not."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                raise _too_large()
            data = bytearray()
            async for chunk in self.stream():
                data += chunk
                if len(data) > MAX_BODY_BYTES:
                    raise _too_large()
            self._body = bytes(data)
        return self._body


class _CappedRoute(APIRoute):
    """Reads request bodies through _CappedRequest (errors stay in the API's JSON format,
    which Starlette's own body limit would answer in plain text)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def capped(request: Request) -> Response:
            return await handler(_CappedRequest(request.scope, request.receive))

        return capped


router = APIRouter(prefix="/v1/chat", tags=["chat"], route_class=_CappedRoute)

WEB_PREFIX = "web:"
_TOKEN_LABEL = b"sportello/web-chat-session/v1\x00"  # the secret also keys other HMACs


def _presented_token(
    x_session_token: Annotated[
        str | None,
        Header(
            alias="X-Session-Token",
            description="The thread's session token, as returned with its `thread_id` by "
            "`POST /v1/chat/sessions` (or by `POST /v1/chat` without a `thread_id`).",
        ),
    ] = None,
    authorization: Annotated[
        str | None,
        Header(description="Alternatively `Bearer <session token>` (the web chat sends this)."),
    ] = None,
) -> str | None:
    """The session token the caller presents: `X-Session-Token`, else a bearer token."""
    if x_session_token is not None:
        return x_session_token
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ")
    return None


SessionToken = Annotated[str | None, Depends(_presented_token)]


def _error(description: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    example = {"error": {"code": code, "message": message}}
    content = {"application/json": {"example": example}}
    return {"description": description, "content": content, **extra}


FORBIDDEN = _error(
    "Not a web thread, or no or wrong session token for it: nothing is run or shown",
    "invalid_session",
    "this conversation needs its session token: start one with POST /v1/chat/sessions",
)
RATE_LIMITED = _error(
    "Too many calls from this address or for this thread (RATE_CHAT_CLIENT, RATE_CHAT_THREAD, "
    "RATE_CHAT_SESSION)",
    "rate_limited",
    "too many requests: try again in 12 s",
    headers={"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
)


def session_token(secret: bytes, thread_id: str) -> str:
    """The token that proves a caller was given `thread_id` by this server."""
    digest = hmac.new(secret, _TOKEN_LABEL + thread_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_web_thread(secret: bytes) -> tuple[str, str]:
    """A fresh, unguessable web thread id and its session token."""
    thread_id = WEB_PREFIX + secrets.token_urlsafe(24)
    return thread_id, session_token(secret, thread_id)


def check_session(secret: bytes, thread_id: str, token: str | None) -> str:
    """The token, if it is `thread_id`'s session token and the thread a web thread; else
    ApiError 403."""
    if not (
        thread_id.startswith(WEB_PREFIX)
        and token is not None
        and hmac.compare_digest(session_token(secret, thread_id).encode(), token.encode())
    ):
        raise ApiError(
            403,
            "invalid_session",
            "this conversation needs its session token: start one with POST /v1/chat/sessions",
        )
    return token


class ChatRequest(BaseModel):
    text: str = Field(min_length=1, max_length=4096, examples=["vorrei pagare a rate"])
    thread_id: str | None = Field(
        default=None,
        max_length=128,
        description="A web thread from `POST /v1/chat/sessions` (send its token in "
        "`X-Session-Token` or `Authorization: Bearer`); omitted, a new thread is started and "
        "returned with its token.",
    )
    user: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        examples=["web-42"],
        description="Accepted for compatibility; never selects the conversation.",
    )


class ChatSession(BaseModel):
    thread_id: str = Field(examples=["web:3qLw0v2mYb9Kx1rT8sPzA4nE6uHcJfGd"])
    session_token: str = Field(examples=["Vx8m2cQpL0aR7tYk3nWf9bZs1hJd5gUe6oCi4vXyTqE"])


class ChatReply(TurnResult):
    """A turn's result (see TurnResult) with the thread's session token."""

    session_token: str = Field(
        description="The thread's session token: send it with every call about the thread"
    )


class ChatMessage(BaseModel):
    index: int
    role: str  # customer | assistant | operator
    text: str


@router.post(
    "/sessions",
    response_model=ChatSession,
    status_code=201,
    summary="Start a web conversation",
    description="A new, empty web thread and its session token. Limited per client address "
    "(RATE_CHAT_SESSION).",
    responses={429: RATE_LIMITED},
)
def start_session(request: Request, runtime: RuntimeDep) -> ChatSession:
    enforce_rate(runtime.deps.limiter, "chat_session", client_address(request))
    thread_id, token = new_web_thread(runtime.deps.secret)
    return ChatSession(thread_id=thread_id, session_token=token)


def _admit(runtime: Any, address: str, thread_id: str | None, token: str | None) -> ChatSession:
    """The web thread this call may use, after the rate limits; ApiError otherwise."""
    limiter, secret = runtime.deps.limiter, runtime.deps.secret
    enforce_rate(limiter, "chat_client", address)
    if thread_id is None:
        enforce_rate(limiter, "chat_session", address)
        thread_id, token = new_web_thread(secret)
    else:
        token = check_session(secret, thread_id, token)
    enforce_rate(limiter, "chat_thread", thread_id)
    return ChatSession(thread_id=thread_id, session_token=token)


@router.post(
    "",
    response_model=ChatReply,
    summary="One customer turn",
    description="The same result as `sportello ask --json`, plus the thread's "
    "`session_token`. Continue a conversation with its `thread_id` and its token in "
    "`X-Session-Token` (or `Authorization: Bearer <token>`); without a `thread_id` a new "
    "one is started. Limited per client address (RATE_CHAT_CLIENT) and per thread "
    "(RATE_CHAT_THREAD).",
    responses={403: FORBIDDEN, 429: RATE_LIMITED},
)
async def chat(
    request: ChatRequest,
    http: Request,
    runtime: RuntimeDep,
    store: StoreDep,
    token: SessionToken,
) -> ChatReply:
    address = client_address(http)
    session = await anyio.to_thread.run_sync(
        lambda: _admit(runtime, address, request.thread_id, token)
    )
    thread, issued = session.thread_id, session.session_token
    try:
        # One turn at a time per thread (across processes): concurrent calls queue up and
        # each sees the conversation with the previous turn in it.
        async with runtime.locks.hold(thread):
            return await anyio.to_thread.run_sync(
                lambda: _turn(runtime, store, request, thread, issued)
            )
    except ThreadBusyError:
        raise ApiError(
            503, "thread_busy", "another turn of this conversation is still running"
        ) from None


def _turn(runtime: Any, store: Any, request: ChatRequest, thread: str, issued: str) -> ChatReply:
    """One web turn, under the thread's lock (in a worker thread: it reads and writes the
    database)."""
    received = store.now()
    handoff = store.handoff(thread)
    if handoff and handoff["csat_pending"] and (score := SCORE.match(request.text)):
        store.record_csat(thread, int(score.group(1)))
        state = runtime.graph.get_state({"configurable": {"thread_id": thread}}).values
        language = state.get("language", "it")
        return ChatReply(
            thread_id=thread,
            reply=CSAT_THANKS[language],
            route="general",
            urgency="normal",
            language=language,
            handoff=False,
            citations=[],
            actions=[],
            session_token=issued,
        )
    result = runtime.ask(request.text, user=thread, thread_id=thread, channel="web")
    state = runtime.graph.get_state({"configurable": {"thread_id": thread}}).values
    if result.handoff and state.get("handoff"):
        store.open_handoff(thread, request.user or thread, "web", state["handoff"]["summary"])
    store.record_turn(
        {
            "thread_id": thread,
            "channel": "web",
            "route": result.route,
            "urgency": result.urgency,
            "language": result.language,
            "handoff": result.handoff,
            "actions": [a.model_dump() for a in result.actions],
            "received_at": received,
        }
    )
    return ChatReply(**result.model_dump(), session_token=issued)


def conversation(runtime: Any, thread_id: str) -> list[ChatMessage]:
    """The thread's messages as the checkpointer holds them (operator replies included)."""
    state = runtime.graph.get_state({"configurable": {"thread_id": thread_id}}).values
    out = []
    for index, message in enumerate(state.get("messages", [])):
        role = (
            "customer"
            if message.type == "human"
            else ("operator" if getattr(message, "name", None) == "operator" else "assistant")
        )
        out.append(ChatMessage(index=index, role=role, text=str(message.content)))
    return out


@router.get(
    "/{thread_id}/messages",
    response_model=list[ChatMessage],
    summary="The conversation so far (the web chat polls it for operator replies)",
    description="Web threads only, with their session token; other channels' "
    "conversations are served to authenticated operators only.",
    responses={403: FORBIDDEN},
)
def messages(
    thread_id: str, runtime: RuntimeDep, token: SessionToken, after: int = -1
) -> list[ChatMessage]:
    check_session(runtime.deps.secret, thread_id, token)
    return [m for m in conversation(runtime, thread_id) if m.index > after]
