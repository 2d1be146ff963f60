"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import RuntimeDep, SettingsDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Qdrant, the database and the LLM (if configured) are reachable")
def readyz(runtime: RuntimeDep, settings: SettingsDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        checks["qdrant"] = {"ok": True, "points": runtime.knowledge.store.count()}
    except Exception as exc:
        checks["qdrant"] = {"ok": False, "error": type(exc).__name__}
    try:
        with runtime.deps.audit.engine.connect() as conn:
            conn.execute(text("select 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
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
            checks["llm"] = {"ok": False, "configured": True, "error": type(exc).__name__}
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks}, 200 if ready else 503
    )
