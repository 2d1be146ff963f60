"""The chat model (any OpenAI-compatible endpoint) and what the graph asks of it.

Every call here may fail or time out; callers then fall back to the offline brain for that
turn. The model never chooses the customer or the backend: tools are closures bound to the
identified customer.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import BaseModel

from graph.prompts.common import SUPERVISOR_SYSTEM
from graph.state import Route
from knowledge.schema import Hit

log = logging.getLogger("sportello.graph.llm")


# Why the offline brain answered instead of the model: counted for /metrics, logged each time.
FALLBACKS: Counter[str] = Counter()
_fallback_lock = threading.Lock()


def fell_back(step: str, exc: BaseException) -> None:
    """Record one fallback to the offline brain (`step`: routing, answer, tools)."""
    reason = "timeout" if "timeout" in type(exc).__name__.lower() else type(exc).__name__
    with _fallback_lock:
        FALLBACKS[f"{step}:{reason}"] += 1
    log.warning("llm %s failed, offline brain used", step, extra={"reason": reason})


def make_chat_model(
    base_url: str, model: str, api_key: str | None, *, timeout: float = 20.0
) -> BaseChatModel:
    """ChatOpenAI against any OpenAI-compatible endpoint; one retry, then the offline brain.
    Local servers (llama.cpp, vLLM) need no key: a placeholder is sent."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=base_url,
        model=model,
        api_key=api_key or "not-needed",  # type: ignore[arg-type]
        timeout=timeout,
        max_retries=1,
        temperature=0,
    )


class RouteDecision(BaseModel):
    """How to route one customer message."""

    route: Route
    urgency: Literal["emergency", "high", "normal"] = "normal"
    language: Literal["it", "en", "fr"] = "it"


def describe_stack(flow: Mapping[str, Any] | None, suspended: Sequence[Mapping[str, Any]]) -> str:
    """The dialogue stack in words, for the routing prompt: the procedure in progress (with
    its step) and the ones waiting underneath, most recent first."""
    parts = []
    if flow:
        parts.append(f"in progress: {flow.get('vertical')} (step {flow.get('step') or 'start'})")
    waiting = [str((s.get("flow") or {}).get("vertical")) for s in reversed(suspended)]
    if waiting:
        parts.append("waiting: " + ", ".join(waiting))
    return "; ".join(parts) or "none"


# The routing runnable of each model and method, built once: building it converts the
# schema to JSON each time (about 5 ms of every turn in LLM mode). Models are not hashable:
# keyed by identity, and checked to be the same object.
_ROUTERS: dict[tuple[int, str], tuple[BaseChatModel, Runnable[Any, Any]]] = {}
_routers_lock = threading.Lock()

# Work done while the model decides the route (embedding the question for the search that
# usually follows). One thread: the packaged embedder runs one text at a time anyway.
_AHEAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sportello-ahead")


def _router(model: BaseChatModel, method: str) -> Runnable[Any, Any]:
    key = (id(model), method)
    with _routers_lock:
        cached = _ROUTERS.get(key)
    if cached is None or cached[0] is not model:
        structured = model.with_structured_output(RouteDecision, method=method)  # type: ignore[arg-type]
        cached = (model, structured)
        with _routers_lock:
            if len(_ROUTERS) >= 32:  # models made and dropped (tests): start again
                _ROUTERS.clear()
            _ROUTERS[key] = cached
    return cached[1]


def llm_route(
    model: BaseChatModel,
    text: str,
    last_route: str | None,
    method: str = "function_calling",
    procedures: str = "none",
    meanwhile: Callable[[], None] | None = None,
) -> RouteDecision | None:
    """Structured routing by the LLM, or None if it fails (the caller falls back). A server
    that refuses tool choice or JSON schemas is asked again once in JSON mode. `procedures`
    is the dialogue stack (`describe_stack`).

    `meanwhile` runs in another thread while the model answers; it is cancelled if it has
    not started by then, else waited for, so its work is never done twice."""
    ahead = _AHEAD.submit(meanwhile) if meanwhile is not None else None
    try:
        return _route(model, text, last_route, method, procedures)
    finally:
        if ahead is not None and not ahead.cancel() and ahead.exception() is not None:
            log.debug("work ahead of the route failed", exc_info=ahead.exception())


def _route(
    model: BaseChatModel, text: str, last_route: str | None, method: str, procedures: str
) -> RouteDecision | None:
    system = SUPERVISOR_SYSTEM.format(last_route=last_route or "none", procedures=procedures)
    messages = [SystemMessage(system), HumanMessage(text)]
    methods = [method] if method == "json_mode" else [method, "json_mode"]
    for attempt, current in enumerate(methods):
        try:
            result = _router(model, current).invoke(messages)
        except Exception as exc:  # timeouts, HTTP errors, malformed output
            timed_out = "timeout" in type(exc).__name__.lower()
            if timed_out or attempt == len(methods) - 1:
                fell_back("routing", exc)
                return None
            log.info("structured output refused, trying JSON mode", extra={"method": current})
            continue
        return result if isinstance(result, RouteDecision) else None
    return None


GROUNDED_SYSTEM = """You are Lumea's customer-service assistant on WhatsApp (electricity, gas, \
water in Italy). Answer in {language_name}, in at most 4 short sentences, friendly and precise.
Use ONLY the numbered passages and tool results below. Every figure you write (amounts, \
percentages, dates, days, phone numbers) must appear in them. If they do not answer the \
question, say you could not find it and offer an operator. Do not mention passage numbers.

{context}"""

LANGUAGE_NAMES = {"it": "Italian", "en": "English", "fr": "French"}


def passages_context(hits: Sequence[Hit], tool_results: Sequence[str] = ()) -> str:
    parts = [f"[{i}] {h.title} — {h.section}\n{h.text}" for i, h in enumerate(hits, 1)]
    parts += [f"[tool] {r}" for r in tool_results]
    return "\n\n".join(parts)


def llm_grounded_answer(
    model: BaseChatModel,
    question: str,
    language: str,
    hits: Sequence[Hit],
    tool_results: Sequence[str] = (),
    correction: str | None = None,
) -> str | None:
    system = GROUNDED_SYSTEM.format(
        language_name=LANGUAGE_NAMES.get(language, "Italian"),
        context=passages_context(hits, tool_results),
    )
    messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(question)]
    if correction:
        messages.append(HumanMessage(correction))
    try:
        answer = model.invoke(messages)
    except Exception as exc:
        fell_back("answer", exc)
        return None
    text = answer.content if isinstance(answer.content, str) else ""
    return text.strip() or None


@dataclass
class ToolRun:
    reply: str | None
    actions: list[tuple[str, bool, dict[str, Any]]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    handed_over: bool = False  # the model called the `stop_at` tool


def run_tool_agent(
    model: BaseChatModel,
    system: str,
    question: str,
    tools: Sequence[BaseTool],
    max_rounds: int = 3,
    stop_at: str | None = None,
) -> ToolRun | None:
    """Let the model call the vertical's tools (bound to this customer), then answer.

    A tool error caused by the model's arguments goes back to it as a ToolMessage. A call to
    `stop_at` ends the run at once (`handed_over`). Returns None if the model fails or keeps
    calling tools, so the turn falls back to the offline flow.
    """
    by_name: dict[str, Callable[..., Any] | BaseTool] = {t.name: t for t in tools}
    run = ToolRun(reply=None)
    messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(question)]
    try:
        bound = model.bind_tools(list(tools))
        for _ in range(max_rounds + 1):
            answer = bound.invoke(messages)
            if not isinstance(answer, AIMessage):
                return None
            messages.append(answer)
            if not answer.tool_calls:
                run.reply = answer.content if isinstance(answer.content, str) else None
                return run
            if stop_at is not None and any(c["name"] == stop_at for c in answer.tool_calls):
                run.handed_over = True
                return run
            for call in answer.tool_calls:
                tool = by_name.get(call["name"])
                if tool is None:
                    content, ok = f"unknown tool {call['name']}", False
                else:
                    try:
                        content, ok = json.dumps(tool.invoke(call["args"]), default=str), True  # type: ignore[union-attr]
                    except Exception as exc:  # bad arguments from the model
                        content, ok = f"error: {exc}", False
                run.actions.append((call["name"], ok, dict(call["args"])))
                if ok:
                    run.evidence.append(content)
                messages.append(ToolMessage(content, tool_call_id=call["id"]))
    except Exception as exc:
        fell_back("tools", exc)
        return None
    return run
