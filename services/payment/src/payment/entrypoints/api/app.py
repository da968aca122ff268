"""The payment API, assembled from its settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from fastapi import FastAPI

from payment.entrypoints.api.routes import router
from payment.service_layer.unit_of_work import PaymentUnitOfWork, UnitOfWork
from payment.settings import PaymentSettings
from servicekit.app import create_service_app
from servicekit.lifespans import dynamodb_lifespan

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

    from servicekit.aws import AwsClients


def create_app(settings: PaymentSettings) -> FastAPI:
    """The payment app; it connects to nothing until it starts."""

    async def units_of_work(dynamodb: DynamoDBClient, _: AwsClients) -> Callable[[], UnitOfWork]:
        return partial(PaymentUnitOfWork, dynamodb, settings.payments_table)

    return create_service_app(
        title="Payment",
        lifespan=dynamodb_lifespan(settings, settings.payments_table, units_of_work),
        router=router,
        description="Authorizations, captures, voids and refunds of the shop's orders.",
    )
