"""scratch"""

from __future__ import annotations

from tests.conftest import converse


def _show(results):  # type: ignore[no-untyped-def]
    for r in results:
        print(
            "----", r.route, [a.tool for a in r.actions], r.choices, [c.doc_id for c in r.citations]
        )
        print(r.reply)


def test_scratch(make_graph) -> None:
    graph, deps = make_graph()
    _show(
        converse(
            graph,
            "vorrei fare la voltura della luce",
            "LM00010001",
            "123456",
            "Mario Rossi RSSMRA80A01H501U",
            "dal 15 dicembre",
            "sì",
            user="a",
        )
    )
    _show(
        converse(
            graph, "voglio cambiare offerta della luce", "LM00010001", "123456", "1", "sì", user="b"
        )
    )
    _show(
        converse(
            graph,
            "vorrei attivare la domiciliazione bancaria",
            "LM00010009",
            "123456",
            "IT60X0542811101000000123457",
            "IT60X0542811101000000123456",
            "sì",
            user="c",
        )
    )
    _show(converse(graph, "come funziona la voltura?", "sì", "LM00010002", "123456", user="d"))
    print(deps.backend.list_cases("LM00010001"))
