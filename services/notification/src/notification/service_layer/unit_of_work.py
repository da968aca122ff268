"""Notification's unit of work: one DynamoDB transaction on the `notifications` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from notification.adapters.repository import DynamoNotificationRepository, NotificationRepository
from servicekit.dynamo import DynamoUnitOfWork
from servicekit.unit_of_work import UnitOfWork as BaseUnitOfWork

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class UnitOfWork(BaseUnitOfWork, Protocol):
    @property
    def notifications(self) -> NotificationRepository: ...


class NotificationUnitOfWork(DynamoUnitOfWork):
    """One transaction on the `notifications` table, with its notifications."""

    def __init__(self, client: DynamoDBClient, table: str, ttl_seconds: int) -> None:
        super().__init__(client, table, source="notification")
        self._notifications = DynamoNotificationRepository(self, ttl_seconds)

    @property
    def notifications(self) -> NotificationRepository:
        return self._notifications
