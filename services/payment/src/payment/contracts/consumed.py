"""What payment reads of the order saga's step commands."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from servicekit.messaging.envelope import UserId


class PaymentStepRead(BaseModel):
    """Capture, void and refund: which order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: str


class LineRead(BaseModel):
    """What an order's line costs: the authorization's amount is their sum."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    quantity: int
    unit_price: Decimal


class AuthorizePaymentRead(PaymentStepRead):
    # Bounded as payment's events carry it: a payment that could not announce itself is none.
    user_id: UserId
    lines: list[LineRead]
    total: Decimal
    currency: str
    payment_token: str | None = None
