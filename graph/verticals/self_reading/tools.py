"""Self-reading tools: a meter's reading history, and recording a reading that passed the
rules (graph.verticals.self_reading.rules) or that the customer confirmed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException, tool
from langgraph.prebuilt import InjectedState

from graph.backends.ports import MeterReading, Supply, UtilityBackend
from graph.deps import GraphDeps
from graph.verticals.self_reading.rules import validate_reading


def reading_history(backend: UtilityBackend, supply: Supply) -> list[MeterReading]:
    """The supply's readings as the backend keeps them (the rules pick what they need)."""
    return backend.list_readings(supply.supply_id)


def record_reading(
    backend: UtilityBackend, supply: Supply, values: dict[str, Decimal], read_on: date
) -> MeterReading:
    """Record a customer's own reading of `supply` (the only write of this vertical): called
    only with values that passed validation or that the customer confirmed."""
    return backend.record_reading(
        MeterReading(supply_id=supply.supply_id, read_on=read_on, values=values, source="self")
    )


def write_tools(deps: GraphDeps) -> list[BaseTool]:
    """The vertical's write, as a tool for the `tools` step (ToolNode). The customer comes
    from the state; the reading is checked again by the rules here, whoever called."""

    @tool("record_reading")
    def record_meter_reading(
        supply_id: str,
        values: dict[str, str],
        customer_code: Annotated[str, InjectedState("customer_code")],
        flow: Annotated[dict[str, Any] | None, InjectedState("flow")] = None,
    ) -> str:
        """Record the customer's self-reading of one of their meters, dated today. `values`
        maps "total" (or the bands "F1", "F2", "F3") to the figures read on the meter."""
        customer = deps.backend.get_customer(customer_code)
        supply = next((s for s in customer.supplies if s.supply_id == supply_id), None)
        if supply is None:
            raise ToolException("this supply is not one of the customer's")
        try:
            reading = {band: Decimal(figure) for band, figure in values.items()}
        except InvalidOperation as exc:
            raise ToolException("the reading is not a number") from exc
        today = deps.clock().date()
        check = validate_reading(supply, reading, reading_history(deps.backend, supply), today)
        slots = (flow or {}).get("slots") or {}
        confirmed = (flow or {}).get("step") == "confirm" and slots.get("values") == values
        if check.status == "ok":
            reading = check.values
        elif not confirmed:  # an unusual reading is recorded only once the customer confirmed it
            raise ToolException(f"the reading did not pass validation: {check.code}")
        return record_reading(deps.backend, supply, reading, today).model_dump_json()

    return [record_meter_reading]


def read_tools(backend: UtilityBackend, customer_code: str) -> list[BaseTool]:
    """The agent's read tools (LLM mode), bound to the identified customer."""

    def list_readings(supply_id: str) -> list[dict[str, object]]:
        """The last 6 meter readings of one of the customer's supplies (see list_supplies),
        newest first: date, values and source (actual, estimated, self-reading)."""
        owned = {s.supply_id for s in backend.get_customer(customer_code).supplies}
        if supply_id not in owned:
            raise ToolException(f"{supply_id} is not one of this customer's supplies")
        readings = backend.list_readings(supply_id)
        return [r.model_dump(mode="json") for r in readings[::-1][:6]]

    return [StructuredTool.from_function(list_readings)]
