"""The ordering API, assembled from its settings."""

from __future__ import annotations

from fastapi import FastAPI

from ordering.domain import errors
from ordering.entrypoints.api.routes import router
from ordering.settings import OrderingSettings
from servicekit.app import create_service_app
from servicekit.errors import map_errors
from servicekit.lifespans import postgres_lifespan


def create_app(settings: OrderingSettings) -> FastAPI:
    """The ordering app; it connects to nothing until it starts."""
    app = create_service_app(
        title="Ordering",
        prefix="/orders",
        lifespan=postgres_lifespan(settings, settings.db_schema),
        routers=[router],
        description="Orders, their lines and their timeline.",
    )
    map_errors(
        app,
        errors.OrderingError,
        {
            errors.OrderNotFoundError: (404, "not-found"),
            errors.OrderNotCancellableError: (409, "not-cancellable"),
        },
    )
    return app
