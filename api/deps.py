"""Request dependencies as Annotated aliases: the clients created once in the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from api.errors import ApiError
from api.inbox import MessageStore
from api.messaging import Messenger
from api.runtime import Runtime
from knowledge.settings import Settings


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def _store(request: Request) -> MessageStore:
    return request.app.state.store  # type: ignore[no-any-return]


def _messenger(request: Request) -> Messenger:
    return request.app.state.messenger  # type: ignore[no-any-return]


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _operator(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
    """The authenticated operator's name, from `Authorization: Bearer <token>`."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    name = request.app.state.settings.operators.get(token) if token else None
    if not name:
        raise ApiError(401, "unauthorized", "a valid operator bearer token is required")
    return str(name)


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
StoreDep = Annotated[MessageStore, Depends(_store)]
MessengerDep = Annotated[Messenger, Depends(_messenger)]
SettingsDep = Annotated[Settings, Depends(_settings)]
OperatorDep = Annotated[str, Depends(_operator)]
