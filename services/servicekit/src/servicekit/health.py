"""`/health/live` says the process runs; `/health/ready` that it can serve (its store answers)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

ReadinessCheck = Callable[[], Awaitable[None]]

log = structlog.get_logger(__name__)


def health_router(timeout: float = 2.0) -> APIRouter:
    """Routes for the load balancer and the orchestrator.

    The checks are the app's `state.readiness`, set by its lifespan once its stores are open.
    """
    router = APIRouter(prefix="/health", tags=["health"], include_in_schema=False)

    @router.get("/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready")
    async def ready(request: Request) -> JSONResponse:
        checks: Mapping[str, ReadinessCheck] = getattr(request.app.state, "readiness", {})
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), timeout)
            except Exception as exc:  # any failure means not ready
                log.warning("readiness_check_failed", check=name, error=repr(exc))
                results[name] = "unavailable"
            else:
                results[name] = "ok"
        ok = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": results},
            status_code=200 if ok else 503,
        )

    return router
