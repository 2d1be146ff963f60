"""Document metadata from a YAML front matter (Markdown, text) or a `<file>.meta.yaml` sidecar."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from ingest.errors import MetadataError
from knowledge.schema import DocumentMeta

SIDECAR_SUFFIX = ".meta.yaml"


class _MetaLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date is reported against its field."""


_MetaLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
FRONT_MATTER_FORMATS = {".md", ".markdown", ".txt"}


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def split_front_matter(text: str) -> tuple[str | None, str]:
    """Return (front matter YAML or None, body). A front matter opens and closes with `---`."""
    stripped = text.lstrip("\ufeff")
    if not stripped.startswith("---"):
        return None, text
    lines = stripped.splitlines(keepends=True)
    if lines[0].strip() != "---":
        return None, text
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    raise MetadataError("front matter opened with '---' on line 1 is never closed")


def parse_meta(raw: str, origin: str) -> DocumentMeta:
    try:
        data = yaml.load(raw, Loader=_MetaLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise MetadataError(f"{origin} is not valid YAML{where}: {problem}") from exc
    if not isinstance(data, dict):
        raise MetadataError(f"{origin} must be a YAML mapping of metadata keys")
    try:
        return DocumentMeta.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'metadata'}: {err['msg']}"
            for err in exc.errors()
        )
        raise MetadataError(f"{origin}: {problems}") from exc


def load_metadata(path: Path, text: str | None) -> tuple[DocumentMeta, str | None]:
    """Metadata for `path` and, for text formats, the body without its front matter.

    A sidecar wins over nothing; a file with both a sidecar and a front matter is ambiguous
    and rejected, so a knowledge manager never wonders which one was used.
    """
    sidecar = sidecar_path(path)
    front, body = (None, text) if text is None else split_front_matter(text)
    if sidecar.exists():
        if front is not None:
            raise MetadataError(f"metadata given twice: front matter and {sidecar.name}; keep one")
        return parse_meta(sidecar.read_text(encoding="utf-8"), sidecar.name), body
    if front is not None:
        return parse_meta(front, "front matter"), body
    hint = "a YAML front matter block or " if path.suffix.lower() in FRONT_MATTER_FORMATS else ""
    raise MetadataError(f"no metadata: add {hint}a sidecar file {sidecar.name}")
