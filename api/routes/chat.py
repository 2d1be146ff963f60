"""POST /v1/chat: one turn for the web chat and integrations (the same result as `ask --json`)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import RuntimeDep, StoreDep
from api.errors import ApiError
from api.messaging import CSAT_THANKS, SCORE
from graph.turn import TurnResult, thread_for

router = APIRouter(prefix="/v1/chat", tags=["chat"])


class ChatRequest(BaseModel):
    user: str = Field(min_length=1, max_length=64, examples=["web-42"])
    text: str = Field(min_length=1, max_length=4096, examples=["vorrei pagare a rate"])
    thread_id: str | None = Field(default=None, max_length=128)


class ChatMessage(BaseModel):
    index: int
    role: str  # customer | assistant | operator
    text: str


@router.post("", response_model=TurnResult, summary="One customer turn")
async def chat(request: ChatRequest, runtime: RuntimeDep, store: StoreDep) -> TurnResult:
    received = store.now()
    thread = request.thread_id or thread_for("web", request.user)
    handoff = store.handoff(thread)
    if handoff and handoff["csat_pending"] and (score := SCORE.match(request.text)):
        store.record_csat(thread, int(score.group(1)))
        state = runtime.graph.get_state({"configurable": {"thread_id": thread}}).values
        language = state.get("language", "it")
        return TurnResult(
            thread_id=thread,
            reply=CSAT_THANKS[language],
            route="general",
            urgency="normal",
            language=language,
            handoff=False,
            citations=[],
            actions=[],
        )
    result = await anyio.to_thread.run_sync(
        lambda: runtime.ask(request.text, user=request.user, thread_id=thread, channel="web")
    )
    state = runtime.graph.get_state({"configurable": {"thread_id": thread}}).values
    if result.handoff and state.get("handoff"):
        store.open_handoff(thread, request.user, "web", state["handoff"]["summary"])
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
    return result


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
)
def messages(thread_id: str, runtime: RuntimeDep, after: int = -1) -> list[ChatMessage]:
    # Only web-chat threads, whose ids are random per browser session; WhatsApp threads are
    # served to authenticated operators only.
    if not thread_id.startswith("web:"):
        raise ApiError(404, "not_found", "no such web chat thread")
    return [m for m in conversation(runtime, thread_id) if m.index > after]
