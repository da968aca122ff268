"""The catalog API, assembled from its settings."""

from __future__ import annotations

from fastapi import FastAPI

from catalog.domain import errors
from catalog.entrypoints.api.routes import router
from catalog.settings import CatalogSettings
from servicekit.app import create_service_app
from servicekit.lifespans import postgres_reads_api
from servicekit.state import serving


def create_app(settings: CatalogSettings) -> FastAPI:
    """The catalog app; it connects to nothing until it starts."""
    return create_service_app(
        title="Catalog",
        lifespan=serving(lambda: postgres_reads_api(settings)),
        router=router,
        errors=(
            errors.CatalogError,
            {
                errors.ProductNotFoundError: (404, "not-found"),
                errors.DuplicateSkuError: (409, "duplicate-sku"),
                errors.StaleVersionError: (412, "stale-version"),
                errors.ProductInactiveError: (409, "product-inactive"),
            },
        ),
        description="Products, categories and prices.",
    )
