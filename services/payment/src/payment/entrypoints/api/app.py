"""The payment API, assembled from its settings."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from fastapi import FastAPI

from payment.entrypoints.api.routes import router
from payment.service_layer.unit_of_work import PaymentUnitOfWork
from payment.settings import PaymentSettings
from servicekit.app import create_service_app
from servicekit.lifespans import dynamodb_lifespan

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


def create_app(settings: PaymentSettings) -> FastAPI:
    """The payment app; it connects to nothing until it starts."""

    def attach(app: FastAPI, dynamodb: DynamoDBClient) -> None:
        app.state.new_uow = functools.partial(PaymentUnitOfWork, dynamodb, settings.payments_table)

    return create_service_app(
        title="Payment",
        prefix="/payments",
        lifespan=dynamodb_lifespan(settings, settings.payments_table, attach),
        routers=[router],
        description="Authorizations, captures, voids and refunds of the shop's orders.",
    )
