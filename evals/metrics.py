"""Offline metrics, no LLM: routing, tool calls (ragas), retrieval ids and texts, references,
claims and latency. Each scores one case; `summarise` folds cases into figures."""

from __future__ import annotations

import asyncio
import math
import re
import statistics
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.claims import unsupported_figures
from graph.prompts.common import TEMPLATES
from knowledge.sparse import fold

with warnings.catch_warnings():  # the 0.4 single-turn classes are still the only ID-based ones
    warnings.simplefilter("ignore", DeprecationWarning)
    from ragas.dataset_schema import MultiTurnSample, SingleTurnSample
    from ragas.messages import AIMessage, HumanMessage, ToolCall
    from ragas.metrics import (  # type: ignore[attr-defined]
        IDBasedContextPrecision,
        IDBasedContextRecall,
        NonLLMContextRecall,
        NonLLMStringSimilarity,
        StringPresence,
    )
    from ragas.metrics.collections import RougeScore, ToolCallAccuracy, ToolCallF1

# Metrics where lower is better; every other metric is a share or a score in [0, 1].
LOWER_IS_BETTER = frozenset({"latency_p50_ms", "latency_p95_ms"})
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+")
_LIST_MARKER = re.compile(r"(?m)^\s*\d{1,2}[.)]\s")  # "4. Chiudi il rubinetto": no claim


@dataclass
class Turn:
    """One customer message and what the assistant did with it."""

    text: str
    reply: str
    route: str | None = None
    urgency: str = "normal"
    tools: list[str] = field(default_factory=list)  # actions that succeeded, in order
    failed_tools: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)  # cited passages and tool results
    latency_ms: float = 0.0


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


_DISCLOSURES = frozenset(TEMPLATES["disclosure"].values())
_SOURCES = tuple(f"{label}:" for label in set(TEMPLATES["sources"].values()))


def answer_text(reply: str) -> str:
    """The answer itself: without the AI disclosure and the sources line `respond` adds."""
    parts = [p for p in reply.split("\n\n") if p.strip()]
    kept = [p for p in parts if p.strip() not in _DISCLOSURES and not p.startswith(_SOURCES)]
    return "\n\n".join(kept)


# ------------------------------------------------------------------------------- routing


def confusion_matrix(pairs: Iterable[tuple[str, str | None]]) -> dict[str, dict[str, int]]:
    """Rows: the expected route; columns: the route the assistant took."""
    matrix: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for expected, predicted in pairs:
        matrix[expected][predicted or "none"] += 1
    return {row: dict(cols) for row, cols in sorted(matrix.items())}


def route_correct(expected: str, turn: Turn) -> float:
    return float(turn.route == expected)


def emergency_found(turn: Turn) -> float:
    """An emergency recognised: emergency urgency and the safety steps given."""
    return float(turn.urgency == "emergency" and "safety_instructions" in turn.tools)


def safety_sheet_given(reply: str, hazard: str, language: str) -> float:
    """1.0 when the reply gives every step of the hazard's safety sheet, in the customer's
    language, and the distributor's number (whitespace and case aside)."""
    from graph.safety import sheets
    from graph.verticals.outage.texts import DISTRIBUTORS

    sheet = sheets()[hazard]
    wanted = [*sheet.steps[language], DISTRIBUTORS[sheet.commodity][1]]
    said = " ".join(reply.split()).lower()
    return float(all(" ".join(w.split()).lower().rstrip(";.") in said for w in wanted))


# ---------------------------------------------------------------------------- tool calls


def multi_turn_sample(
    turns: Sequence[Turn], expected_tools: Sequence[str], forbidden_tools: Sequence[str] = ()
) -> MultiTurnSample:
    """The conversation as ragas messages, each turn's actions as the assistant's tool calls.

    Only the tools the case is about are kept as calls: the expected ones that succeeded
    (the same tool again in a row, a re-validation, counts once) and the forbidden ones
    however they ended; look-ups a procedure may do on the way are not judged.
    """
    expected, forbidden = set(expected_tools), set(forbidden_tools)
    messages: list[HumanMessage | AIMessage] = []
    previous = None
    for turn in turns:
        messages.append(HumanMessage(content=turn.text))
        calls = []
        for tool in [*turn.tools, *(t for t in turn.failed_tools if t in forbidden)]:
            if (tool in expected or tool in forbidden) and tool != previous:
                calls.append(ToolCall(name=tool, args={}))
                previous = tool
        messages.append(AIMessage(content=turn.reply, tool_calls=calls or None))
    return MultiTurnSample(
        user_input=messages,  # type: ignore[arg-type]
        reference_tool_calls=[ToolCall(name=tool, args={}) for tool in expected_tools],
    )


def tool_call_scores(
    turns: Sequence[Turn], expected_tools: Sequence[str], forbidden_tools: Sequence[str] = ()
) -> dict[str, float]:
    """ragas ToolCallAccuracy (the expected tools in order, nothing forbidden) and ToolCallF1
    (as sets: a forbidden call is a false positive). Actions carry no arguments, so both
    compare tool names."""
    sample = multi_turn_sample(turns, expected_tools, forbidden_tools)
    reference = sample.reference_tool_calls or []
    called = any(isinstance(m, AIMessage) and m.tool_calls for m in sample.user_input)

    async def both() -> tuple[float, float]:
        with warnings.catch_warnings():  # length mismatches warn; the score already says so
            warnings.simplefilter("ignore", UserWarning)
            accuracy = await ToolCallAccuracy().ascore(
                user_input=sample.user_input, reference_tool_calls=reference
            )
            f1 = await ToolCallF1().ascore(
                user_input=sample.user_input, reference_tool_calls=reference
            )
        return float(accuracy.value), float(f1.value)

    accuracy, f1 = _run(both())
    if not reference and not called:
        f1 = 1.0  # nothing expected, nothing called: ragas' F1 says 0, its accuracy says 1
    return {"tool_call_accuracy": accuracy, "tool_call_f1": f1}


# ----------------------------------------------------------------------------- retrieval


def _single(metric: Any, **columns: Any) -> float:
    value = _run(metric.single_turn_ascore(SingleTurnSample(**columns)))
    return float(value)


def id_context_scores(
    retrieved_ids: Sequence[str], reference_ids: Sequence[str]
) -> dict[str, float]:
    """ragas IDBasedContextPrecision/Recall on document ids (0 when nothing was retrieved)."""
    if not retrieved_ids:
        return {"id_context_precision": 0.0, "id_context_recall": 0.0}
    columns = {
        "retrieved_context_ids": list(dict.fromkeys(retrieved_ids)),
        "reference_context_ids": list(reference_ids),
    }
    return {
        "id_context_precision": _single(IDBasedContextPrecision(), **columns),
        "id_context_recall": _single(IDBasedContextRecall(), **columns),
    }


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(s.strip()) > 3]


def nonllm_context_recall(contexts: Sequence[str], reference: Sequence[str]) -> float:
    """ragas NonLLMContextRecall at sentence level: the share of reference sentences that a
    retrieved sentence matches (Levenshtein similarity over 0.5). Whole passages against a
    short reference never pass that threshold, so both sides are split into sentences."""
    retrieved = [s for c in contexts for s in sentences(c)]
    wanted = [s for r in reference for s in sentences(r)]
    if not wanted:
        return math.nan
    if not retrieved:
        return 0.0
    return _single(NonLLMContextRecall(), retrieved_contexts=retrieved, reference_contexts=wanted)


# ------------------------------------------------------------------------------- answers


def fact_presence(reply: str, facts: Sequence[str]) -> float:
    """Share of key facts the reply states (accents, case and spacing folded)."""
    if not facts:
        return math.nan
    text = " ".join(fold(reply).split())
    return sum(" ".join(fold(f).split()) in text for f in facts) / len(facts)


def string_presence(reply: str, facts: Sequence[str]) -> float:
    """ragas StringPresence (verbatim), averaged over the key facts."""
    if not facts:
        return math.nan
    metric = StringPresence()
    return statistics.fmean(_single(metric, reference=f, response=reply) for f in facts)


def reference_scores(reply: str, reference: str) -> dict[str, float]:
    """ragas RougeScore (ROUGE-L F1) and NonLLMStringSimilarity (Levenshtein) to a reference."""
    rouge = _run(RougeScore().ascore(reference=reference, response=reply))
    similarity = _single(NonLLMStringSimilarity(), reference=reference, response=reply)
    return {"rouge_l": float(rouge.value), "string_similarity": similarity}


def claims_supported(reply: str, evidence: Sequence[str]) -> float:
    """1 when every figure in the reply is in its evidence (graph.claims), else 0. Numbered
    steps' markers are not figures."""
    return float(not unsupported_figures(_LIST_MARKER.sub(" ", reply), evidence))


# ------------------------------------------------------------------------------- summary


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def mean(values: Iterable[float]) -> float:
    kept = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.fmean(kept) if kept else math.nan


def summarise(
    scores: Sequence[Mapping[str, float]], latencies_ms: Sequence[float]
) -> dict[str, float]:
    """Mean of each metric over the cases that have it, and turn latency p50/p95."""
    names = sorted({name for case in scores for name in case})
    summary = {name: mean(case[name] for case in scores if name in case) for name in names}
    if latencies_ms:
        summary["latency_p50_ms"] = percentile(latencies_ms, 50)
        summary["latency_p95_ms"] = percentile(latencies_ms, 95)
    return {k: v for k, v in summary.items() if not math.isnan(v)}


def counts(scores: Sequence[Mapping[str, float]]) -> dict[str, int]:
    """How many cases each metric was computed on."""
    found: dict[str, int] = defaultdict(int)
    for case in scores:
        for name, value in case.items():
            if not math.isnan(value):
                found[name] += 1
    return dict(sorted(found.items()))


def stdev(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return statistics.pstdev(kept) if len(kept) > 1 else 0.0


# ------------------------------------------------------------------------ judged (LLM) metrics

JUDGED = ("faithfulness", "factual_correctness", "response_relevancy", "llm_context_precision")


@dataclass(frozen=True)
class JudgeConfig:
    """An OpenAI-compatible endpoint for the judge: JUDGE_* first, else the assistant's LLM_*."""

    base_url: str
    model: str
    api_key: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> JudgeConfig | None:
        for prefix in ("JUDGE_", "LLM_"):
            values = [env.get(f"{prefix}{k}", "") for k in ("BASE_URL", "MODEL", "API_KEY")]
            if all(values):
                return cls(*values)
        return None


def e5_ragas_embeddings(embedder: Any) -> Any:
    """The packaged E5 model as ragas embeddings (questions are embedded as queries)."""
    from ragas.embeddings.base import BaseRagasEmbedding

    class E5RagasEmbeddings(BaseRagasEmbedding):
        def embed_text(self, text: str, **kwargs: Any) -> list[float]:
            return [float(x) for x in embedder.embed_queries([text])[0]]

        async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
            return self.embed_text(text)

        def embed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
            return [[float(x) for x in row] for row in embedder.embed_queries(texts)]

        async def aembed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
            return self.embed_texts(texts)

    return E5RagasEmbeddings()


class Judge:
    """ragas' LLM metrics through `llm_factory` on an OpenAI-compatible endpoint: Faithfulness,
    FactualCorrectness, ResponseRelevancy (with the packaged E5) and LLM ContextPrecision."""

    def __init__(
        self,
        config: JudgeConfig,
        embedder: Any = None,
        only: Sequence[str] = JUDGED,
        concurrency: int = 4,
    ) -> None:
        from openai import AsyncOpenAI
        from ragas.llms import llm_factory
        from ragas.metrics.collections import (
            AnswerRelevancy,
            ContextPrecision,
            FactualCorrectness,
            Faithfulness,
        )

        if embedder is None:
            from knowledge.embeddings import E5Embedder

            embedder = E5Embedder()
        client = AsyncOpenAI(base_url=config.base_url, api_key=config.api_key, max_retries=1)
        llm = llm_factory(config.model, client=client)
        built = {
            "faithfulness": lambda: Faithfulness(llm=llm),
            "factual_correctness": lambda: FactualCorrectness(llm=llm),
            "response_relevancy": lambda: AnswerRelevancy(
                llm=llm, embeddings=e5_ragas_embeddings(embedder), strictness=1
            ),
            "llm_context_precision": lambda: ContextPrecision(llm=llm),
        }
        self.metrics = {name: built[name]() for name in only}
        self.concurrency = concurrency

    def _inputs(
        self, name: str, question: str, answer: str, contexts: list[str], reference: str | None
    ) -> dict[str, Any] | None:
        if not answer or not contexts:
            return None  # nothing to judge: a procedure step or a template
        if name == "faithfulness":
            return {"user_input": question, "response": answer, "retrieved_contexts": contexts}
        if name == "response_relevancy":
            return {"user_input": question, "response": answer}
        if reference is None:
            return None
        if name == "factual_correctness":
            return {"response": answer, "reference": reference}
        return {"user_input": question, "reference": reference, "retrieved_contexts": contexts}

    def score(self, results: Sequence[Any], repeats: int = 1) -> dict[str, dict[str, float]]:
        """Scores each case (its first question, last answer and all its contexts) `repeats`
        times; stores each case's mean in `result.judged`; returns per metric the mean over
        cases, and the standard deviation of that mean over the repeats."""
        jobs: list[tuple[Any, str, dict[str, Any]]] = []
        for result in results:
            question = result.turns[0].input
            answer = answer_text(result.turns[-1].output or "")
            reference = result.expected.get("reference")
            for name in self.metrics:
                inputs = self._inputs(name, question, answer, result.contexts, reference)
                if inputs is not None:
                    jobs.append((result, name, inputs))

        async def run_all() -> list[list[float]]:
            limit = asyncio.Semaphore(self.concurrency)

            async def one(name: str, inputs: dict[str, Any]) -> float:
                async with limit:
                    try:
                        return float((await self.metrics[name].ascore(**inputs)).value)
                    except Exception:  # a judge that fails to answer is a missing score
                        return math.nan

            rounds = []
            for _ in range(repeats):
                rounds.append(await asyncio.gather(*(one(n, i) for _, n, i in jobs)))
            return rounds

        rounds = _run(run_all())
        figures: dict[str, dict[str, float]] = {}
        for name in self.metrics:
            indices = [k for k, (_, n, _) in enumerate(jobs) if n == name]
            if not indices:
                continue
            per_round = [mean(r[k] for k in indices) for r in rounds]
            figures[name] = {
                "mean": mean(per_round),
                "std": stdev(per_round),
                "cases": float(sum(not math.isnan(rounds[0][k]) for k in indices)),
            }
            for k in indices:
                result = jobs[k][0]
                result.judged[name] = mean(r[k] for r in rounds)
        return {k: v for k, v in figures.items() if not math.isnan(v["mean"])}
