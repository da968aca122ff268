"""The ordering API, assembled from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ordering.adapters.saga import StepFunctionsSaga
from ordering.domain import errors
from ordering.entrypoints.api.routes import router
from ordering.settings import OrderingSettings
from servicekit.app import create_service_app
from servicekit.aws import AwsClients
from servicekit.lifespans import postgres_lifespan
from servicekit.provisions import provide


def create_app(settings: OrderingSettings) -> FastAPI:
    """The ordering app; it connects to nothing until it starts."""
    database = postgres_lifespan(settings, settings.db_schema)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database(app):
            aws = AwsClients(settings.aws_region)
            try:
                machine = await aws.state_machine_arn(
                    settings.state_machine_name, settings.state_machine_arn
                )
                # Read for the orders' timelines: each step of their saga, from its history.
                provide(app, StepFunctionsSaga(await aws.stepfunctions(), machine))
                yield
            finally:
                await aws.close()

    return create_service_app(
        title="Ordering",
        prefix="/orders",
        lifespan=lifespan,
        routers=[router],
        errors=(
            errors.OrderingError,
            {
                errors.OrderNotFoundError: (404, "not-found"),
                errors.OrderNotCancellableError: (409, "not-cancellable"),
            },
        ),
        description="Orders, their lines and their timeline.",
    )
