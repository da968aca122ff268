"""The basket API, assembled from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING

from fastapi import FastAPI

from basket.adapters.catalog import HttpProductCatalog
from basket.domain import errors
from basket.entrypoints.api.routes import router
from basket.service_layer.unit_of_work import BasketUnitOfWork, UnitOfWork
from basket.settings import BasketSettings
from servicekit.app import create_service_app
from servicekit.http import ServiceClient
from servicekit.lifespans import dynamodb_lifespan
from servicekit.messaging.dynamo_outbox import DirectPublisher
from servicekit.messaging.publisher import SqsSender
from servicekit.provisions import provide

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

    from servicekit.aws import AwsClients


def create_app(settings: BasketSettings) -> FastAPI:
    """The basket app; it connects to nothing until it starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        catalog = ServiceClient(
            settings.catalog_url,
            timeout=settings.catalog_timeout_seconds,
            retries=settings.catalog_retries,
        )

        async def units_of_work(
            dynamodb: DynamoDBClient, aws: AwsClients
        ) -> Callable[[], UnitOfWork]:
            ttl_seconds = settings.basket_ttl_days * 86400
            # A checkout's PlaceOrder leaves as soon as it is stored; the worker's relay
            # sends it only if this process could not.
            checkouts_url = await aws.queue_url(
                settings.ordering_checkouts_queue, settings.ordering_checkouts_queue_url
            )
            sender = SqsSender(await aws.sqs(), checkouts_url)
            direct = DirectPublisher(dynamodb, settings.baskets_table, sender)
            return partial(BasketUnitOfWork, dynamodb, settings.baskets_table, ttl_seconds, direct)

        provide(app, HttpProductCatalog(catalog))
        try:
            async with dynamodb_lifespan(settings, settings.baskets_table, units_of_work)(app):
                yield
        finally:
            await catalog.aclose()

    return create_service_app(
        title="Basket",
        lifespan=lifespan,
        router=router,
        errors=(
            errors.BasketError,
            {
                errors.ProductUnavailableError: (422, "product-unavailable"),
                errors.CurrencyMismatchError: (422, "currency-mismatch"),
                errors.BasketFullError: (422, "basket-full"),
                errors.ConcurrentUpdateError: (409, "concurrent-update"),
                errors.CatalogUnavailableError: (503, "catalog-unavailable"),
                errors.BasketFrozenError: (409, "basket-checked-out"),
                errors.EmptyBasketError: (422, "empty-basket"),
                errors.LinesUnavailableError: (422, "lines-unavailable"),
                errors.IdempotencyKeyReusedError: (422, "idempotency-key-reused"),
            },
        ),
        description="Each customer's basket, and checkout.",
    )
