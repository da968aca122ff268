"""Notifications in DynamoDB: one item per customer and event (`USER#<id>`,
`<occurred_at>#<event id>`), so that a customer's messages sort by time.

The put joins a unit of work that claims the event in the inbox in the same transaction, so
a redelivered event adds nothing. Items expire (`expires_at`) through the table's TTL.
"""

from __future__ import annotations

import time
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
        """Store a notification when the unit of work commits, unless one for its event is
        stored already (the commit then fails)."""
        ...

    async def page(self, user_id: str, limit: int, after: str | None) -> NotificationPage:
        """A user's notifications, newest first, starting after the sort key `after`."""
        ...


def sort_key(notification: Notification) -> str:
    """The item's sort key: its time (UTC, fixed width, so text order is time order), then
    the event id, which makes it unique."""
    occurred = notification.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    return f"{occurred}#{notification.event_id}"


def _to_item(notification: Notification, expires_at: int) -> dict[str, Any]:
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
        "created_at": {"S": notification.created_at.isoformat()},
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
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
    )


class DynamoNotificationRepository(DynamoRepository):
    """Notifications in the `notifications` table."""

    def __init__(self, uow: DynamoUnitOfWork, ttl_seconds: int) -> None:
        super().__init__(uow)
        self._ttl_seconds = ttl_seconds

    def add(self, notification: Notification) -> None:
        item = _to_item(notification, int(time.time()) + self._ttl_seconds)
        # Its key is the event's (time and id): stored once, however often the event comes.
        self._uow.write(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(sk)",
                }
            }
        )

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
