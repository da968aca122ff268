"""The basket API, assembled from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from functools import partial

from fastapi import FastAPI

from basket.adapters.catalog import HttpProductCatalog
from basket.domain import errors
from basket.entrypoints.api.deps import BasketState
from basket.entrypoints.api.routes import router
from basket.service_layer.unit_of_work import BasketUnitOfWork
from basket.settings import BasketSettings
from servicekit.app import create_service_app
from servicekit.http import ServiceClient
from servicekit.lifespans import dynamodb_api
from servicekit.messaging.dynamo_outbox import DirectPublisher
from servicekit.messaging.publisher import SqsSender
from servicekit.state import serving


@asynccontextmanager
async def bootstrap(settings: BasketSettings) -> AsyncIterator[BasketState]:
    """The basket API's state: units of work on its table, whose checkouts' `PlaceOrder`
    leaves for ordering as soon as it is stored (the worker's relay sends it only if this
    process could not), and the catalog client."""
    catalog = ServiceClient(
        settings.catalog_url,
        timeout=settings.catalog_timeout_seconds,
        retries=settings.catalog_retries,
    )
    table, ttl_seconds = settings.baskets_table, settings.basket_ttl_days * 86400
    async with aclosing(catalog), dynamodb_api(settings, table) as api:
        checkouts_url = await api.aws.queue_url(
            settings.ordering_checkouts_queue, settings.ordering_checkouts_queue_url
        )
        sender = SqsSender(await api.aws.sqs(), checkouts_url)
        direct = DirectPublisher(api.dynamodb, table, sender)
        try:
            yield BasketState(
                verifier=api.verifier,
                readiness=api.readiness,
                new_unit_of_work=partial(
                    BasketUnitOfWork, api.dynamodb, table, ttl_seconds, direct
                ),
                catalog=HttpProductCatalog(catalog),
            )
        finally:
            await direct.flush()


def create_app(settings: BasketSettings) -> FastAPI:
    """The basket app; it connects to nothing until it starts."""
    return create_service_app(
        title="Basket",
        lifespan=serving(lambda: bootstrap(settings)),
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
