"""`sportello ask`, `chat`, `graph` and `demo`: conversations and the graph from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from knowledge.settings import Settings

RuntimeFactory = Callable[[Settings], Any]


def add_commands(sub: argparse._SubParsersAction, runtime_factory: RuntimeFactory) -> None:  # type: ignore[type-arg]
    ask = sub.add_parser("ask", help="one customer turn through the conversation graph")
    ask.add_argument("text", nargs="?", help="the customer's message; omit with --jsonl")
    ask.add_argument("--thread", help="conversation id (default: cli:<user>)")
    ask.add_argument("--user", default="cli-user", help="channel user id")
    ask.add_argument("--json", action="store_true", help="print the turn result as JSON")
    ask.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"text", "thread_id"?, "user"?} lines, write one result per line',
    )
    ask.set_defaults(run=lambda a, s: run_ask(a, s, runtime_factory))

    chat = sub.add_parser("chat", help="an interactive conversation in the terminal")
    chat.add_argument("--user", default="cli-user")
    chat.add_argument("--thread")
    chat.set_defaults(run=lambda a, s: run_chat(a, s, runtime_factory))

    drawing = sub.add_parser("graph", help="print the conversation graph as Mermaid")
    drawing.add_argument("--xray", action="store_true", help="draw subgraphs' own nodes too")
    drawing.set_defaults(run=run_graph)

    demo = sub.add_parser("demo", help="the embedded demo utility")
    demo_sub = demo.add_subparsers(dest="demo_command", required=True)
    customers = demo_sub.add_parser("customers", help="list the demo customers")
    customers.add_argument("--json", action="store_true")
    customers.set_defaults(run=lambda a, s: run_demo_customers(a, s, runtime_factory))


def run_graph(args: argparse.Namespace, settings: Settings) -> int:
    """The topology only: building the graph wires its nodes and uses none of the services."""
    from graph.builder import build_graph
    from graph.deps import GraphDeps

    unused: Any = None
    deps = GraphDeps(backend=unused, retriever=unused, classifier=unused, audit=unused)
    print(build_graph(deps).get_graph(xray=args.xray).draw_mermaid(), end="")
    return 0


def _print_result(result: Any, as_json: bool) -> None:
    if as_json:
        print(result.model_dump_json())
        return
    print(result.reply or "(no reply: the conversation is with an operator)")
    for choice in result.choices:
        print(f"  [{choice['id']}] {choice['title']}")
    for attachment in result.attachments:
        print(f"  📎 {attachment.get('filename', attachment.get('kind'))}")


def run_ask(args: argparse.Namespace, settings: Settings, factory: RuntimeFactory) -> int:
    runtime = factory(settings)
    status = 0
    try:
        if not args.jsonl:
            if not args.text:
                print("sportello ask: give TEXT, or --jsonl", file=sys.stderr)
                return 2
            _print_result(runtime.ask(args.text, user=args.user, thread_id=args.thread), args.json)
            return 0
        for number, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                    raise ValueError('each line must be an object with a "text" string')
                result = runtime.ask(
                    item["text"],
                    user=str(item.get("user") or args.user),
                    thread_id=item.get("thread_id"),
                )
                print(result.model_dump_json(), flush=True)
            except ValueError as exc:
                print(json.dumps({"error": {"line": number, "message": str(exc)}}), flush=True)
                status = 2
    finally:
        runtime.close()
    return status


def run_chat(args: argparse.Namespace, settings: Settings, factory: RuntimeFactory) -> int:
    runtime = factory(settings)
    print("Sportello — scrivi un messaggio (Ctrl-D per uscire)")
    try:
        while True:
            try:
                text = input("> ").strip()
            except EOFError:
                print()
                return 0
            if text:
                _print_result(runtime.ask(text, user=args.user, thread_id=args.thread), False)
    finally:
        runtime.close()


def run_demo_customers(
    args: argparse.Namespace, settings: Settings, factory: RuntimeFactory
) -> int:
    runtime = factory(settings)
    try:
        customers = runtime.deps.backend.list_customers()
    finally:
        runtime.close()
    rows = [
        {
            "code": c.code,
            "name": c.name,
            "phone": c.phone,
            "supplies": [
                {
                    "supply_id": s.supply_id,
                    "commodity": s.commodity,
                    "pod": s.pod,
                    "pdr": s.pdr,
                    "water_meter": s.water_meter,
                    "commune": s.commune,
                }
                for s in c.supplies
            ],
        }
        for c in customers
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            kinds = ", ".join(s["commodity"] for s in row["supplies"])
            print(f"{row['code']}  {row['name']:28} {row['phone']:15} {kinds}")
    return 0
