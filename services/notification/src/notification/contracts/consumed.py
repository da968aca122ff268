"""The fields of ordering's and payment's events that notification relies on, each bounded
to what its producer can send: what a customer is told is built from codes and amounts, never
from free text an event carries. Anything else is poison."""

from __future__ import annotations

import uuid
from typing import ClassVar

from servicekit.codes import CurrencyCode, ReasonCode
from servicekit.messaging.envelope import Amount, ConsumedMessage, UserId


class OrderEvent(ConsumedMessage):
    order_id: uuid.UUID
    user_id: UserId
    total: Amount
    currency: CurrencyCode


class OrderPlaced(OrderEvent):
    TYPE: ClassVar[str] = "ordering.OrderPlaced"


class OrderConfirmed(OrderEvent):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"


class OrderCancelled(OrderEvent):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"

    reason: ReasonCode


class PaymentEvent(ConsumedMessage):
    order_id: uuid.UUID
    user_id: UserId
    amount: Amount
    currency: CurrencyCode


class PaymentAuthorized(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentAuthorized"


class PaymentDeclined(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentDeclined"

    reason: ReasonCode


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
