"""The basket API, assembled from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from basket.adapters.catalog import HttpProductCatalog
from basket.adapters.repository import DynamoBasketRepository
from basket.domain import errors
from basket.entrypoints.api.routes import router
from basket.settings import BasketSettings
from servicekit.app import create_service_app
from servicekit.aws import AwsClients
from servicekit.errors import problem_response
from servicekit.http import ServiceClient
from servicekit.identity import build_verifier, resolve_identity

_STATUS = {
    errors.ProductUnavailableError: (422, "product-unavailable"),
    errors.CurrencyMismatchError: (422, "currency-mismatch"),
    errors.BasketFullError: (422, "basket-full"),
    errors.ConcurrentUpdateError: (409, "concurrent-update"),
    errors.CatalogUnavailableError: (503, "catalog-unavailable"),
    errors.BasketFrozenError: (409, "basket-checked-out"),
    errors.EmptyBasketError: (422, "empty-basket"),
    errors.LinesUnavailableError: (422, "lines-unavailable"),
}


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    status, slug = _STATUS.get(type(exc), (400, "bad-request"))
    headers = {"Retry-After": "1"} if status == 503 else None
    return problem_response(request, status, str(exc), slug=slug, headers=headers)


def create_app(settings: BasketSettings) -> FastAPI:
    """The basket app; it connects to nothing until it starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        aws = AwsClients(settings.aws_region)
        http = httpx.AsyncClient()
        catalog = ServiceClient(
            settings.catalog_url,
            timeout=settings.catalog_timeout_seconds,
            retries=settings.catalog_retries,
        )
        try:
            dynamodb = await aws.dynamodb()
            identity = await resolve_identity(settings, aws)
            app.state.token_verifier = build_verifier(identity, http, settings.auth_admin_group)
            app.state.baskets = DynamoBasketRepository(
                dynamodb, settings.baskets_table, settings.basket_ttl_days * 86400
            )
            app.state.catalog = HttpProductCatalog(catalog)

            async def table_answers() -> None:
                # A read the service's role may do (it may not describe tables).
                await dynamodb.get_item(
                    TableName=settings.baskets_table,
                    Key={"pk": {"S": "HEALTH"}, "sk": {"S": "HEALTH"}},
                )

            app.state.readiness = {"baskets_table": table_answers}
            yield
        finally:
            await catalog.aclose()
            await http.aclose()
            await aws.close()

    app = create_service_app(
        title="Basket",
        prefix="/basket",
        lifespan=lifespan,
        routers=[router],
        description="Each customer's basket.",
    )
    app.add_exception_handler(errors.BasketError, _on_domain_error)
    return app
