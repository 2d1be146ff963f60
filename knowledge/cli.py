"""`sportello search`: query the knowledge base from a terminal or a QA script."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from pydantic import ValidationError

from knowledge.schema import Hit, SearchFilters
from knowledge.settings import Settings

FILTER_KEYS = ("doc_id", "commodity", "verticals", "doc_type", "language")


def _as_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from exc


def _as_filter(value: str) -> tuple[str, str]:
    key, sep, val = value.partition("=")
    key = {"vertical": "verticals"}.get(key, key)
    if not sep or key not in FILTER_KEYS or not val:
        raise argparse.ArgumentTypeError(
            f"{value!r}: use key=value with key one of {', '.join(FILTER_KEYS)}"
        )
    return key, val


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    search = sub.add_parser("search", help="search the knowledge base (hybrid dense + sparse)")
    search.add_argument("query", nargs="?", help="the question; omit with --jsonl")
    search.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    search.add_argument(
        "--as-of", type=_as_date, help="rules in force on this date (default today)"
    )
    search.add_argument(
        "--filter",
        type=_as_filter,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="commodity, verticals, doc_type, language, doc_id",
    )
    search.add_argument("--mode", choices=["hybrid", "dense", "sparse"], default="hybrid")
    search.add_argument("--json", action="store_true", help="print the hits as a JSON array")
    search.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"query", "k"} lines on stdin, write a JSON array per line',
    )
    search.set_defaults(run=run_search)


def hit_json(hit: Hit) -> dict[str, object]:
    return hit.model_dump(
        mode="json",
        include={
            "doc_id",
            "title",
            "section",
            "source",
            "text",
            "score",
            "effective_from",
            "effective_to",
        },
    )


def _filters(pairs: list[tuple[str, str]], as_of: date | None) -> SearchFilters:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return SearchFilters(as_of=as_of, **grouped)  # type: ignore[arg-type]


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.factory import build_knowledge

    if not args.jsonl and not args.query:
        print(
            "sportello search: give a QUERY, or --jsonl to read queries from stdin",
            file=sys.stderr,
        )
        return 2
    kb = build_knowledge(settings)
    try:
        if args.jsonl:
            return _search_jsonl(kb.retriever, args)
        hits = kb.retriever.search(
            args.query, k=args.k, filters=_filters(args.filter, args.as_of), mode=args.mode
        )
    finally:
        kb.close()
    if args.json:
        print(json.dumps([hit_json(h) for h in hits], ensure_ascii=False))
        return 0
    if not hits:
        print("no passage found")
    for rank, hit in enumerate(hits, 1):
        valid = f"{hit.effective_from} .. {hit.effective_to or 'open'}"
        text = hit.text[:300].replace("\n", " ")
        print(
            f"{rank}. [{hit.doc_id} v{hit.version}] {hit.title} — {hit.section} ({valid}) "
            f"score {hit.score:.4f}\n   {text}\n   {hit.source}"
        )
    return 0


def _search_jsonl(retriever, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    """One JSON array of hits per input line; a bad line gets {"error": ...} and exit code 2."""
    status = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("query"), str):
                raise ValueError('each line must be an object with a "query" string')
            k = int(item.get("k", args.k))
            if not 1 <= k <= 100:
                raise ValueError(f"k must be between 1 and 100, not {k}")
            as_of = date.fromisoformat(item["as_of"]) if item.get("as_of") else args.as_of
            filters = _filters(args.filter, as_of)
            if item.get("filters"):
                filters = filters.model_copy(
                    update=SearchFilters(**item["filters"]).model_dump(exclude_none=True)
                )
            hits = retriever.search(item["query"], k=k, filters=filters, mode=args.mode)
            print(json.dumps([hit_json(h) for h in hits], ensure_ascii=False), flush=True)
        except (ValueError, TypeError, ValidationError) as exc:
            print(json.dumps({"error": {"line": number, "message": str(exc)}}), flush=True)
            status = 2
    return status
