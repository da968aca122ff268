"""The fields of ordering's and payment's events that notification relies on."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from servicekit.messaging.envelope import ConsumedMessage


class OrderEvent(ConsumedMessage):
    order_id: uuid.UUID
    user_id: str
    total: Decimal
    currency: str


class OrderPlaced(OrderEvent):
    TYPE: ClassVar[str] = "ordering.OrderPlaced"


class OrderConfirmed(OrderEvent):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"


class OrderCancelled(OrderEvent):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"

    reason: str


class PaymentEvent(ConsumedMessage):
    order_id: uuid.UUID
    user_id: str
    amount: Decimal
    currency: str


class PaymentAuthorized(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentAuthorized"


class PaymentDeclined(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentDeclined"

    reason: str


class PaymentCaptured(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentCaptured"


class PaymentVoided(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentVoided"


class PaymentRefunded(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentRefunded"


CONSUMED: tuple[type[ConsumedMessage], ...] = (
    OrderPlaced,
    OrderConfirmed,
    OrderCancelled,
    PaymentAuthorized,
    PaymentDeclined,
    PaymentCaptured,
    PaymentVoided,
    PaymentRefunded,
)
