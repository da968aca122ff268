"""`/health/live` says the process runs; `/health/ready` that it can serve (its store answers)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from servicekit.state import ApiState

ReadinessCheck = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Readiness:
    """What `/health/ready` checks, by name: the stores an app's state opened."""

    checks: Mapping[str, ReadinessCheck]


log = structlog.get_logger(__name__)


def health_router(timeout: float = 2.0) -> APIRouter:
    """Routes for the load balancer and the orchestrator.

    The checks are the `Readiness` of the app's state (`ApiState`), once its stores are open.
    """
    router = APIRouter(prefix="/health", tags=["health"], include_in_schema=False)

    @router.get("/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready")
    async def ready(request: Request) -> JSONResponse:
        state = ApiState.running(request.app)
        checks = {} if state is None else state.readiness.checks
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
