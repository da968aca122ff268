"""The notification API, assembled from its settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from fastapi import FastAPI

from notification.entrypoints.api.routes import router
from notification.service_layer.unit_of_work import NotificationUnitOfWork, UnitOfWork
from notification.settings import NotificationSettings
from servicekit.app import create_service_app
from servicekit.lifespans import dynamodb_lifespan

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

    from servicekit.aws import AwsClients


def create_app(settings: NotificationSettings) -> FastAPI:
    """The notification app; it connects to nothing until it starts."""

    async def units_of_work(dynamodb: DynamoDBClient, _: AwsClients) -> Callable[[], UnitOfWork]:
        ttl_seconds = settings.notification_ttl_days * 86400
        return partial(NotificationUnitOfWork, dynamodb, settings.notifications_table, ttl_seconds)

    return create_service_app(
        title="Notification",
        lifespan=dynamodb_lifespan(settings, settings.notifications_table, units_of_work),
        router=router,
        description="The messages the shop sends each customer about their orders.",
    )
