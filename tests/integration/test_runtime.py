"""The whole system from settings: checkpoints survive a restart (SQLite and PostgreSQL), and
the `sportello ask` / `demo` commands keep their documented shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from api.runtime import build_runtime
from knowledge.settings import Settings
from tests.conftest import DEMO_NOW, run_cli

RESULT_KEYS = {
    "thread_id",
    "reply",
    "route",
    "urgency",
    "language",
    "handoff",
    "citations",
    "actions",
    "awaiting",
    "procedure",
}


def _settings(data_dir: Path, **extra: object) -> Settings:
    return Settings(
        sportello_data_dir=data_dir,
        sportello_env="demo",
        sportello_clock_start=DEMO_NOW,
        otp_fixed_code="123456",
        _env_file=None,
        **extra,
    )  # type: ignore[call-arg]


def _conversation_survives_a_restart(settings: Settings) -> None:
    first = build_runtime(settings)
    asked = first.ask("quanto devo pagare?", user="393331234567", channel="whatsapp")
    assert asked.awaiting == "identification"
    first.ask("LM00010001", user="393331234567", channel="whatsapp")
    first.close()

    second = build_runtime(settings)  # a new process would do the same
    paid = second.ask("123456", user="393331234567", channel="whatsapp")
    assert paid.route == "payments" and "ti ho riconosciuto" in (paid.reply or "")
    events = second.deps.audit.events(thread_id="whatsapp:393331234567")
    assert [e.name for e in events if e.kind == "policy"][-2:] == ["otp_sent", "identified"]
    second.close()


def test_sqlite_checkpoints_survive_a_restart(runtime_dir: Path) -> None:
    _conversation_survives_a_restart(_settings(runtime_dir))
    assert (runtime_dir / "checkpoints.db").stat().st_size > 0


@pytest.mark.postgres
def test_postgres_checkpoints_survive_a_restart(runtime_dir: Path, postgres_url: str) -> None:
    _conversation_survives_a_restart(_settings(runtime_dir, database_url=postgres_url))
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from checkpoints")).scalar_one() > 0
        assert conn.execute(text("select count(*) from audit_events")).scalar_one() >= 4
    engine.dispose()


def _cli(*args: str, data_dir: Path, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return run_cli(
        *args,
        data_dir=data_dir,
        stdin=stdin,
        env={"SPORTELLO_ENV": "demo", "OTP_FIXED_CODE": "123456"},
    )


def test_ask_jsonl_keeps_one_conversation_per_thread(runtime_dir: Path) -> None:
    lines = "\n".join(
        json.dumps(x)
        for x in [
            {"text": "vorrei pagare a rate", "thread_id": "qa-1"},
            {"text": "LM00010001", "thread_id": "qa-1"},
            {"text": "123456", "thread_id": "qa-1"},
            {"text": "c'è puzza di gas in casa", "thread_id": "qa-2"},
            {"thread_id": "qa-3"},
        ]
    )
    out = _cli("ask", "--jsonl", data_dir=runtime_dir, stdin=lines)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert out.returncode == 2 and len(rows) == 5, out.stderr[-2000:]
    assert all(RESULT_KEYS <= set(r) for r in rows[:4])
    assert [r["route"] for r in rows[:4]] == ["instalments", "instalments", "instalments", "outage"]
    assert [r["awaiting"] for r in rows[:2]] == ["identification", "otp"]
    assert rows[3]["urgency"] == "emergency" and rows[3]["citations"]
    assert rows[4]["error"]["line"] == 5


def test_ask_json_and_demo_customers(runtime_dir: Path) -> None:
    out = _cli("ask", "ciao, che cos'è il bonus idrico?", "--json", data_dir=runtime_dir)
    result = json.loads(out.stdout)
    assert RESULT_KEYS <= set(result) and result["route"] == "bonus"
    assert all(set(c) == {"doc_id", "title", "section", "source"} for c in result["citations"])
    customers = json.loads(_cli("demo", "customers", "--json", data_dir=runtime_dir).stdout)
    assert len(customers) >= 50
    assert {s["commodity"] for c in customers for s in c["supplies"]} == {
        "electricity",
        "gas",
        "water",
    }
