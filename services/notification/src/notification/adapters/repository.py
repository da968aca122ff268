"""Notifications in DynamoDB: one item per customer and event (`USER#<id>`,
`<occurred_at>#<event id>`), so that a customer's messages sort by time.

Everything in an item comes from its event, its expiry (`expires_at`, through the table's
TTL) included: a redelivered event puts the same item again, under the same key, and changes
nothing. So the put needs no condition and no inbox item, and the puts of messages handled at
the same time share `BatchWriteItem` calls.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from notification.domain.commands import Topic
from notification.domain.model import Notification
from servicekit.dynamo import DynamoRepository, DynamoUnitOfWork

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb.type_defs import QueryInputTypeDef


@dataclass(frozen=True, slots=True)
class NotificationPage:
    items: list[Notification]
    # The sort key of the last item, when more items follow it.
    last_key: str | None


class NotificationRepository(Protocol):
    def add(self, notification: Notification) -> None:
        """Store a notification when the unit of work commits; the same one again, for a
        redelivered event, changes nothing."""
        ...

    async def page(self, user_id: str, limit: int, after: str | None) -> NotificationPage:
        """A user's notifications, newest first, starting after the sort key `after`."""
        ...


def sort_key(notification: Notification) -> str:
    """The item's sort key: its time (UTC, fixed width, so text order is time order), then
    the event id, which makes it unique."""
    occurred = notification.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    return f"{occurred}#{notification.event_id}"


def to_item(notification: Notification, ttl_seconds: int) -> dict[str, Any]:
    """The DynamoDB item of a notification, which expires `ttl_seconds` after its event."""
    expires_at = int(notification.occurred_at.timestamp()) + ttl_seconds
    return {
        "pk": {"S": f"USER#{notification.user_id}"},
        "sk": {"S": sort_key(notification)},
        "user_id": {"S": notification.user_id},
        "event_id": {"S": str(notification.event_id)},
        "topic": {"S": notification.topic.value},
        "order_id": {"S": str(notification.order_id)},
        "subject": {"S": notification.subject},
        "body": {"S": notification.body},
        "occurred_at": {"S": notification.occurred_at.isoformat()},
        "expires_at": {"N": str(expires_at)},
    }


def _from_item(item: dict[str, Any]) -> Notification:
    return Notification(
        user_id=item["user_id"]["S"],
        event_id=uuid.UUID(item["event_id"]["S"]),
        topic=Topic(item["topic"]["S"]),
        order_id=uuid.UUID(item["order_id"]["S"]),
        subject=item["subject"]["S"],
        body=item["body"]["S"],
        occurred_at=datetime.fromisoformat(item["occurred_at"]["S"]),
    )


class DynamoNotificationRepository(DynamoRepository):
    """Notifications in the `notifications` table."""

    def __init__(self, uow: DynamoUnitOfWork, ttl_seconds: int) -> None:
        super().__init__(uow)
        self._ttl_seconds = ttl_seconds

    def add(self, notification: Notification) -> None:
        item = to_item(notification, self._ttl_seconds)
        self._uow.write({"Put": {"TableName": self._table, "Item": item}})

    async def page(self, user_id: str, limit: int, after: str | None) -> NotificationPage:
        values: dict[str, Any] = {":pk": {"S": f"USER#{user_id}"}}
        condition = "pk = :pk"
        if after is not None:
            condition += " AND sk < :after"
            values[":after"] = {"S": after}
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            # One more than asked tells whether another page follows.
            "Limit": limit + 1,
        }
        response = await self._client.query(**query)
        rows = [dict(item) for item in response.get("Items", [])]
        items = [_from_item(row) for row in rows[:limit]]
        last_key = rows[limit - 1]["sk"]["S"] if len(rows) > limit else None
        return NotificationPage(items, last_key)
