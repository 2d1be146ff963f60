"""Safety sheets and hazard detection: fixed text tied to its source, the right sheet for the
danger in the customer's language, in the middle of any procedure and in LLM mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.safety import HAZARDS, asks_for_the_number, hazard_of, sheets
from graph.verticals.outage.texts import DISTRIBUTORS
from ingest.pipeline import read_document
from knowledge.sparse import fold
from tests.conftest import CORPUS, converse
from tests.fakes import ScriptedChatModel

GIULIA, SARAH, CLAIRE = "LM00010001", "LM00010028", "LM00010031"


def _plain(text: str) -> str:
    return " ".join(text.replace("•", " ").replace("**", "").split()).lower()


def _document_text(doc_id: str) -> str:
    """The Italian text of a corpus document as ingestion reads it (PDF included)."""
    from ingest.partition import partition_file

    for path in sorted(CORPUS.rglob("*")):
        if path.suffix in (".yaml", ".yml") or not path.is_file():
            continue
        meta, body, _ = read_document(path)
        if meta.doc_id == doc_id and meta.language == "it":
            blocks = partition_file(path, body, meta.language)
            return _plain(" ".join(b.text for b in blocks))
    raise AssertionError(f"no Italian document {doc_id} in the corpus")


@pytest.mark.parametrize("hazard", HAZARDS)
def test_every_italian_step_stands_in_its_source_document(hazard: str) -> None:
    sheet = sheets()[hazard]
    source = _document_text(sheet.doc_id)
    for line in [*sheet.steps["it"], sheet.immediate["it"]]:
        assert _plain(line).rstrip(";.") in source, (hazard, line)
    assert _plain(sheet.section) in source  # the cited section exists


@pytest.mark.parametrize("hazard", HAZARDS)
def test_every_sheet_says_the_same_in_three_languages_with_its_number(hazard: str) -> None:
    sheet = sheets()[hazard]
    counts = {lang: len(steps) for lang, steps in sheet.steps.items()}
    assert set(counts) == {"it", "en", "fr"} and len(set(counts.values())) == 1, counts
    # Every number a step gives is the same in every language.
    numbers = {
        lang: sorted(re.findall(r"\b11[25]\b|800 900 \d{3}", " ".join(s)))
        for lang, s in sheet.steps.items()
    }
    assert numbers["it"] == numbers["en"] == numbers["fr"], numbers
    assert sheet.commodity in DISTRIBUTORS
    assert all(
        re.search(r"\b11[25]\b", sheet.immediate[lang] + " ".join(sheet.steps[lang]))
        or hazard == "water_contamination"
        and "112" in sheet.immediate[lang]
        for lang in ("it", "en", "fr")
    )


@pytest.mark.parametrize(
    ("text", "hazard"),
    [
        ("sento odore di gas in cucina, cosa faccio?", "gas_leak"),
        ("I can smell gas in my flat", "gas_leak"),
        ("ça sent le gaz dans la cuisine", "gas_leak"),
        ("my fuse box is smoking", "electrical"),
        ("esce fumo dal salvavita!!", "electrical"),
        ("le disjoncteur fume et ça sent le brûlé", "electrical"),
        ("the plug of the heater is sparking", "electrical"),
        ("c'è un cavo della luce caduto in strada", "fallen_cable"),
        # no "fallen" or "down": the cable is lying somewhere (had a documents answer before)
        ("there's a power cable lying on the road in front of my house", "fallen_cable"),
        ("c'è un filo della corrente sulla strada", "fallen_cable"),
        ("un câble électrique sur la chaussée devant chez moi", "fallen_cable"),
        ("mio figlio ha preso la scossa dalla presa", "electric_shock"),
        ("my kids got sick after drinking the tap water", "water_contamination"),
        ("abbiamo vomitato tutti dopo aver bevuto l'acqua del rubinetto", "water_contamination"),
        ("on a tous mal au ventre depuis qu'on a bu l'eau du robinet", "water_contamination"),
        ("l'acqua del rubinetto è marrone, l'abbiamo bevuta", "water_contamination"),
        ("è scoppiato il tubo dell'acqua in strada", "water_leak"),
    ],
)
def test_dangers_are_named(text: str, hazard: str) -> None:
    assert hazard_of(fold(text)) == hazard


@pytest.mark.parametrize(
    "text",
    [
        "la bolletta del gas è una puzza",
        "this gas bill stinks",
        "ce prix du gaz, ça pue l'arnaque",
        "qual è il numero da chiamare se sento odore di gas?",
        "what number should I call if I smell gas?",
        "quel numéro appeler en cas de fuite de gaz ?",
        "il salvavita salta quando accendo il forno",
        "come si legge il contatore del gas?",
    ],
)
def test_near_misses_are_not_alarms(text: str) -> None:
    assert hazard_of(fold(text)) is None


def test_questions_about_the_number_are_recognised() -> None:
    assert asks_for_the_number(fold("qual è il numero da chiamare se sento odore di gas?"))
    assert not asks_for_the_number(fold("sento odore di gas, che numero chiamo?"))  # a real one


def _steps_in(reply: str, hazard: str, language: str) -> bool:
    said = _plain(reply)
    return all(_plain(s).rstrip(";.") in said for s in sheets()[hazard].steps[language])


def test_a_gas_smell_gets_what_to_do_not_the_service_standards(make_graph) -> None:
    graph, _ = make_graph()
    (result,) = converse(graph, "Sento odore di gas in cucina, cosa faccio?")
    reply = result.reply or ""
    assert result.urgency == "emergency" and _steps_in(reply, "gas_leak", "it")
    assert "800 900 222" in reply and "115" in reply and "112" in reply
    assert "120 secondi" not in reply and "60 minuti" not in reply
    assert [c.doc_id for c in result.citations] == ["emergenza-gas-sicurezza"]


@pytest.mark.parametrize(
    ("text", "language", "hazard", "phone"),
    [
        ("I can smell gas in my flat", "en", "gas_leak", "800 900 222"),
        ("my fuse box is smoking", "en", "electrical", "800 900 111"),
        ("a power line is down across the road", "en", "fallen_cable", "800 900 111"),
        (
            "my son got sick after drinking the tap water",
            "en",
            "water_contamination",
            "800 900 333",
        ),
        ("des étincelles sortent de la prise du salon", "fr", "electrical", "800 900 111"),
        ("l'eau du robinet est marron et on l'a bue", "fr", "water_contamination", "800 900 333"),
        ("une conduite d'eau a éclaté dans la rue", "fr", "water_leak", "800 900 333"),
    ],
)
def test_the_right_sheet_in_the_customers_language(
    make_graph, text: str, language: str, hazard: str, phone: str
) -> None:
    graph, _ = make_graph()
    (result,) = converse(graph, text)
    reply = result.reply or ""
    assert result.urgency == "emergency" and result.language == language
    assert _steps_in(reply, hazard, language), reply
    assert not _steps_in(reply, hazard, "it")  # no Italian quoted to an English or French customer
    assert phone in reply


def test_an_emergency_mid_reading_suspends_it_and_records_nothing(make_graph) -> None:
    graph, deps = make_graph()
    gas = next(s for s in deps.backend.get_customer(GIULIA).supplies if s.commodity == "gas")
    before = deps.backend.list_readings(gas.supply_id)
    *_, asked = converse(graph, "vorrei comunicare l'autolettura del gas", GIULIA, "123456")
    assert asked.route == "self_reading"
    (alarm,) = converse(graph, "aspetta, sento puzza di gas vicino al contatore!!")
    assert alarm.urgency == "emergency" and _steps_in(alarm.reply or "", "gas_leak", "it")
    assert "record_reading" not in {a.tool for a in alarm.actions}
    (after,) = converse(graph, "1234")  # a number after the alarm is no reading to record
    assert deps.backend.list_readings(gas.supply_id) == before
    assert after.urgency != "emergency" or after.route == "outage"


def test_an_emergency_while_the_code_is_awaited_skips_identification(make_graph) -> None:
    graph, deps = make_graph()
    converse(graph, "posso pagare a rate la bolletta?", GIULIA)  # the one-time code is awaited
    (alarm,) = converse(graph, "il quadro elettrico fa scintille!")
    assert alarm.urgency == "emergency" and _steps_in(alarm.reply or "", "electrical", "it")
    assert deps.backend.list_plans(GIULIA) == []


def test_in_llm_mode_the_model_never_writes_safety_text(make_graph) -> None:
    model = ScriptedChatModel.script()  # any call fails the test
    graph, _ = make_graph(chat_model=model)
    (result,) = converse(graph, "the socket is sparking and smoking")
    assert _steps_in(result.reply or "", "electrical", "en") and model.seen == []


def test_a_question_about_the_number_gets_the_number_and_no_ticket(make_graph) -> None:
    graph, deps = make_graph()
    (result,) = converse(graph, "qual è il numero da chiamare se sento odore di gas?")
    reply = result.reply or ""
    assert result.urgency != "emergency" and "800 900 222" in reply
    assert "open_ticket" not in {a.tool for a in result.actions}
    assert "safety_instructions" not in {a.tool for a in result.actions}


def test_sheets_file_is_complete() -> None:
    path = Path(__file__).parents[3] / "graph" / "safety_sheets.yaml"
    assert path.exists() and set(sheets()) == set(HAZARDS)


def test_every_sheet_says_what_to_do_next_in_every_language_with_the_emergency_number() -> None:
    from graph.safety import sheets

    for sheet in sheets().values():
        for language, after in sheet.after.items():
            assert re.search(r"\b11[25]\b", after), (sheet.hazard, language)
