"""What routes are given: the notification store."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from notification.adapters.repository import NotificationRepository


async def _repository(request: Request) -> NotificationRepository:
    repository: NotificationRepository = request.app.state.notifications
    return repository


Notifications = Annotated[NotificationRepository, Depends(_repository)]
