from ingest.chunking import chunk_blocks, count_tokens
from ingest.partition import Block

LONG = " ".join(
    f"La frase numero {i} parla della bolletta del gas e della sua scadenza." for i in range(120)
)


def test_each_section_becomes_a_chunk_with_its_heading() -> None:
    blocks = [
        Block("title", "Guida"),
        Block("title", "Rateizzazione"),
        Block("text", "La rateizzazione spetta se la bolletta supera del 150% la media. " * 4),
        Block("title", "Autolettura"),
        Block("list", "Comunica la lettura entro la finestra indicata in bolletta. " * 4),
    ]
    chunks = chunk_blocks(blocks, "Guida", max_tokens=200, min_tokens=10)
    assert [c.section for c in chunks] == ["Rateizzazione", "Autolettura"]
    assert chunks[0].text.startswith("Rateizzazione\nLa rateizzazione")
    assert chunks[1].text.splitlines()[1].startswith("- Comunica")


def test_long_sections_are_split_under_the_limit_and_keep_their_heading() -> None:
    chunks = chunk_blocks([Block("title", "Scadenze"), Block("text", LONG)], "Doc", max_tokens=120)
    assert len(chunks) > 3
    assert all(count_tokens(c.text) <= 120 for c in chunks)
    assert all(c.section == "Scadenze" and c.text.startswith("Scadenze\n") for c in chunks)
    assert "frase numero 119" in chunks[-1].text


def test_short_sections_merge_into_the_next() -> None:
    blocks = [
        Block("title", "A"),
        Block("text", "Breve."),
        Block("title", "B"),
        Block("text", "Un testo un po' più lungo sulla bolletta " * 10),
    ]
    chunks = chunk_blocks(blocks, "Doc", max_tokens=300, min_tokens=40)
    assert len(chunks) == 1
    assert "Breve." in chunks[0].text and "B" in chunks[0].text.splitlines()


def test_headings_without_text_make_no_chunk() -> None:
    assert chunk_blocks([Block("title", "Solo titolo")], "Doc") == []
