"""LLM mode: scripted fake chat models per call, and a real ChatOpenAI against a local stub."""

from __future__ import annotations

import json
import threading

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from langchain_core.messages import SystemMessage, ToolMessage

from graph.llm import RouteDecision, describe_stack, llm_route
from knowledge.glossary import expand_query
from tests.conftest import converse
from tests.fakes import ScriptedChatModel, ServerThread, stub_openai_app, tool_call

GIULIA = "LM00010001"
BONUS_QUESTION = "qual è la soglia ISEE per avere il bonus sociale?"


def route(name: str, language: str = "it", urgency: str = "normal"):  # type: ignore[no-untyped-def]
    return tool_call(RouteDecision.__name__, route=name, urgency=urgency, language=language)


def _system_texts(model: ScriptedChatModel) -> list[str]:
    return [m.content for call in model.seen for m in call if isinstance(m, SystemMessage)]  # type: ignore[misc]


def test_llm_routes_and_answers_only_from_the_passages(make_graph) -> None:
    model = ScriptedChatModel.script(
        route("bonus"),
        "Il bonus sociale spetta alle famiglie con ISEE fino a 9.796 €, riconosciuto in automatico.",
    )
    graph, _ = make_graph(chat_model=model)
    (result,) = converse(graph, BONUS_QUESTION)
    assert result.route == "bonus"
    assert "9.796 €" in (result.reply or "")
    assert result.citations
    routing_prompt, answer_prompt = _system_texts(model)
    assert "Previous route in this conversation: none" in routing_prompt
    assert "Procedures: none." in routing_prompt
    assert "Use ONLY the numbered passages" in answer_prompt
    assert "9.796" in answer_prompt  # the model was shown the passage it quotes
    assert model.bound_tools[0] == ["RouteDecision"]


def test_invented_figures_are_regenerated_then_replaced_by_an_extract(make_graph) -> None:
    model = ScriptedChatModel.script(
        route("bonus"),
        "Il bonus vale 999 € per tutti.",
        "Il bonus vale sempre 1234 € all'anno.",
    )
    graph, _ = make_graph(chat_model=model)
    (result,) = converse(graph, BONUS_QUESTION)
    reply = result.reply or ""
    assert "999" not in reply and "1234" not in reply
    assert result.citations  # the extractive answer, still cited
    correction = model.seen[2][-1].content
    assert "999" in correction and "only figures from the passages" in correction


def _model_waits_for(monkeypatch) -> threading.Event:  # type: ignore[no-untyped-def]
    """The scripted model answers once the returned event is set: a real model takes longer
    than the work done meanwhile, and the test does not depend on threads' timing."""
    event = threading.Event()
    generate = ScriptedChatModel._generate

    def thinking(self, messages, *args, **kwargs):  # type: ignore[no-untyped-def]
        event.wait(30)
        return generate(self, messages, *args, **kwargs)

    monkeypatch.setattr(ScriptedChatModel, "_generate", thinking)
    return event


def test_the_question_is_embedded_while_the_model_decides_the_route(
    make_graph, monkeypatch
) -> None:
    """The search's query vector is computed in another thread during the routing call, and
    not again by the search (LLM-mode overhead: 51 -> 34 ms per turn, benchmarks/)."""
    model = ScriptedChatModel.script(
        route("bonus"),
        "Il bonus sociale spetta alle famiglie con ISEE fino a 9.796 €, riconosciuto in automatico.",
    )
    graph, deps = make_graph(chat_model=model)
    embedder = deps.retriever.embedder
    encoded: list[tuple[str, str]] = []
    encode = embedder._embed
    question = "qual è il limite ISEE per ottenere il bonus sociale?"
    ahead = _model_waits_for(monkeypatch)

    def spy(texts, kind):  # type: ignore[no-untyped-def]
        encoded.extend((text, threading.current_thread().name) for text in texts)
        ahead.set()
        return encode(texts, kind)

    monkeypatch.setattr(embedder, "_embed", spy)
    (result,) = converse(graph, question)
    assert result.route == "bonus" and result.citations and "9.796 €" in (result.reply or "")
    searched = [thread for text, thread in encoded if text == expand_query(question)]
    assert len(searched) == 1 and searched[0].startswith("sportello-ahead"), encoded


def test_work_ahead_of_the_route_never_breaks_it(monkeypatch) -> None:
    model = ScriptedChatModel.script(route("billing"), route("bonus"))
    started = _model_waits_for(monkeypatch)

    def fails() -> None:
        started.set()
        raise RuntimeError("embedder down")

    decision = llm_route(model, "perché la bolletta è alta?", None, meanwhile=fails)
    assert decision is not None and decision.route == "billing" and started.is_set()
    monkeypatch.undo()
    # The routing runnable is built once per model and method (it converts the schema).
    again = llm_route(model, "e il bonus?", "billing")
    assert again is not None and again.route == "bonus"
    assert model.bound_tools == [["RouteDecision"]]


def test_a_failing_llm_falls_back_to_the_offline_brain_for_that_turn(make_graph) -> None:
    model = ScriptedChatModel.script(TimeoutError("slow"), TimeoutError("slow"))
    graph, _ = make_graph(chat_model=model)
    (result,) = converse(graph, BONUS_QUESTION)
    assert result.route == "bonus"  # offline classifier
    assert result.citations and result.reply


def test_emergencies_never_wait_for_the_llm(make_graph) -> None:
    model = ScriptedChatModel.script()  # any call would fail the test
    graph, _ = make_graph(chat_model=model)
    (result,) = converse(graph, "c'è odore di gas in cantina")
    assert result.urgency == "emergency" and "800 900 222" in (result.reply or "")
    assert model.seen == []


def test_billing_tools_are_bound_to_the_identified_customer(make_graph) -> None:
    model = ScriptedChatModel.script(
        route("billing"),
        route("billing"),
        route("billing"),
        tool_call("list_bills"),
        "La tua ultima bolletta del gas è di 628,47 € e scade il 13/12/2026.",
    )
    graph, deps = make_graph(chat_model=model)
    results = converse(graph, "spiegami la mia ultima bolletta", GIULIA, "123456")
    final = results[-1]
    assert [a.tool for a in final.actions] == ["list_bills"] and final.actions[0].ok
    assert model.bound_tools[-1] == [
        "list_supplies",
        "list_bills",
        "bill_details",
        "hand_to_procedure",
    ]
    tool_messages = [m for m in model.seen[-1] if isinstance(m, ToolMessage)]
    assert "628.47" in tool_messages[0].content  # the real bill, read for this customer only
    assert "628,47 €" in (final.reply or "")


def test_real_chat_openai_client_through_a_local_stub_server(make_graph) -> None:
    from langchain_openai import ChatOpenAI

    app = stub_openai_app(
        [
            {
                "tool_calls": [
                    {
                        "name": "RouteDecision",
                        "arguments": {"route": "bonus", "urgency": "normal", "language": "it"},
                    }
                ]
            },
            {"content": "Con ISEE fino a 9.796 € il bonus è automatico: basta presentare la DSU."},
        ]
    )
    with ServerThread(app) as url:
        model = ChatOpenAI(
            base_url=f"{url}/v1",
            api_key="test-key",
            model="stub-model",  # type: ignore[arg-type]
            timeout=10,
            max_retries=0,
        )
        graph, _ = make_graph(chat_model=model)
        (result,) = converse(graph, BONUS_QUESTION)
    assert "9.796 €" in (result.reply or "") and result.route == "bonus"
    first, second = app.state.requests
    assert first["model"] == "stub-model"
    assert first["tools"][0]["function"]["name"] == "RouteDecision"
    assert "9.796" in second["messages"][0]["content"]


def _no_tools_server():  # type: ignore[no-untyped-def]
    """A local OpenAI-compatible server without tool choice (as some llama.cpp builds)."""
    app = FastAPI()
    app.state.requests = []

    @app.post("/v1/chat/completions")
    async def completions(request: Request):  # type: ignore[no-untyped-def]
        body = await request.json()
        app.state.requests.append(body)
        if "tools" in body:
            return JSONResponse({"error": {"message": "tools are not supported"}}, 400)
        if body.get("response_format", {}).get("type") == "json_object":
            content = json.dumps({"route": "bonus", "urgency": "normal", "language": "it"})
        else:
            content = "Con ISEE fino a 9.796 € il bonus è automatico: basta presentare la DSU."
        return {
            "id": "chatcmpl-local",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "local"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    return app


def test_a_server_without_tool_choice_is_asked_in_json_mode_with_no_key(make_graph) -> None:
    from graph.llm import FALLBACKS, make_chat_model

    app = _no_tools_server()
    before = sum(FALLBACKS.values())
    with ServerThread(app) as url:
        model = make_chat_model(f"{url}/v1", "local-gguf", None, timeout=10)
        graph, _ = make_graph(chat_model=model)
        (result,) = converse(graph, BONUS_QUESTION)
    assert result.route == "bonus" and "9.796 €" in (result.reply or "")
    formats = [r.get("response_format", {}).get("type") for r in app.state.requests]
    assert "tools" in app.state.requests[0] and formats[1] == "json_object"
    assert sum(FALLBACKS.values()) == before  # JSON mode answered: no fallback to offline


def test_every_fallback_is_counted_by_step_and_reason(make_graph) -> None:
    from graph.llm import FALLBACKS

    model = ScriptedChatModel.script(TimeoutError("slow"), TimeoutError("slow"))
    graph, _ = make_graph(chat_model=model)
    routing, answer = FALLBACKS["routing:timeout"], FALLBACKS["answer:timeout"]
    converse(graph, BONUS_QUESTION)
    assert FALLBACKS["routing:timeout"] == routing + 1
    assert FALLBACKS["answer:timeout"] == answer + 1


# --------------------------------------------------------------------------- agent steps


def _identified(*answers):  # type: ignore[no-untyped-def]
    """The script for three turns (question, code, one-time code) routed by the model, then
    the agent step's answers on the third."""
    return ScriptedChatModel.script(
        route("payments"), route("payments"), route("payments"), *answers
    )


def test_every_vertical_agent_reads_the_identified_customers_data_with_its_tools(
    make_graph,
) -> None:
    model = _identified(tool_call("list_payments"), "PLACEHOLDER")
    graph, deps = make_graph(chat_model=model)
    paid = sorted(deps.backend.list_payments(GIULIA), key=lambda p: p.paid_on)[-1]
    amount = f"{paid.amount:.2f}".replace(".", ",")
    model.answers[-1] = f"Il tuo ultimo pagamento è di {amount} €."
    *_, final = converse(graph, "mostrami i miei ultimi pagamenti", GIULIA, "123456")
    assert final.route == "payments" and f"{amount} €" in (final.reply or "")
    assert [(a.tool, a.ok) for a in final.actions] == [("list_payments", True)]
    assert model.bound_tools[-1] == [
        "list_supplies",
        "list_unpaid_bills",
        "list_payments",
        "hand_to_procedure",
    ]
    shown = [m for m in model.seen[-1] if isinstance(m, ToolMessage)][0].content
    payments = json.loads(shown)
    assert payments and {p["customer_code"] for p in payments} == {GIULIA}  # hers only
    (system,) = [m for m in model.seen[-1] if isinstance(m, SystemMessage)]
    assert "hand_to_procedure" in str(system.content)


def test_a_request_to_do_something_is_handed_to_the_procedure(make_graph) -> None:
    model = ScriptedChatModel.script(
        route("instalments"), route("instalments"), route("instalments"),
        tool_call("hand_to_procedure"),
    )  # fmt: skip
    graph, deps = make_graph(chat_model=model)
    *_, final = converse(graph, "voglio pagare a rate la bolletta del gas", "LM00010030", "123456")
    assert final.route == "instalments" and final.choices, final.reply  # the plans on offer
    assert not deps.backend.list_plans("LM00010030")  # nothing written: consent comes first
    assert "list_instalment_plans" in model.bound_tools[-1]


def test_an_agent_figure_no_tool_returned_falls_back_to_the_offline_steps(make_graph) -> None:
    from graph.llm import FALLBACKS

    model = _identified(tool_call("list_unpaid_bills"), "Devi pagare 9.999,99 € entro domani.")
    graph, _ = make_graph(chat_model=model)
    before = FALLBACKS["agent:ValueError"]
    *_, final = converse(graph, "quanto devo pagare?", GIULIA, "123456")
    assert "9.999,99" not in (final.reply or "") and final.reply
    assert FALLBACKS["agent:ValueError"] == before + 1


def test_an_agent_cannot_read_another_customers_meter(make_graph) -> None:
    model = ScriptedChatModel.script(
        route("self_reading"), route("self_reading"), route("self_reading"),
        tool_call("list_readings", supply_id="S-999999"),
        "Non trovo questa fornitura tra le tue.",
    )  # fmt: skip
    graph, _ = make_graph(chat_model=model)
    *_, final = converse(graph, "le mie letture del contatore", GIULIA, "123456")
    assert [(a.tool, a.ok) for a in final.actions] == [("list_readings", False)]
    error = [m for m in model.seen[-1] if isinstance(m, ToolMessage)][0].content
    assert "not one of this customer's supplies" in error


def test_routing_sees_the_dialogue_stack(make_graph) -> None:
    """The procedure in progress and those waiting are in the routing prompt, so the model
    can tell an answer to the procedure from a new request."""
    model = ScriptedChatModel.script(
        route("instalments"), route("instalments"), route("instalments"),
        tool_call("hand_to_procedure"), route("billing"),
        tool_call("hand_to_procedure"),
    )  # fmt: skip
    graph, _ = make_graph(chat_model=model)
    converse(graph, "voglio pagare a rate la bolletta del gas", "LM00010030", "123456")
    converse(graph, "mandami il pdf dell'ultima bolletta")
    routing = [t for t in _system_texts(model) if t.startswith("You classify")]
    assert "Procedures: none." in routing[0]
    assert "Procedures: in progress: instalments (step choose)." in routing[-1], routing[-1]
    assert describe_stack(None, []) == "none"
    waiting = [{"flow": {"vertical": "instalments"}, "question": "", "choices": []}]
    assert describe_stack({"vertical": "billing", "step": None}, waiting) == (
        "in progress: billing (step start); waiting: instalments"
    )
