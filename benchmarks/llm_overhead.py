"""The framework's own time per turn in LLM mode, against a stub model of fixed latency.

python -m benchmarks.llm_overhead [--latency 0.5] [--turns 20] [--data-dir DIR]

A local OpenAI-compatible server answers every call after `--latency` seconds (routing as a
tool call, answers as text). Each turn's wall time minus the time the model spent is
Sportello's overhead: classification, retrieval, the claim check, the graph and the
checkpointer. Target: at most 5% of the model's time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request

from benchmarks._corpus import corpus_knowledge_base
from evals.datasets import DATASETS, RetrievalCase, load_jsonl
from knowledge.settings import Settings
from tests.fakes import ServerThread  # the same local server the tests use


def stub_model_app(latency: float) -> Any:
    """An OpenAI-compatible chat server that takes `latency` seconds per call."""
    app = FastAPI()
    app.state.calls = 0

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> dict[str, Any]:
        body = await request.json()
        await asyncio.sleep(latency)
        app.state.calls += 1
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if body.get("tools"):
            arguments = {"route": "bonus", "urgency": "normal", "language": "it"}
            message["tool_calls"] = [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "RouteDecision", "arguments": json.dumps(arguments)},
                }
            ]
        else:
            message["content"] = "Il bonus sociale è automatico: basta presentare la DSU."
        return {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "stub"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    return app


def main() -> None:
    from api.runtime import build_runtime

    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per model call")
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, help="re-use this data dir (default: fresh)")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="sportello-bench-"))
    corpus_knowledge_base(data_dir).close()
    questions = [c.question for c in load_jsonl(DATASETS / "retrieval_dev.jsonl", RetrievalCase)]
    app = stub_model_app(args.latency)
    with ServerThread(app) as base:
        url = f"{base}/v1"
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            sportello_data_dir=data_dir,
            llm_base_url=url,
            llm_model="stub",
            llm_timeout=30,
        )
        runtime = build_runtime(settings)
        # Models loaded (embeddings, language identifier) before the clock starts.
        runtime.ask("come funziona il bonus sociale?", user="bench-warm-up")
        if not app.state.calls:
            raise SystemExit("the stub model was never called: is LLM mode on?")
        overheads, model_share = [], []
        for n, question in enumerate(questions[: args.turns]):
            calls = app.state.calls
            started = time.perf_counter()
            runtime.ask(question, user=f"bench-{n}")
            elapsed = time.perf_counter() - started
            model_time = (app.state.calls - calls) * args.latency
            overheads.append(elapsed - model_time)
            model_share.append(model_time)
        runtime.close()
    ratio = [o / m for o, m in zip(overheads, model_share, strict=True) if m]
    print(
        f"{len(overheads)} turns, stub model {args.latency * 1000:.0f} ms per call, "
        f"{statistics.mean(model_share) / args.latency:.1f} calls per turn"
    )
    print(
        f"framework overhead per turn: p50 {statistics.median(overheads) * 1000:.0f} ms, "
        f"mean {statistics.mean(overheads) * 1000:.0f} ms; "
        f"{statistics.median(ratio) * 100:.1f}% of the model's time (p50, target <= 5%)"
    )


if __name__ == "__main__":
    main()
