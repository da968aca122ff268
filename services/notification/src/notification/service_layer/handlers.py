"""One function per command, and the customer's own listing."""

from __future__ import annotations

import re

from notification.adapters.repository import NotificationPage
from notification.domain.commands import NotifyCustomer
from notification.domain.model import compose
from notification.service_layer.unit_of_work import UnitOfWork
from servicekit import cursors
from servicekit.cursors import InvalidCursorError

# What a sort key looks like: a UTC time of fixed width, then an event id.
_SORT_KEY = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00#[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$"
)


async def notify_customer(cmd: NotifyCustomer, uow: UnitOfWork) -> None:
    """Record the message about `cmd` for its customer.

    The notification is its own record of the event: made from the event alone and keyed by
    its time and id, it is the same item however often the event comes, so storing it again
    changes nothing and no inbox item is written beside it."""
    async with uow:
        uow.notifications.add(compose(cmd))
        await uow.commit()


def encode_cursor(last_key: str) -> str:
    """An opaque position after the item with sort key `last_key`."""
    return cursors.encode_cursor({"after": last_key})


def decode_cursor(cursor: str) -> str:
    """The sort key a cursor points after."""
    after = cursors.decode_cursor(cursor).get("after")
    if not isinstance(after, str) or not _SORT_KEY.fullmatch(after):
        raise InvalidCursorError
    return after


async def list_notifications(
    user_id: str, uow: UnitOfWork, *, limit: int, cursor: str | None
) -> tuple[NotificationPage, str | None]:
    """A page of the user's notifications, newest first, and the cursor to the next page.

    The cursor holds only a position: the user comes from the caller's token, so a cursor
    cannot lead into another user's messages."""
    after = decode_cursor(cursor) if cursor is not None else None
    async with uow:
        page = await uow.notifications.page(user_id, limit, after)
    return page, None if page.last_key is None else encode_cursor(page.last_key)
