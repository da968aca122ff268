"""The notification API, assembled from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from notification.entrypoints.api.deps import NotificationState
from notification.entrypoints.api.routes import router
from notification.service_layer.unit_of_work import NotificationUnitOfWork
from notification.settings import NotificationSettings
from servicekit.app import create_service_app
from servicekit.lifespans import dynamodb_api
from servicekit.state import serving


@asynccontextmanager
async def bootstrap(settings: NotificationSettings) -> AsyncIterator[NotificationState]:
    """The notification API's state: units of work on its table, for its reads."""
    table, ttl_seconds = settings.notifications_table, settings.notification_ttl_days * 86400
    async with dynamodb_api(settings, table) as api:
        yield NotificationState(
            verifier=api.verifier,
            readiness=api.readiness,
            new_unit_of_work=partial(NotificationUnitOfWork, api.dynamodb, table, ttl_seconds),
        )


def create_app(settings: NotificationSettings) -> FastAPI:
    """The notification app; it connects to nothing until it starts."""
    return create_service_app(
        title="Notification",
        lifespan=serving(lambda: bootstrap(settings)),
        router=router,
        description="The messages the shop sends each customer about their orders.",
    )
