"""What routes are given: the payment store."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from payment.adapters.repository import PaymentRepository


async def _repository(request: Request) -> PaymentRepository:
    repository: PaymentRepository = request.app.state.payments
    return repository


Payments = Annotated[PaymentRepository, Depends(_repository)]
