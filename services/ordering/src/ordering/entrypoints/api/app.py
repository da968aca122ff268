"""The ordering API, assembled from its settings."""

from __future__ import annotations

from fastapi import FastAPI

from ordering.domain import errors
from ordering.entrypoints.api.routes import router
from ordering.settings import OrderingSettings
from servicekit.app import create_service_app
from servicekit.lifespans import postgres_reads_api
from servicekit.state import serving


def create_app(settings: OrderingSettings) -> FastAPI:
    """The ordering app; it connects to nothing until it starts, and then only to its
    database: an order's timeline is the shop's own data, never Step Functions' history."""
    return create_service_app(
        title="Ordering",
        lifespan=serving(lambda: postgres_reads_api(settings)),
        router=router,
        errors=(
            errors.OrderingError,
            {
                errors.OrderNotFoundError: (404, "not-found"),
                errors.OrderNotCancellableError: (409, "not-cancellable"),
            },
        ),
        description="Orders, their lines and their timeline.",
    )
