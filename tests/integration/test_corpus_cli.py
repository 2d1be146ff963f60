"""The bundled corpus through the real `sportello` command: ingest twice, search, list, delete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CORPUS, run_cli
from tests.helpers import copy_data_dir, write_markdown

HIT_KEYS = {
    "doc_id",
    "title",
    "section",
    "source",
    "text",
    "score",
    "effective_from",
    "effective_to",
}


@pytest.fixture(scope="module")
def search_dir(corpus_ingest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the ingested corpus for the CLI's processes: the session's knowledge base
    may hold the original's embedded shard open in this process (one process per shard)."""
    data = tmp_path_factory.mktemp("search") / "data"
    copy_data_dir(corpus_ingest[0], data)
    return data


def test_corpus_ingests_every_format_without_failure(corpus_ingest) -> None:
    _, first, _ = corpus_ingest
    docs = first["documents"]
    assert len({d["doc_id"] for d in docs}) >= 30
    assert first["totals"]["failed"] == 0, [d for d in docs if d["status"] == "failed"]
    assert {Path(d["path"]).suffix for d in docs} == {".pdf", ".docx", ".html", ".md", ".txt"}
    assert all(d["chunks"] > 0 and d["error"] is None for d in docs)
    assert (
        first["totals"]["documents"]
        == len(docs)
        == first["totals"]["added"] + first["totals"]["updated"]
    )


def test_second_ingest_reports_every_document_unchanged(corpus_ingest) -> None:
    _, first, second = corpus_ingest
    assert {d["status"] for d in second["documents"]} == {"unchanged"}
    assert second["totals"]["chunks"] == first["totals"]["chunks"]
    assert len(second["documents"]) == len(first["documents"])


def test_search_json_hits_have_the_documented_shape(search_dir: Path) -> None:
    data_dir = search_dir
    out = run_cli(
        "search", "c'è odore di gas in cucina, cosa faccio?", "-k", "3", "--json", data_dir=data_dir
    )
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert len(hits) == 3 and all(set(h) == HIT_KEYS for h in hits)
    assert hits[0]["doc_id"] in {"emergenza-gas-sicurezza", "gas-emergency-safety-en"}


def test_search_as_of_and_filters(search_dir: Path) -> None:
    data_dir = search_dir
    old = run_cli(
        "search",
        "prezzo offerta luce fissa",
        "--as-of",
        "2025-06-01",
        "--filter",
        "doc_type=tariff",
        "--filter",
        "commodity=electricity",
        "--json",
        data_dir=data_dir,
    )
    new = run_cli(
        "search",
        "prezzo offerta luce fissa",
        "--as-of",
        "2026-06-01",
        "--filter",
        "doc_type=tariff",
        "--filter",
        "commodity=electricity",
        "--json",
        data_dir=data_dir,
    )
    old_hits, new_hits = json.loads(old.stdout), json.loads(new.stdout)
    fixed_old = [h for h in old_hits if h["doc_id"] == "offerta-luce-fissa"]
    fixed_new = [h for h in new_hits if h["doc_id"] == "offerta-luce-fissa"]
    assert fixed_old and all(h["effective_to"] == "2025-12-31" for h in fixed_old)
    assert fixed_new and all(h["effective_from"] == "2026-01-01" for h in fixed_new)
    assert all(h["doc_id"] != "offerta-luce-variabile-pun" for h in old_hits)  # not yet in force


def test_search_jsonl_answers_each_line(search_dir: Path) -> None:
    data_dir = search_dir
    lines = "\n".join(
        [
            json.dumps({"query": "come faccio l'autolettura del gas?", "k": 2}),
            "not json",
            json.dumps({"query": "bonus sociale ISEE", "k": 1}),
        ]
    )
    out = run_cli("search", "--jsonl", data_dir=data_dir, stdin=lines)
    assert out.returncode == 2  # one line was bad
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows[0]) == 2 and rows[1]["error"]["line"] == 2 and len(rows[2]) == 1
    assert rows[2][0]["doc_id"].startswith("bonus")


def test_bad_filter_is_a_usage_error(search_dir: Path) -> None:
    out = run_cli("search", "x", "--filter", "colour=blue", data_dir=search_dir)
    assert out.returncode == 2 and "use key=value" in out.stderr


def test_ingest_exit_code_and_json_on_failure(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write_markdown(docs / "ok.md", "doc-ok", "## A\n\nLa bolletta arriva ogni due mesi.\n")
    (docs / "bad.md").write_bytes(b"")
    out = run_cli("ingest", str(docs), "--json", data_dir=tmp_path / "data")
    assert out.returncode == 2
    report = json.loads(out.stdout)
    assert report["totals"]["added"] == 1 and report["totals"]["failed"] == 1
    failed = next(d for d in report["documents"] if d["status"] == "failed")
    assert set(failed) >= {"path", "doc_id", "status", "chunks", "error"}


def test_docs_list_and_delete(tmp_path: Path) -> None:
    write_markdown(tmp_path / "a.md", "doc-a", "## A\n\nLa bolletta arriva ogni due mesi.\n")
    data = tmp_path / "data"
    assert run_cli("ingest", str(tmp_path / "a.md"), data_dir=data).returncode == 0
    listed = json.loads(run_cli("docs", "list", "--json", data_dir=data).stdout)
    assert [d["doc_id"] for d in listed] == ["doc-a"]
    assert run_cli("docs", "delete", "doc-a", data_dir=data).returncode == 0
    assert json.loads(run_cli("docs", "list", "--json", data_dir=data).stdout) == []
    missing = run_cli("docs", "delete", "doc-a", data_dir=data)
    assert missing.returncode == 1 and "no document" in missing.stderr


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    out = run_cli("ingest", str(CORPUS / "a" / "interessi-di-mora.txt"), "--dry-run", data_dir=data)
    assert out.returncode == 0 and "would be added" in out.stdout
    assert json.loads(run_cli("docs", "list", "--json", data_dir=data).stdout) == []
