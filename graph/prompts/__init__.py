"""Prompts and reply templates, one module per agent, in Italian, English and French."""

from __future__ import annotations

Templates = dict[str, dict[str, str]]


def render(templates: Templates, key: str, language: str, **values: object) -> str:
    """A template in the customer's language (Italian when it has none), filled in."""
    variants = templates[key]
    return variants.get(language, variants["it"]).format(**values)
