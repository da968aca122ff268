"""Notification's unit of work: one DynamoDB transaction on the `notifications` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from notification.adapters.repository import DynamoNotificationRepository, NotificationRepository
from servicekit.dynamo import DynamoUnitOfWork
from servicekit.messaging.batching import TableWrites
from servicekit.unit_of_work import UnitOfWork as BaseUnitOfWork

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class UnitOfWork(BaseUnitOfWork, Protocol):
    @property
    def notifications(self) -> NotificationRepository: ...


class NotificationUnitOfWork(DynamoUnitOfWork):
    """Writes to the `notifications` table, with its notifications. Given `puts` (on the same
    table), a notification's put goes in a call shared with those committed at the same time."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        ttl_seconds: int,
        *,
        puts: TableWrites | None = None,
    ) -> None:
        super().__init__(client, table, source="notification", shared=puts)
        self._notifications = DynamoNotificationRepository(self, ttl_seconds)

    @property
    def notifications(self) -> NotificationRepository:
        return self._notifications
