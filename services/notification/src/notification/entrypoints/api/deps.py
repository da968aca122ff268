"""What routes are given: the notification store."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from notification.service_layer.unit_of_work import UnitOfWork
from servicekit.provisions import fresh_unit_of_work

Notifications = Annotated[UnitOfWork, Depends(fresh_unit_of_work)]
