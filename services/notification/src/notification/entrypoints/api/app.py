"""The notification API, assembled from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from notification.adapters.repository import DynamoNotificationRepository
from notification.entrypoints.api.routes import router
from notification.settings import NotificationSettings
from servicekit.app import create_service_app
from servicekit.aws import AwsClients
from servicekit.identity import build_verifier, resolve_identity


def create_app(settings: NotificationSettings) -> FastAPI:
    """The notification app; it connects to nothing until it starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        aws = AwsClients(settings.aws_region)
        http = httpx.AsyncClient()
        try:
            dynamodb = await aws.dynamodb()
            identity = await resolve_identity(settings, aws)
            app.state.token_verifier = build_verifier(identity, http, settings.auth_admin_group)
            app.state.notifications = DynamoNotificationRepository(
                dynamodb, settings.notifications_table, settings.notification_ttl_days * 86400
            )

            async def table_answers() -> None:
                # A read the task role may do (it has no DescribeTable): any key will answer.
                await dynamodb.get_item(
                    TableName=settings.notifications_table,
                    Key={"pk": {"S": "HEALTH"}, "sk": {"S": "HEALTH"}},
                )

            app.state.readiness = {"notifications_table": table_answers}
            yield
        finally:
            await http.aclose()
            await aws.close()

    return create_service_app(
        title="Notification",
        prefix="/notifications",
        lifespan=lifespan,
        routers=[router],
        description="The messages the shop sends each customer about their orders.",
    )
