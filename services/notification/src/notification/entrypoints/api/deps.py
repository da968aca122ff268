"""What routes are given: the notification API's state, and a unit of work from it per
request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from notification.service_layer.unit_of_work import UnitOfWork
from servicekit.state import ApiState


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationState(ApiState):
    """The notification API while it runs: units of work on the `notifications` table."""

    new_unit_of_work: Callable[[], UnitOfWork]


async def _notifications(
    state: Annotated[NotificationState, Depends(NotificationState.of)],
) -> UnitOfWork:
    return state.new_unit_of_work()


Notifications = Annotated[UnitOfWork, Depends(_notifications)]
