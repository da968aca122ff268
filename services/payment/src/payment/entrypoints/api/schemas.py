"""Payment's JSON: snake_case fields, money as a decimal string beside its currency."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from payment.domain.model import Payment, PaymentStatus


class PaymentOut(BaseModel):
    order_id: uuid.UUID
    user_id: str
    status: PaymentStatus
    amount: Decimal = Field(examples=["49.90"])
    currency: str = Field(examples=["EUR"])
    provider_reference: str | None = Field(description="Null when the provider declined")
    decline_reason: str | None = Field(description="Why the provider declined, if it did")
    created_at: datetime
    updated_at: datetime
    authorized_at: datetime | None
    captured_at: datetime | None
    voided_at: datetime | None
    refunded_at: datetime | None

    @classmethod
    def of(cls, payment: Payment) -> PaymentOut:
        return cls(**{name: getattr(payment, name) for name in cls.model_fields})
