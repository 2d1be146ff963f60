"""Deterministic stand-ins for chat models: scripted answers, and a record of what was shown."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI, Request
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

_ids = itertools.count(1)


def tool_call(name: str, **args: Any) -> AIMessage:
    """An assistant message that calls one tool (or returns a structured output)."""
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}"}])


class ScriptedChatModel(BaseChatModel):
    """Answers with the scripted messages in order (an Exception is raised instead) and
    records every prompt it was shown and every tool list bound to it."""

    answers: list[Any] = Field(default_factory=list)
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[list[str]] = Field(default_factory=list)

    @classmethod
    def script(cls, *answers: AIMessage | str | Exception) -> ScriptedChatModel:
        return cls(answers=list(answers))

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        names = [getattr(t, "name", None) or getattr(t, "__name__", str(t)) for t in tools]
        self.bound_tools.append(names)
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
        self.seen.append(list(messages))
        if not self.answers:
            raise AssertionError("the scripted model was called more times than scripted")
        value = self.answers.pop(0)
        if isinstance(value, Exception):
            raise value
        message = AIMessage(value) if isinstance(value, str) else value
        return ChatResult(generations=[ChatGeneration(message=message)])


def stub_openai_app(script: list[dict[str, Any]]) -> Any:
    """A local OpenAI-compatible chat server that answers with the scripted messages in order.

    Each script item is {"content": str} or {"tool_calls": [{"name", "arguments"}]}; the
    server records the requests it received in `app.state.requests`.
    """
    app = FastAPI()
    app.state.requests = []
    answers: Iterator[dict[str, Any]] = iter(script)

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> dict[str, Any]:
        body = await request.json()
        app.state.requests.append(body)
        answer = next(answers)
        message: dict[str, Any] = {"role": "assistant", "content": answer.get("content")}
        if "tool_calls" in answer:
            message["tool_calls"] = [
                {
                    "id": f"call_{i}",
                    "type": "function",
                    "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
                }
                for i, c in enumerate(answer["tool_calls"])
            ]
        return {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if "tool_calls" in answer else "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    return app


class ServerThread:
    """uvicorn serving an app on 127.0.0.1 with a free port, in a background thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
