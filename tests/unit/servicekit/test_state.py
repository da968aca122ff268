"""An API's state: built when the app starts, reached by routes through its class, checked by
`/health/ready`, and closed when the app stops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI

from servicekit.auth import JwksCache, TokenVerifier
from servicekit.health import Readiness, health_router
from servicekit.state import ApiState, serving


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockState(ApiState):
    now: int


class Checks:
    def __init__(self) -> None:
        self.up = True
        self.closed = False

    async def database(self) -> None:
        if not self.up:
            raise ConnectionError("down")


def _app(checks: Checks) -> FastAPI:
    @asynccontextmanager
    async def bootstrap() -> AsyncIterator[ClockState]:
        jwks = JwksCache("http://keys.invalid/jwks.json", httpx.AsyncClient())
        verifier = TokenVerifier(issuer="https://issuer.invalid", client_id="c", jwks=jwks)
        try:
            yield ClockState(
                verifier=verifier, readiness=Readiness({"database": checks.database}), now=42
            )
        finally:
            checks.closed = True

    app = FastAPI(lifespan=serving(bootstrap))
    app.include_router(health_router())

    @app.get("/now")
    async def now(state: Annotated[ClockState, Depends(ClockState.of)]) -> dict[str, int]:
        return {"now": state.now}

    return app


async def test_routes_reach_the_state_while_the_app_runs_and_it_is_closed_after() -> None:
    checks = Checks()
    app = _app(checks)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(RuntimeError, match="no ClockState"):
            await client.get("/now")
        async with app.router.lifespan_context(app):
            assert (await client.get("/now")).json() == {"now": 42}
            assert not checks.closed
        assert checks.closed
        with pytest.raises(RuntimeError, match="no ClockState"):
            await client.get("/now")


async def test_ready_checks_what_the_state_opened() -> None:
    checks = Checks()
    app = _app(checks)
    transport = httpx.ASGITransport(app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        app.router.lifespan_context(app),
    ):
        ready = await client.get("/health/ready")
        assert (ready.status_code, ready.json()["checks"]) == (200, {"database": "ok"})
        checks.up = False
        ready = await client.get("/health/ready")
        assert (ready.status_code, ready.json()["checks"]) == (503, {"database": "unavailable"})


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherState(ApiState):
    pass


async def test_a_state_of_another_kind_is_not_taken_for_it() -> None:
    app = _app(Checks())

    @app.get("/other")
    async def other(state: Annotated[OtherState, Depends(OtherState.of)]) -> None:
        return None

    transport = httpx.ASGITransport(app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        app.router.lifespan_context(app),
    ):
        with pytest.raises(RuntimeError, match="no OtherState"):
            await client.get("/other")
