"""Notification's JSON."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from notification.domain.commands import Topic
from notification.domain.model import Notification


class NotificationOut(BaseModel):
    id: uuid.UUID = Field(description="The id of the event the message is about")
    topic: Topic
    order_id: uuid.UUID
    subject: str
    body: str
    occurred_at: datetime

    @classmethod
    def of(cls, notification: Notification) -> NotificationOut:
        return cls(
            id=notification.event_id,
            topic=notification.topic,
            order_id=notification.order_id,
            subject=notification.subject,
            body=notification.body,
            occurred_at=notification.occurred_at,
        )


class NotificationList(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )
