"""The notification API, assembled from its settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from notification.entrypoints.api.routes import router
from notification.service_layer.unit_of_work import NotificationUnitOfWork, UnitOfWork
from notification.settings import NotificationSettings
from servicekit.app import create_service_app
from servicekit.lifespans import dynamodb_lifespan
from servicekit.provisions import UnitsOfWork, provide

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

    from servicekit.aws import AwsClients


def create_app(settings: NotificationSettings) -> FastAPI:
    """The notification app; it connects to nothing until it starts."""

    async def attach(app: FastAPI, dynamodb: DynamoDBClient, _: AwsClients) -> None:
        ttl_seconds = settings.notification_ttl_days * 86400

        def new_uow() -> UnitOfWork:
            return NotificationUnitOfWork(dynamodb, settings.notifications_table, ttl_seconds)

        provide(app, UnitsOfWork(new_uow))

    return create_service_app(
        title="Notification",
        prefix="/notifications",
        lifespan=dynamodb_lifespan(settings, settings.notifications_table, attach),
        routers=[router],
        description="The messages the shop sends each customer about their orders.",
    )
