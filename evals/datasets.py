"""Versioned JSONL datasets: schemas, and loading that names the line of a malformed case."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graph.state import Route

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
