"""Liveness and readiness: which dependency (Qdrant, database, embeddings, LLM) is down."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import RuntimeDep, SettingsDep
from api.runtime import Runtime
from knowledge.settings import Settings

router = APIRouter(tags=["health"])
DEPENDENCIES = ("qdrant", "database", "embeddings", "llm")


def _failed(exc: BaseException, **extra: Any) -> dict[str, Any]:
    return {"ok": False, **extra, "error": type(exc).__name__, "detail": str(exc)[:200]}


def check_dependencies(runtime: Runtime, settings: Settings) -> dict[str, dict[str, Any]]:
    """Probe each dependency once; `ok` is False for one that is down, with the reason.

    Down dependencies degrade the service (documents unavailable, offline brain), they never
    stop it, so /healthz stays up and /readyz says which one is missing."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        checks["qdrant"] = {"ok": True, "points": runtime.knowledge.store.count()}
    except Exception as exc:
        checks["qdrant"] = _failed(exc)
    try:
        with runtime.deps.audit.engine.connect() as conn:
            conn.execute(text("select 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = _failed(exc)
    provider = settings.embeddings_provider
    try:
        if provider == "openai":  # a remote endpoint; the packaged model is in this process
            runtime.knowledge.embedder.embed_queries(["readiness probe"])
        checks["embeddings"] = {"ok": True, "provider": provider}
    except Exception as exc:
        checks["embeddings"] = _failed(exc, provider=provider)
    checks["llm"] = {"ok": True, "configured": settings.llm_configured}
    if settings.llm_configured and runtime.deps.chat_model is not None:
        try:
            import httpx

            base = str(settings.llm_base_url).rstrip("/")
            key = settings.llm_api_key
            headers = {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}
            response = httpx.get(f"{base}/models", headers=headers, timeout=3)
            checks["llm"]["ok"] = response.status_code < 500
        except Exception as exc:
            checks["llm"] = _failed(exc, configured=True)
    return checks


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Qdrant, the database, the embeddings endpoint and the LLM (if configured) are "
    "reachable; 503 names the ones that are not",
)
def readyz(runtime: RuntimeDep, settings: SettingsDep) -> JSONResponse:
    checks = check_dependencies(runtime, settings)
    down = [name for name, check in checks.items() if not check["ok"]]
    return JSONResponse(
        {"status": "not_ready" if down else "ready", "down": down, "checks": checks},
        503 if down else 200,
    )
