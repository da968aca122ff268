"""The fields of ordering's and payment's events that notification relies on, each bounded
to what its producer can send: what a customer is told is built from codes and amounts, never
from free text an event carries. Anything else is poison."""

from __future__ import annotations

import uuid
from typing import ClassVar

from servicekit.codes import CurrencyCode, ReasonCode
from servicekit.messaging.envelope import Amount, ConsumedMessage, UserId


class OrderEventRead(ConsumedMessage):
    order_id: uuid.UUID
    user_id: UserId
    total: Amount
    currency: CurrencyCode


class OrderPlacedRead(OrderEventRead):
    TYPE: ClassVar[str] = "ordering.OrderPlaced"


class OrderConfirmedRead(OrderEventRead):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"


class OrderCancelledRead(OrderEventRead):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"

    reason: ReasonCode


class PaymentEventRead(ConsumedMessage):
    order_id: uuid.UUID
    user_id: UserId
    amount: Amount
    currency: CurrencyCode


class PaymentAuthorizedRead(PaymentEventRead):
    TYPE: ClassVar[str] = "payment.PaymentAuthorized"


class PaymentDeclinedRead(PaymentEventRead):
    TYPE: ClassVar[str] = "payment.PaymentDeclined"

    reason: ReasonCode


class PaymentCapturedRead(PaymentEventRead):
    TYPE: ClassVar[str] = "payment.PaymentCaptured"


class PaymentVoidedRead(PaymentEventRead):
    TYPE: ClassVar[str] = "payment.PaymentVoided"


class PaymentRefundedRead(PaymentEventRead):
    TYPE: ClassVar[str] = "payment.PaymentRefunded"


CONSUMED: tuple[type[ConsumedMessage], ...] = (
    OrderPlacedRead,
    OrderConfirmedRead,
    OrderCancelledRead,
    PaymentAuthorizedRead,
    PaymentDeclinedRead,
    PaymentCapturedRead,
    PaymentVoidedRead,
    PaymentRefundedRead,
)
