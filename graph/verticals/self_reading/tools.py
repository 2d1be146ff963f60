"""Self-reading tools: a meter's reading history, and recording a reading that passed the
rules (graph.verticals.self_reading.rules) or that the customer confirmed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from graph.backends.ports import MeterReading, Supply, UtilityBackend


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
