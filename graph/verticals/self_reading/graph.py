"""The self-reading vertical: pick the meter, validate the reading in code, record it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from graph.accounts import commodity_name, day, is_yes, pick_supply
from graph.agent import agent_steps
from graph.backends.ports import BackendError, MeterReading, Supply
from graph.deps import GraphDeps
from graph.grounded import knowledge_reply, vertical_answer
from graph.policy import needs_identity
from graph.prompts import render
from graph.reply import Reply, user_text
from graph.slots import find_position, find_reading
from graph.state import ConversationState
from graph.subgraph import (
    ToolSteps,
    ask_identity,
    backend_failed,
    call_tool,
    compile_vertical,
    leave,
    tool_node,
    tool_result,
)
from graph.verticals.self_reading.rules import billing_window, validate_reading
from graph.verticals.self_reading.texts import TEMPLATES
from graph.verticals.self_reading.tools import read_tools, reading_history, write_tools
from knowledge.sparse import fold

# Standing by a reading that was refused ("è giusta, l'ho controllata", "yes, it's right").
_INSISTS = re.compile(
    r"\b(e giust\w*|e corrett\w*|giust[ao]|corrett[ao]|l'?ho (ri)?controllat\w*|ho (ri)?controllato|"
    r"sono sicur\w*|confermo|it'?s (right|correct)|i'?m sure|i checked|it is (right|correct)|"
    r"c'?est (juste|correct|bon)|j'ai (bien )?verifie|je suis sur\w*)\b"
)


def _insists(text: str) -> bool:
    return is_yes(text) or bool(_INSISTS.search(fold(text)))


_HOW = (
    "come si legge",
    "come leggo",
    "come faccio a leggere",
    "how do i read",
    "how to read",
    "comment lire",
    "comment relever",
    "dove trovo",
    "where do i find",
)


def _values_text(values: dict[str, Decimal]) -> str:
    return " ".join(f"{k} {v}" if k != "total" else f"{v}" for k, v in values.items())


def _multiband(history: list[MeterReading]) -> bool:
    return any("F1" in r.values for r in history)


def build(deps: GraphDeps) -> CompiledStateGraph:  # type: ignore[type-arg]
    """gate -> answer (how to read a meter, windows: from the documents) | identify (in the
    main graph) | reading (pick the meter, validate in code, confirm, record)."""

    def gate(state: ConversationState) -> Command[Literal["answer", "reading"]]:
        if state.get("identified"):
            return Command(goto="reading")
        text = state.get("pending_text") or user_text(state)
        if needs_identity("self_reading", text):
            return ask_identity("self_reading", text)
        return Command(goto="answer")

    def answer(state: ConversationState) -> Command:  # type: ignore[type-arg]
        # The follow-up's question ("et pour l'eau ?" after how to read the gas meter) is
        # searched with what it follows up on, in the commodity it names.
        return leave("respond", vertical_answer(deps, state, "self_reading").update())

    def reading(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        code = state.get("customer_code") or ""
        thread = state.get("user_id", "")
        flow = state.get("flow") or {}
        slots: dict[str, Any] = dict(flow.get("slots", {}))
        text = state.get("pending_text") or user_text(state)
        today = deps.clock().date()

        def say(reply: Reply, **update: Any) -> Command:  # type: ignore[type-arg]
            return leave("respond", reply.update(**update))

        def keep(step: str) -> dict[str, Any]:
            return {"vertical": "self_reading", "step": step, "slots": slots}

        def record(supply: Supply, values: dict[str, str], confirmed: bool = False) -> Command:  # type: ignore[type-arg]
            """The write goes through the tools step, as an LLM's tool call would."""
            call = call_tool("record_reading", supply_id=supply.supply_id, values=values)
            return Command(goto="tools", update={**call, "turn_confirmed": confirmed})

        try:
            customer = deps.backend.get_customer(code)
            chosen_before = slots.get("supply_id")
            pick = pick_supply(customer, text, language, chosen_before)
            if pick.supply is None:
                # A reading sent before the meter is named ("12750" to "which meter?") is kept
                # for the meter named next; it was dropped, and asked for again.
                kept = find_reading(text) is not None
                if kept:
                    slots["reading_text"] = text
                key = "choose_supply_kept" if kept else "choose_supply"
                return say(
                    Reply(render(TEMPLATES, key, language), choices=pick.choices),
                    flow=keep("choose_supply"),
                )
            supply: Supply = pick.supply
            slots["supply_id"] = supply.supply_id
            # The answer to "which meter?" ("2", "the second one") names the meter, not a
            # reading: "2" was recorded as a reading of 2 and refused.
            names_meter = chosen_before is None and find_position(text, 10) is not None
            history = reading_history(deps.backend, supply)
            bands = (
                render(TEMPLATES, "bands", language)
                if (supply.commodity == "electricity" and _multiband(history))
                else ""
            )

            if flow.get("step") == "confirm" and is_yes(text):
                return record(supply, slots["values"], confirmed=True)
            found = None if names_meter else find_reading(text)
            if found is None and slots.get("reading_text"):
                found = find_reading(slots.pop("reading_text"))
            disputed = slots.get("rejected") in ("lower_than_previous", "abnormal_jump")
            if found is None and disputed and _insists(text):
                # The customer stands by a reading the rules refused: a person checks it.
                deps.audit.record(
                    thread,
                    "policy",
                    "reading_disputed",
                    f"customer confirmed a rejected reading ({slots['rejected']})",
                    customer_code=code,
                    data={"supply_id": supply.supply_id, "code": slots["rejected"]},
                )
                return say(Reply(render(TEMPLATES, "rejected_confirmed", language)), flow=None)
            if found is None:
                if any(phrase in fold(text) for phrase in _HOW):
                    reply = knowledge_reply(
                        deps, text, language, verticals=["self_reading"], commodity=supply.commodity
                    )
                    reply.text += "\n\n" + render(
                        TEMPLATES,
                        "ask_reading",
                        language,
                        commodity=commodity_name(supply.commodity, language),
                        meter=_meter_id(supply),
                        bands=bands,
                    )
                    return say(reply, flow=keep("await_reading"))
                return say(
                    Reply(
                        render(
                            TEMPLATES,
                            "ask_reading",
                            language,
                            commodity=commodity_name(supply.commodity, language),
                            meter=_meter_id(supply),
                            bands=bands,
                        )
                    ),
                    flow=keep("await_reading"),
                )
            check = validate_reading(supply, found, history, today)
            reply = Reply("")
            reply.act("validate_reading", True, check.model_dump_json())
            detail = check.detail
            shown = _values_text(check.values or found)
            if check.status == "ok":
                return record(supply, {k: str(v) for k, v in check.values.items()})
            if check.status == "confirm":
                slots["values"] = {k: str(v) for k, v in check.values.items()}
                reply.text = render(
                    TEMPLATES,
                    "confirm",
                    language,
                    values=shown,
                    daily=f"{detail.implied_daily} {detail.unit}",
                    typical=f"{detail.typical_daily} {detail.unit}",
                )
                return say(reply, flow=keep("confirm"))
            deps.audit.record(
                thread,
                "tool",
                "validate_reading",
                f"rejected: {check.code}",
                ok=False,
                customer_code=code,
                data={"supply_id": supply.supply_id, "code": check.code},
            )
            slots["rejected"] = check.code
            key = f"rejected_{check.code}"
            previous = detail.previous_values or {}
            reply.text = render(
                TEMPLATES,
                key if key in TEMPLATES else "rejected_format",
                language,
                values=shown,
                previous=_values_text(previous),
                date=day(detail.previous_date) if detail.previous_date else "-",
                bands=bands,
            )
            return say(reply, flow=keep("await_reading"))
        except BackendError:
            return backend_failed(language)

    def recorded(state: SelfReadingState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        code = state.get("customer_code") or ""
        ok, result = tool_result(state)
        if not ok:
            return backend_failed(language)
        saved = MeterReading.model_validate_json(result)
        try:
            customer = deps.backend.get_customer(code)
        except BackendError:
            return backend_failed(language)
        supply = next(s for s in customer.supplies if s.supply_id == saved.supply_id)
        confirmed = bool(state.get("turn_confirmed"))
        deps.audit.record(
            state.get("user_id", ""),
            "tool",
            "record_reading",
            "customer confirmed an unusual reading" if confirmed else "reading passed validation",
            customer_code=code,
            data={"supply_id": supply.supply_id},
        )
        reply = _recorded_reply(supply, saved, deps.clock().date(), language)
        return leave("respond", reply.update(flow=None))

    return compile_vertical(
        "self_reading",
        {
            **agent_steps(deps, "self_reading", read_tools),
            "gate": (gate, ("answer", "reading")),
            "answer": (answer, ()),
            "reading": (reading, ("tools",)),
            "tools": (tool_node(write_tools(deps)), ("recorded",)),
            "recorded": (recorded, ()),
        },
        state=SelfReadingState,
        entry="agent",
    )


class SelfReadingState(ToolSteps, total=False):
    """The subgraph's own keys, for this turn only (they never reach the conversation)."""

    turn_confirmed: bool  # the reading being recorded was unusual and the customer confirmed it


def _meter_id(supply: Supply) -> str:
    return supply.pod or supply.pdr or supply.water_meter or supply.supply_id


def _recorded_reply(supply: Supply, saved: MeterReading, today: date, language: str) -> Reply:
    window = billing_window(supply, today)
    if window is None or window[0] <= today <= window[1]:
        window_text = render(TEMPLATES, "window_in", language)
    else:
        window_text = render(
            TEMPLATES, "window_out", language, start=day(window[0]), end=day(window[1])
        )
    reply = Reply(
        render(
            TEMPLATES,
            "recorded",
            language,
            values=_values_text(saved.values),
            date=day(saved.read_on),
            window=window_text,
        )
    )
    args = {"supply_id": saved.supply_id, "read_on": str(saved.read_on), "values": saved.values}
    return reply.act("record_reading", True, saved.model_dump_json(), args=args)
