"""What the notification service is asked to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Topic(StrEnum):
    """What a customer is told about."""

    ORDER_PLACED = "ORDER_PLACED"
    ORDER_CONFIRMED = "ORDER_CONFIRMED"
    ORDER_CANCELLED = "ORDER_CANCELLED"
    PAYMENT_AUTHORIZED = "PAYMENT_AUTHORIZED"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    PAYMENT_CAPTURED = "PAYMENT_CAPTURED"
    PAYMENT_VOIDED = "PAYMENT_VOIDED"
    PAYMENT_REFUNDED = "PAYMENT_REFUNDED"


@dataclass(frozen=True, slots=True)
class NotifyCustomer:
    """Tell a customer what happened to their order (from an ordering or payment event)."""

    event_id: uuid.UUID
    occurred_at: datetime
    topic: Topic
    user_id: str
    order_id: uuid.UUID
    amount: Decimal
    currency: str
    reason: str | None = None
