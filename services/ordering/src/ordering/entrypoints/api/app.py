"""The ordering API, assembled from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ordering.domain import errors
from ordering.entrypoints.api.routes import router
from ordering.settings import OrderingSettings
from servicekit.app import create_service_app
from servicekit.aws import AwsClients
from servicekit.db import check_database, create_engine
from servicekit.errors import problem_response
from servicekit.identity import build_verifier, resolve_identity

_STATUS = {
    errors.OrderNotFoundError: (404, "not-found"),
    errors.OrderNotCancellableError: (409, "not-cancellable"),
}


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    status, slug = _STATUS.get(type(exc), (400, "bad-request"))
    return problem_response(request, status, str(exc), slug=slug)


def create_app(settings: OrderingSettings) -> FastAPI:
    """The ordering app; it connects to nothing until it starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings, settings.db_schema)
        aws = AwsClients(settings.aws_region)
        http = httpx.AsyncClient()
        try:
            identity = await resolve_identity(settings, aws)
            app.state.engine = engine
            app.state.token_verifier = build_verifier(identity, http, settings.auth_admin_group)
            app.state.readiness = {"database": lambda: check_database(engine)}
            yield
        finally:
            await http.aclose()
            await aws.close()
            await engine.dispose()

    app = create_service_app(
        title="Ordering",
        prefix="/orders",
        lifespan=lifespan,
        routers=[router],
        description="Orders, their lines and their timeline.",
    )
    app.add_exception_handler(errors.OrderingError, _on_domain_error)
    return app
