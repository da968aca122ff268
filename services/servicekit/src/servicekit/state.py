"""An API's composition root: what it opens when it starts (its store, its clients, the token
verifier, the readiness checks) held in one typed state, and closed when it stops.

Each API builds its state in one function (`bootstrap(settings)`, an async context manager)
and its lifespan holds it on the app (`serving`). Routes reach it through `Annotated`
dependencies on the state's class, `Depends(BasketState.of)`, each field with its own type.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from fastapi import FastAPI, Request

if TYPE_CHECKING:
    from servicekit.app import Lifespan
    from servicekit.auth import TokenVerifier
    from servicekit.health import Readiness


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiState:
    """What every API holds while it runs: the verifier of its callers' tokens and what
    `/health/ready` checks. A service's state adds its stores and clients."""

    verifier: TokenVerifier
    readiness: Readiness

    @classmethod
    def running(cls, app: FastAPI) -> Self | None:
        """The state `app` runs with; None before it started (or if it holds another kind)."""
        state = getattr(app.state, "running", None)
        return state if isinstance(state, cls) else None

    @classmethod
    async def of(cls, request: Request) -> Self:
        """The state of the app serving `request`: a route dependency."""
        state = cls.running(request.app)
        if state is None:
            raise RuntimeError(f"{request.app.title} runs with no {cls.__name__}")
        return state


def serving(bootstrap: Callable[[], AbstractAsyncContextManager[ApiState]]) -> Lifespan:
    """An app's lifespan: the state `bootstrap` opens, held on the app while it serves and
    closed when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bootstrap() as state:
            app.state.running = state
            try:
                yield
            finally:
                del app.state.running

    return lifespan
