"""What payment reads of the order saga's step commands."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class PaymentStep(BaseModel):
    """Capture, void and refund: which order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: str


class AuthorizePayment(PaymentStep):
    user_id: str
    total: Decimal
    currency: str
    payment_token: str | None = None
