"""HTTP routes. Every route reads the caller's own messages; there are no others to name."""

from __future__ import annotations

from fastapi import APIRouter

from notification.entrypoints.api.deps import Notifications
from notification.entrypoints.api.schemas import NotificationList, NotificationOut
from notification.service_layer import handlers
from servicekit.auth import CurrentUser
from servicekit.cursors import Cursor, PageSize

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=NotificationList, summary="Your messages, newest first")
async def list_notifications(
    user: CurrentUser,
    notifications: Notifications,
    limit: PageSize = 20,
    cursor: Cursor = None,
) -> NotificationList:
    page, next_cursor = await handlers.list_notifications(
        user.user_id, notifications, limit=limit, cursor=cursor
    )
    return NotificationList(
        items=[NotificationOut.of(item) for item in page.items], next_cursor=next_cursor
    )
