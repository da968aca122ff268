"""The inventory API, assembled from its settings."""

from __future__ import annotations

from fastapi import FastAPI

from inventory.domain import errors
from inventory.entrypoints.api.routes import router
from inventory.settings import InventorySettings
from servicekit.app import create_service_app
from servicekit.lifespans import postgres_api
from servicekit.state import serving


def create_app(settings: InventorySettings) -> FastAPI:
    """The inventory app; it connects to nothing until it starts."""
    return create_service_app(
        title="Inventory",
        lifespan=serving(lambda: postgres_api(settings)),
        router=router,
        errors=(
            errors.InventoryError,
            {
                errors.SkuNotFoundError: (404, "not-found"),
                errors.BelowReservedError: (409, "below-reserved"),
            },
        ),
        description="Stock per SKU, for administrators. Reservations are made by the order saga.",
    )
