"""The payment API, assembled from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from payment.entrypoints.api.deps import PaymentState
from payment.entrypoints.api.routes import router
from payment.service_layer.unit_of_work import PaymentUnitOfWork
from payment.settings import PaymentSettings
from servicekit.app import create_service_app
from servicekit.lifespans import dynamodb_api
from servicekit.state import serving


@asynccontextmanager
async def bootstrap(settings: PaymentSettings) -> AsyncIterator[PaymentState]:
    """The payment API's state: units of work on its table, for its reads."""
    async with dynamodb_api(settings, settings.payments_table) as api:
        yield PaymentState(
            verifier=api.verifier,
            readiness=api.readiness,
            new_unit_of_work=partial(PaymentUnitOfWork, api.dynamodb, settings.payments_table),
        )


def create_app(settings: PaymentSettings) -> FastAPI:
    """The payment app; it connects to nothing until it starts."""
    return create_service_app(
        title="Payment",
        lifespan=serving(lambda: bootstrap(settings)),
        router=router,
        description="Authorizations, captures, voids and refunds of the shop's orders.",
    )
