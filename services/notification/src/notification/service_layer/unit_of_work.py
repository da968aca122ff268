"""Notification's unit of work: one DynamoDB transaction on the `notifications` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from notification.adapters.repository import DynamoNotificationRepository, NotificationRepository
from servicekit.dynamo import DynamoUnitOfWork

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class UnitOfWork(Protocol):
    @property
    def notifications(self) -> NotificationRepository: ...

    def claim(self, message_id: object, scope: str) -> None:
        """Record the message as handled for `scope`; the commit fails if it already was."""
        ...

    async def commit(self) -> bool:
        """Store what was gathered, all or nothing; False if a condition failed."""
        ...


class NotificationUnitOfWork(DynamoUnitOfWork):
    """One transaction on the `notifications` table, with its notifications."""

    def __init__(self, client: DynamoDBClient, table: str, ttl_seconds: int) -> None:
        super().__init__(client, table, source="notification")
        self._notifications = DynamoNotificationRepository(self, ttl_seconds)

    @property
    def notifications(self) -> NotificationRepository:
        return self._notifications
