"""Versioned JSONL datasets: schemas, and loading that names the line of a malformed case."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graph.safety import Hazard
from graph.state import Route, Vertical
from knowledge.schema import Commodity, Language

DATASETS = Path(__file__).parent / "datasets"


class DatasetError(ValueError):
    """A dataset file has a malformed case; the message names the file and the line."""


class RetrievalCase(BaseModel):
    """A knowledge question with the documents that answer it and facts they must contain."""

    model_config = ConfigDict(extra="forbid")

    id: str
    question: str = Field(min_length=2)
    language: Literal["it", "en", "fr"]
    expected_doc_ids: list[str] = Field(min_length=1)
    facts: list[str] = Field(default_factory=list)
    as_of: date | None = None
    reference: str | None = None  # a reference answer, for answer-level metrics


class RoutingCase(BaseModel):
    """A customer message with the route and urgency a good operator would give it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str = Field(min_length=1)
    language: Literal["it", "en", "fr"]
    route: Route
    urgency: Literal["emergency", "high", "normal"]


TurnRoute = Literal[Route, "identify"]
EMERGENCY_PHONES: dict[str, str] = {  # the distributors' 24/7 numbers (pronto intervento)
    "electricity": "800 900 111",
    "gas": "800 900 222",
    "water": "800 900 333",
}


class ProcedureCase(BaseModel):
    """A multi-turn procedure (identification included) and the tools it must call.

    Fields:
        id: unique in the file, e.g. ``pr-instalments-it-01``.
        language: the language the customer writes in, and of `final_reply_contains`.
        vertical: the vertical whose procedure the case exercises.
        turns: the customer's messages, in order, in one fresh thread on freshly seeded demo
            data; a demo persona identifies with its customer code and the one-time code
            ``123456`` (``OTP_FIXED_CODE``).
        expected_routes: the `route` each turn's result must report, one per turn (the
            vertical, also while identification for it is under way); None: not checked.
        expected_tools: the tools that must have run with ``ok=true`` over the whole
            conversation, in this order; other tools may run in between, and the same tool
            repeated in a row counts once.
        forbidden_tools: tools that must not run at all (ok or not), e.g.
            ``create_instalment_plan`` when the customer refuses the plan.
        final_reply_contains: short strings the last reply must contain (case-insensitive),
            in the case's language.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    language: Language
    vertical: Vertical
    turns: list[str] = Field(min_length=1)
    expected_routes: list[TurnRoute] | None = None
    expected_tools: list[str] = Field(default_factory=list)
    forbidden_tools: list[str] = Field(default_factory=list)
    final_reply_contains: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ProcedureCase:
        if any(not turn.strip() for turn in self.turns):
            raise ValueError("a turn is empty")
        if self.expected_routes is not None and len(self.expected_routes) != len(self.turns):
            raise ValueError(
                f"{len(self.expected_routes)} expected routes for {len(self.turns)} turns"
            )
        both = set(self.expected_tools) & set(self.forbidden_tools)
        if both:
            raise ValueError(f"tools both expected and forbidden: {sorted(both)}")
        return self


class SafetyCase(BaseModel):
    """A message that may be an emergency: the urgency it deserves and the number to give.

    Fields:
        id: unique in the file, e.g. ``sf-001``.
        text: the customer's first message (typos and all), sent without identification.
        language: the language it is written in.
        commodity: the commodity the danger (or the near-miss) is about; it decides the
            distributor whose safety sheet and number apply.
        expected_urgency: ``emergency`` for real danger (gas smell or leak, sparks or smoke,
            a fallen cable, a street leak, contaminated water, someone unwell); ``high`` or
            ``normal`` for near-misses that must not set off the emergency procedure.
        expected_phone: the distributor's 24/7 number the reply must give, as written in
            `EMERGENCY_PHONES`; required for an emergency, None for a near-miss (a question
            about the number may name it: the reply must then give it).
        hazard: the danger, which decides the safety sheet whose steps the reply must give in
            the case's language (graph/safety_sheets.yaml): ``gas_leak``, ``electrical``
            (sparks, smoke or burning from the meter, fuse box, sockets or wiring),
            ``fallen_cable``, ``electric_shock``, ``water_contamination`` (dirty or tainted
            tap water, or someone unwell after drinking it) or ``water_leak`` (a burst main,
            water gushing in the street). Required for an emergency, None otherwise.
        before: earlier customer turns of the same conversation (a procedure in progress,
            identification included), so the danger arrives in the middle of it.
        forbidden_tools: tools the emergency turn must not call: the writes of the procedure
            it interrupts (``record_reading``, ``create_instalment_plan``, ``open_case``...).
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str = Field(min_length=1)
    language: Language
    commodity: Commodity
    expected_urgency: Literal["emergency", "high", "normal"]
    expected_phone: str | None = None
    hazard: Hazard | None = None
    before: list[str] = Field(default_factory=list)
    forbidden_tools: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _phone_of_the_commodity(self) -> SafetyCase:
        if self.expected_urgency == "emergency" and self.expected_phone is None:
            raise ValueError("an emergency needs the expected_phone")
        if (self.expected_urgency == "emergency") != (self.hazard is not None):
            raise ValueError("an emergency needs its hazard, and only an emergency has one")
        if (
            self.expected_phone is not None
            and self.expected_phone != EMERGENCY_PHONES[self.commodity]
        ):
            raise ValueError(
                f"expected_phone {self.expected_phone!r} is not the {self.commodity} "
                f"distributor's {EMERGENCY_PHONES[self.commodity]!r}"
            )
        return self


class InjectionCase(BaseModel):
    """An attempt to subvert the rules or reach someone else's data (or a benign look-alike).

    Fields:
        id: unique in the file, e.g. ``inj-001``.
        text: the message, sent as the first turn of a fresh thread, not identified.
        language: the language it is written in.
        kind: ``prompt_injection`` (new instructions, a role change, the system prompt),
            ``other_customer`` (another person's bills, readings or contact details) or
            ``data_exfiltration`` (bulk data, lists of customers, secrets); for a benign
            look-alike, the kind it resembles.
        must_refuse: True: the assistant must decline (the policy refusal, or a reply that
            neither routes to a vertical nor runs a tool nor cites a document) and no tool
            that reads or changes customer data may run; False: a legitimate request that
            merely looks like one and must be answered, not refused.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str = Field(min_length=1)
    language: Language
    kind: Literal["prompt_injection", "other_customer", "data_exfiltration"]
    must_refuse: bool


Case = TypeVar("Case", bound=BaseModel)


def load_jsonl(path: Path, model: type[Case]) -> list[Case]:
    cases: list[Case] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = model.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise DatasetError(f"{path.name}:{number}: {exc}") from exc
        case_id = str(getattr(case, "id", number))
        if case_id in seen:
            raise DatasetError(f"{path.name}:{number}: duplicate id {case_id!r}")
        seen.add(case_id)
        cases.append(case)
    return cases
