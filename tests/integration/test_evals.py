"""`sportello eval` end to end: reports, the gate against a baseline, a planted regression,
--impacted-by, and the LLM judge against a local OpenAI-compatible stub over real HTTP."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request

from evals.datasets import DATASETS
from tests.conftest import run_cli
from tests.fakes import ServerThread
from tests.helpers import copy_data_dir

ROUTING = str(DATASETS / "routing.jsonl")
RETRIEVAL = str(DATASETS / "retrieval_test.jsonl")
PROCEDURES = [
    {
        "id": "gate-inst-consent",
        "language": "it",
        "vertical": "instalments",
        "turns": ["posso pagare la bolletta del gas a rate?", "LM00010001", "123456", "6", "sì"],
        "expected_tools": ["check_instalment_eligibility", "create_instalment_plan"],
    },
    {
        "id": "gate-read-gas",
        "language": "it",
        "vertical": "self_reading",
        "turns": ["vorrei comunicare l'autolettura del gas", "LM00010010", "123456", "7470"],
        "expected_tools": ["record_reading"],
    },
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, corpus_ingest, classifier) -> Path:  # type: ignore[no-untyped-def]
    """The ingested corpus and the classifier's cached examples, shared by this module."""
    data = tmp_path_factory.mktemp("eval") / "data"
    copy_data_dir(corpus_ingest[0], data)
    _ = classifier.matrix  # embed the intent examples once, then copy the cache
    (data / "cache").mkdir(exist_ok=True)
    for cached in classifier.cache_dir.glob("*.npy"):
        shutil.copy(cached, data / "cache" / cached.name)
    return data


@pytest.fixture(scope="module")
def procedures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sets") / "procedures_gate.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in PROCEDURES) + "\n")
    return path


def _eval(data_dir: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_cli("eval", *args, data_dir=data_dir, env=env)


@pytest.fixture(scope="module")
def first_run(data_dir: Path, procedures: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("first")
    done = _eval(
        data_dir,
        *("--dataset", ROUTING, "--dataset", RETRIEVAL, "--dataset", str(procedures)),
        *("--limit", "3", "--out", str(out), "--baseline", "none"),
        *("--save-baseline", str(out / "baseline.json")),
    )
    return done, out


def test_eval_writes_both_reports_and_a_baseline(first_run) -> None:  # type: ignore[no-untyped-def]
    done, out = first_run
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["meta"]["cases"] == 8
    assert {c["dataset"] for c in report["cases"]} == {
        "routing",
        "retrieval_test",
        "procedures_gate",
    }
    for key in ("by_vertical", "by_language", "by_dataset"):
        assert report[key] and all(isinstance(v, dict) for v in report[key].values())
    overall = report["overall"]
    for metric in ("route_accuracy", "tool_call_accuracy", "tool_call_f1", "id_context_recall"):
        assert 0.0 <= overall[metric] <= 1.0, metric
    assert overall["latency_p95_ms"] >= overall["latency_p50_ms"] > 0
    procedure = next(c for c in report["cases"] if c["id"] == "gate-inst-consent")
    assert procedure["scores"]["tool_call_accuracy"] == 1.0, procedure["turns"]
    assert procedure["inputs"][1] == "LM00010001" and len(procedure["outputs"]) == 5
    knowledge = next(
        c for c in report["cases"] if c["dataset"] == "retrieval_test" and c["doc_ids"]
    )
    assert knowledge["contexts"] and "rouge_l" in knowledge["scores"]
    assert "| route_accuracy |" in done.stdout

    page = (out / "report.html").read_text()
    assert page.count("<svg") >= 5  # overall, vertical, language, confusion, latency
    assert 'id="failures"' in page or "No failing case" in page
    assert "<script>" in page and "sortable" in page
    assert not re.search(r'(src|href)="http|<link|@import', page)  # self-contained

    baseline = json.loads((out / "baseline.json").read_text())
    assert {c["id"] for c in baseline["cases"]} == {c["id"] for c in report["cases"]}
    assert "contexts" not in baseline["cases"][0]


def test_the_same_run_passes_its_own_baseline_and_a_planted_regression_fails(  # type: ignore[no-untyped-def]
    first_run, data_dir: Path, procedures: Path, tmp_path: Path
) -> None:
    _, first = first_run
    baseline = str(first / "baseline.json")
    same = _eval(
        data_dir,
        *("--dataset", str(procedures), "--out", str(tmp_path / "same"), "--baseline", baseline),
    )
    assert same.returncode == 0, same.stdout[-2000:] + same.stderr[-2000:]
    assert "gate passed" in same.stdout

    broken = _eval(
        data_dir,
        *("--dataset", str(procedures), "--out", str(tmp_path / "broken"), "--baseline", baseline),
        *("--disable", "instalments", "--save-baseline", str(tmp_path / "lowered.json")),
    )
    assert broken.returncode == 1, broken.stderr[-2000:]
    assert "GATE FAILED" in broken.stderr
    # a failing run never becomes the reference (it was saved, lowering the bar it failed)
    assert not (tmp_path / "lowered.json").exists()
    assert "baseline not saved" in broken.stderr
    failing = [line for line in broken.stderr.splitlines() if "tool_call_accuracy" in line]
    assert any("vertical:instalments" in line and "gate-inst-consent" in line for line in failing)
    assert not any("gate-read-gas" in line for line in failing)  # self-reading still works
    report = json.loads((tmp_path / "broken" / "report.json").read_text())
    assert report["gate"]["passed"] is False
    assert "gate-inst-consent" in (tmp_path / "broken" / "report.html").read_text()


def test_a_dated_case_is_answered_by_the_tariff_in_force_on_its_day(
    data_dir: Path, tmp_path: Path
) -> None:
    """A knowledge case with `as_of` runs on that day: last year's question about the fixed
    offer gets last year's sheet; the next, undated case is back on the evaluation day."""
    question = "luce fissa lumea: quanto è la quota fissa all'anno?"
    cases = [
        {"id": "dated-2025", "as_of": "2025-05-10", "facts": ["108 €/anno"]},
        {"id": "undated", "as_of": None, "facts": ["114 €/anno"]},
    ]
    dataset = tmp_path / "retrieval_dated.jsonl"
    dataset.write_text(
        "\n".join(
            json.dumps(
                {
                    **c,
                    "question": question,
                    "language": "it",
                    "expected_doc_ids": ["offerta-luce-fissa"],
                },
                ensure_ascii=False,
            )
            for c in cases
        )
        + "\n"
    )
    done = _eval(
        data_dir, "--dataset", str(dataset), "--out", str(tmp_path / "out"), "--baseline", "none"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = {
        c["id"]: c for c in json.loads((tmp_path / "out" / "report.json").read_text())["cases"]
    }
    for case in cases:
        result = report[case["id"]]
        assert result["scores"]["fact_presence"] == 1.0, result["outputs"]
    assert "114" not in report["dated-2025"]["outputs"][0]
    assert "108" not in report["undated"]["outputs"][0]


def test_impacted_by_reruns_only_touched_cases_and_shows_changed_answers(  # type: ignore[no-untyped-def]
    first_run, data_dir: Path, tmp_path: Path
) -> None:
    _, first = first_run
    baseline = json.loads((first / "baseline.json").read_text())
    cited = next(c for c in baseline["cases"] if c["doc_ids"])
    doc_id = cited["doc_ids"][0]
    cited["outputs"] = ["Una risposta vecchia, prima della modifica del documento."]
    edited = tmp_path / "baseline.json"
    edited.write_text(json.dumps(baseline))
    touched = {
        c["id"] for c in baseline["cases"] if doc_id in c["doc_ids"] + c["reference_doc_ids"]
    }

    done = _eval(
        data_dir,
        *("--dataset", ROUTING, "--dataset", RETRIEVAL, "--limit", "3"),
        *("--out", str(tmp_path / "out"), "--baseline", str(edited), "--impacted-by", doc_id),
    )
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert {c["id"] for c in report["cases"]} == touched - {"gate-inst-consent", "gate-read-gas"}
    assert done.returncode == 0, done.stderr[-2000:]  # scores unchanged; only the text differs
    assert f"=== {cited['id']} (answer changed)" in done.stdout
    assert "Una risposta vecchia" in done.stdout
    page = (tmp_path / "out" / "report.html").read_text()
    assert "Answers that changed" in page and "Una risposta vecchia" in page


# ------------------------------------------------------------------------------- the judge


def _judge_app() -> FastAPI:
    """An OpenAI-compatible stub answering each ragas prompt with valid JSON for the schema
    instructor put in the system message (ragas 0.4 uses JSON mode)."""
    app = FastAPI()
    app.state.requests = []

    def answer(title: str, prompt: str) -> dict[str, Any]:
        if title == "StatementGeneratorOutput":
            return {"statements": ["Lumea non interrompe la fornitura durante la voltura."]}
        if title == "ClaimDecompositionOutput":
            return {"claims": ["La voltura non interrompe la fornitura."]}
        if title == "NLIStatementOutput":
            return {
                "statements": [
                    {
                        "statement": "La voltura non interrompe la fornitura.",
                        "reason": "detto",
                        "verdict": 1,
                    }
                ]
            }
        if title == "AnswerRelevanceOutput":
            return {"question": "Come metto le bollette a mio nome?", "noncommittal": 0}
        if title == "ContextPrecisionOutput":
            return {"reason": "the context answers the question", "verdict": 1}
        raise AssertionError(f"unexpected prompt schema {title}: {prompt[:200]}")

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> dict[str, Any]:
        body = await request.json()
        app.state.requests.append(body)
        system = next(m["content"] for m in body["messages"] if m["role"] == "system")
        titles = re.findall(
            r'"title": "(\w+)",\s*"type": "object"\s*}\s*$', system.split("Make sure")[0].strip()
        )
        content = answer(titles[-1] if titles else "", body["messages"][-1]["content"])
        return {
            "id": "chatcmpl-judge",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": json.dumps(content)},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    return app


def test_judge_scores_through_an_openai_compatible_endpoint(data_dir: Path, tmp_path: Path) -> None:
    # One held-out knowledge question that the assistant answers from the documents (the
    # judge path is under test here, not routing).
    (question,) = [
        line
        for line in Path(RETRIEVAL).read_text(encoding="utf-8").splitlines()
        if '"ret-t-004"' in line
    ]
    dataset = tmp_path / "retrieval_judge.jsonl"
    dataset.write_text(question + "\n", encoding="utf-8")
    app = _judge_app()
    with ServerThread(app) as url:
        done = _eval(
            data_dir,
            *("--dataset", str(dataset), "--judge", "--repeats", "2"),
            *("--out", str(tmp_path), "--baseline", "none"),
            env={
                "JUDGE_BASE_URL": f"{url}/v1",
                "JUDGE_MODEL": "stub-judge",
                "JUDGE_API_KEY": "test-key",
            },
        )
    assert done.returncode == 0, done.stderr[-3000:]
    judged = json.loads((tmp_path / "report.json").read_text())["judged"]
    assert judged["faithfulness"] == {"mean": 1.0, "std": 0.0, "cases": 1.0}
    assert judged["factual_correctness"]["mean"] == 1.0
    assert judged["llm_context_precision"]["mean"] == pytest.approx(1.0)
    assert 0.5 < judged["response_relevancy"]["mean"] <= 1.0  # E5 similarity of two questions
    assert "judge faithfulness: 1.000 ± 0.000" in done.stdout
    models = {r["model"] for r in app.state.requests}
    assert models == {"stub-judge"}
    assert all(r["response_format"] == {"type": "json_object"} for r in app.state.requests)


def test_the_html_report_renders_its_charts_in_chromium(first_run) -> None:  # type: ignore[no-untyped-def]
    """Open report.html in real headless Chromium: the charts have a size, no script fails,
    and a screenshot is kept as a test artefact."""
    from tests.browser import ARTIFACTS, CHROMIUM_ARGS, chromium_or_skip

    executable = chromium_or_skip()
    playwright_api = pytest.importorskip("playwright.sync_api")
    done, out = first_run
    assert done.returncode == 0, done.stderr[-3000:]
    errors: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((out / "report.html").resolve().as_uri())
        charts = page.locator("svg")
        assert charts.count() >= 5
        sizes = [charts.nth(i).bounding_box() for i in range(charts.count())]
        assert all(box and box["width"] > 50 and box["height"] > 20 for box in sizes), sizes
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "eval-report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert not errors, errors
    assert shot.stat().st_size > 10_000
