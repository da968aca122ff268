"""What routes are given: the payment store."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from payment.service_layer.unit_of_work import UnitOfWork
from servicekit.provisions import fresh_unit_of_work

Payments = Annotated[UnitOfWork, Depends(fresh_unit_of_work)]
