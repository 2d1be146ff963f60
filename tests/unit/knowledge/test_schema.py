from datetime import date

import pytest
from pydantic import ValidationError

from knowledge.schema import Chunk, DocumentMeta, from_rfc3339, to_rfc3339
from tests.helpers import meta


def test_open_end_round_trips_as_none() -> None:
    assert to_rfc3339(None) == "9999-12-31T00:00:00+00:00"
    assert from_rfc3339(to_rfc3339(None)) is None
    assert from_rfc3339(to_rfc3339(date(2026, 1, 1))) == date(2026, 1, 1)


def test_yaml_numbers_become_version_strings() -> None:
    assert DocumentMeta.model_validate(meta("x-doc", version=2026)).version == "2026"
    assert DocumentMeta.model_validate(meta("x-doc", version=1.5)).version == "1.5"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("doc_id", "Not An Id", "pattern"),
        ("commodity", ["coal"], "electricity"),
        ("language", "de", "'it'"),
        ("effective_to", "2024-01-01", "before effective_from"),
        ("unknown_key", 1, "Extra inputs"),
    ],
)
def test_bad_metadata_is_rejected_with_the_field(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DocumentMeta.model_validate({**meta("x-doc"), field: value})


def _chunk(**overrides: object) -> Chunk:
    base = dict(
        doc_id="d",
        version="1",
        title="T",
        section="S",
        text="testo",
        source="s",
        path="p",
        commodity=["gas"],
        verticals=["billing"],
        doc_type="guide",
        language="it",
        effective_from=date(2025, 1, 1),
        effective_to=None,
        content_hash="h",
        chunk_index=0,
    )
    return Chunk(**{**base, **overrides})  # type: ignore[arg-type]


def test_point_id_is_stable_and_content_addressed() -> None:
    assert _chunk().point_id == _chunk().point_id
    assert _chunk().point_id != _chunk(content_hash="other").point_id
    assert _chunk().point_id != _chunk(version="2").point_id


def test_payload_round_trip() -> None:
    chunk = _chunk(effective_to=date(2025, 12, 31))
    assert Chunk.from_payload(chunk.payload()) == chunk
