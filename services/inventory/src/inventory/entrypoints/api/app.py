"""The inventory API, assembled from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from inventory.domain import errors
from inventory.entrypoints.api.routes import router
from inventory.settings import InventorySettings
from servicekit.app import create_service_app
from servicekit.aws import AwsClients
from servicekit.db import check_database, create_engine
from servicekit.errors import problem_response
from servicekit.identity import build_verifier, resolve_identity

_STATUS = {
    errors.SkuNotFoundError: (404, "not-found"),
    errors.BelowReservedError: (409, "below-reserved"),
}


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    status, slug = _STATUS.get(type(exc), (400, "bad-request"))
    return problem_response(request, status, str(exc), slug=slug)


def create_app(settings: InventorySettings) -> FastAPI:
    """The inventory app; it connects to nothing until it starts."""

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
        title="Inventory",
        prefix="/inventory",
        lifespan=lifespan,
        routers=[router],
        description="Stock per SKU, for administrators. Reservations are made by the order saga.",
    )
    app.add_exception_handler(errors.InventoryError, _on_domain_error)
    return app
