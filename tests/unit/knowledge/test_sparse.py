from knowledge.sparse import encode_passage, encode_query, fold, term_index, terms


def test_fold_strips_accents_and_case() -> None:
    assert fold("Perché È GIÀ così") == "perche e gia cosi"


def test_inflections_share_a_stem() -> None:
    assert terms("rateizzazione") == terms("rateizzare")
    assert terms("bollette") == terms("bolletta")


def test_identifiers_and_numbers_are_kept_whole() -> None:
    found = terms("Il POD IT001E12345678 e il numero 800 900 222")
    assert "it001e12345678" in found
    assert {"800", "900", "222"} <= set(found)


def test_stopwords_are_dropped() -> None:
    assert terms("il la di che per") == []


def test_passage_weights_saturate_with_repetition() -> None:
    once = dict(zip(*encode_passage("contatore", "it"), strict=True))
    many = dict(zip(*encode_passage("contatore " * 20, "it"), strict=True))
    index = term_index(terms("contatore")[0])
    assert 0 < once[index] < many[index] < 2.2  # BM25 saturates below k1 + 1


def test_query_of_another_language_also_uses_italian_stems() -> None:
    indices, values = encode_query("contatori", "en")
    assert term_index(terms("contatori", ("it",))[0]) in indices
    assert set(values) == {1.0}


def test_term_index_is_deterministic() -> None:
    assert term_index("bollett") == term_index("bollett") < 2**31
