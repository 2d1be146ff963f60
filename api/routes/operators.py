"""The operator inbox: handed-over conversations, replies, release, CSAT."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel, Field

from api.deps import MessengerDep, OperatorDep, RuntimeDep, StoreDep
from api.errors import ApiError
from api.messaging import CSAT_QUESTION
from api.routes.chat import ChatMessage, conversation

router = APIRouter(prefix="/v1/operators", tags=["operators"])


class QueueItem(BaseModel):
    thread_id: str
    channel: str
    summary: dict[str, Any]
    created_at: str
    status: str


class OperatorReply(BaseModel):
    text: str = Field(min_length=1, max_length=4096)


def _handoff(store: Any, thread_id: str) -> dict[str, Any]:
    handoff = store.handoff(thread_id)
    if handoff is None:
        raise ApiError(404, "not_found", f"no handed-over conversation {thread_id}")
    return handoff  # type: ignore[no-any-return]


@router.get("/queue", response_model=list[QueueItem], summary="Conversations waiting for a person")
def queue(_: OperatorDep, store: StoreDep, status: str = "open") -> list[QueueItem]:
    return [
        QueueItem(
            thread_id=h["thread_id"],
            channel=h["channel"],
            summary=h["summary"],
            created_at=h["created_at"].isoformat(),
            status=h["status"],
        )
        for h in store.handoffs(None if status == "all" else status)
    ]


@router.get(
    "/conversations/{thread_id}", response_model=list[ChatMessage], summary="The whole conversation"
)
def read(thread_id: str, _: OperatorDep, runtime: RuntimeDep, store: StoreDep) -> list[ChatMessage]:
    _handoff(store, thread_id)
    return conversation(runtime, thread_id)


@router.post("/conversations/{thread_id}/reply", summary="Answer the customer (WhatsApp or web)")
async def reply(
    thread_id: str,
    body: OperatorReply,
    operator: OperatorDep,
    runtime: RuntimeDep,
    store: StoreDep,
    messenger: MessengerDep,
) -> dict[str, str]:
    def write() -> dict[str, Any]:
        handoff = _handoff(store, thread_id)
        if handoff["status"] != "open":
            raise ApiError(409, "not_open", "the conversation was released to the assistant")
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        runtime.graph.update_state(
            config, {"messages": [AIMessage(body.text, name="operator")]}, as_node="respond"
        )
        runtime.deps.audit.record(thread_id, "handoff", "operator_reply", f"reply by {operator}")
        if handoff["channel"] == "whatsapp":
            store.queue(handoff["user"], "text", {"text": body.text})
        return handoff

    # Never in the middle of a turn: the reply lands between two turns, on every channel.
    async with runtime.locks.hold(thread_id):
        handoff = await anyio.to_thread.run_sync(write)
    if handoff["channel"] == "whatsapp":
        await messenger.flush()
    return {"status": "sent"}


@router.post("/conversations/{thread_id}/release", summary="Give the conversation back to the bot")
async def release(
    thread_id: str,
    operator: OperatorDep,
    runtime: RuntimeDep,
    store: StoreDep,
    messenger: MessengerDep,
) -> dict[str, str]:
    def write() -> dict[str, Any]:
        handoff = _handoff(store, thread_id)
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        language = runtime.graph.get_state(config).values.get("language", "it")
        question = CSAT_QUESTION.get(language, CSAT_QUESTION["it"])
        runtime.graph.update_state(
            config, {"handoff": None, "messages": [AIMessage(question)]}, as_node="respond"
        )
        store.close_handoff(thread_id, operator)
        runtime.deps.audit.record(thread_id, "handoff", "released", f"released by {operator}")
        if handoff["channel"] == "whatsapp":
            store.queue(handoff["user"], "text", {"text": question})
        return handoff

    async with runtime.locks.hold(thread_id):
        handoff = await anyio.to_thread.run_sync(write)
    if handoff["channel"] == "whatsapp":
        await messenger.flush()
    return {"status": "released"}
