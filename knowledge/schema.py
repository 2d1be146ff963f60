"""The knowledge base's data model: document metadata, chunk payloads and search hits."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Commodity = Literal["electricity", "gas", "water"]
Vertical = Literal[
    "billing",
    "payments",
    "instalments",
    "self_reading",
    "bonus",
    "outage",
    "contracts",
    "onboarding",
    "general",
]
DocType = Literal["regulation", "procedure", "tariff", "faq", "safety", "policy", "guide"]
Language = Literal["it", "en", "fr"]

# Qdrant datetime filters need a value; an open-ended validity is stored as this instant.
OPEN_END = date(9999, 12, 31)
_POINT_NAMESPACE = uuid.UUID("5b0f3c53-6a4e-4d0e-9a55-0e7f4d1f2a10")

# Payload fields the store indexes and the retriever may filter on.
KEYWORD_FIELDS = ("doc_id", "version", "commodity", "verticals", "doc_type", "language")
DATETIME_FIELDS = ("effective_from", "effective_to")


class DocumentMeta(BaseModel):
    """What a knowledge manager declares about a document (front matter or sidecar YAML)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    doc_id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_.]{1,120}$")
    title: str = Field(min_length=3, max_length=300)
    commodity: list[Commodity] = Field(min_length=1)
    verticals: list[Vertical] = Field(min_length=1)
    doc_type: DocType
    language: Language
    effective_from: date
    effective_to: date | None = None
    version: str = Field(min_length=1, max_length=40)
    source_url: str | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: object) -> object:
        # YAML reads `version: 2026` as an int and `version: 1.0` as a float.
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _dates_in_order(self) -> DocumentMeta:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_to {self.effective_to} is before effective_from {self.effective_from}"
            )
        return self


def to_rfc3339(day: date | None) -> str:
    """A date as the RFC 3339 instant Qdrant's DatetimeRange compares (None: open end)."""
    return datetime.combine(day or OPEN_END, time.min, tzinfo=UTC).isoformat()


def from_rfc3339(value: str | None) -> date | None:
    if not value:
        return None
    day = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    return None if day == OPEN_END else day


class Chunk(BaseModel):
    """One retrievable passage and everything needed to cite it."""

    doc_id: str
    version: str
    title: str
    section: str
    text: str
    source: str
    path: str
    commodity: list[str]
    verticals: list[str]
    doc_type: str
    language: str
    effective_from: date
    effective_to: date | None
    content_hash: str
    chunk_index: int
    page: int | None = None

    @property
    def point_id(self) -> str:
        """Stable id: the same document version and passage always map to the same point."""
        key = f"{self.doc_id}\x1f{self.version}\x1f{self.chunk_index}\x1f{self.content_hash}"
        return str(uuid.uuid5(_POINT_NAMESPACE, key))

    def payload(self) -> dict[str, object]:
        data = self.model_dump(mode="json")
        data["effective_from"] = to_rfc3339(self.effective_from)
        data["effective_to"] = to_rfc3339(self.effective_to)
        return data

    @classmethod
    def from_payload(cls, payload: dict[str, object]) -> Chunk:
        data = dict(payload)
        data["effective_from"] = from_rfc3339(str(data["effective_from"]))
        data["effective_to"] = from_rfc3339(str(data.get("effective_to") or ""))
        return cls.model_validate(data)


class Hit(BaseModel):
    """A search result as the CLI, the API and the graph's citations show it."""

    doc_id: str
    title: str
    section: str
    source: str
    text: str
    score: float
    effective_from: date | None
    effective_to: date | None
    version: str
    language: str
    doc_type: str

    @classmethod
    def from_chunk(cls, chunk: Chunk, score: float) -> Hit:
        return cls(
            doc_id=chunk.doc_id,
            title=chunk.title,
            section=chunk.section,
            source=chunk.source,
            text=chunk.text,
            score=round(score, 6),
            effective_from=chunk.effective_from,
            effective_to=chunk.effective_to,
            version=chunk.version,
            language=chunk.language,
            doc_type=chunk.doc_type,
        )


class SearchFilters(BaseModel):
    """Filters a search may apply; each list matches any of its values."""

    model_config = ConfigDict(extra="forbid")

    doc_id: list[str] | None = None
    commodity: list[str] | None = None
    verticals: list[str] | None = None
    doc_type: list[str] | None = None
    language: list[str] | None = None
    as_of: date | None = None

    def keyword_conditions(self) -> dict[str, list[str]]:
        return {
            key: values
            for key in ("doc_id", "commodity", "verticals", "doc_type", "language")
            if (values := getattr(self, key))
        }
