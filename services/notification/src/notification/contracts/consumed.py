"""The fields of ordering's and payment's events that notification relies on, each bounded
to what its producer can send: what a customer is told is built from codes and amounts, never
from free text an event carries. Anything else is poison."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from notification.domain.commands import NotifyCustomer, Topic
from servicekit.codes import CurrencyCode, ReasonCode
from servicekit.messaging.envelope import Amount, ConsumedMessage, Envelope, UserId


class CustomerEventRead(ConsumedMessage):
    """An event a customer is told of: whose order, what amount in what currency, and the
    `TOPIC` it tells of."""

    TOPIC: ClassVar[Topic]

    order_id: uuid.UUID
    user_id: UserId
    amount: Amount
    currency: CurrencyCode

    def to_command(self, envelope: Envelope) -> NotifyCustomer:
        """The notification this event asks for."""
        return NotifyCustomer(
            event_id=envelope.id,
            occurred_at=envelope.occurred_at,
            topic=self.TOPIC,
            user_id=self.user_id,
            order_id=self.order_id,
            amount=self.amount,
            currency=self.currency,
            reason=getattr(self, "reason", None),
        )


class OrderEventRead(CustomerEventRead):
    # What an order's events call its amount.
    amount: Amount = Field(validation_alias="total")


class OrderPlacedRead(OrderEventRead):
    TYPE: ClassVar[str] = "ordering.OrderPlaced"
    TOPIC: ClassVar[Topic] = Topic.ORDER_PLACED


class OrderConfirmedRead(OrderEventRead):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"
    TOPIC: ClassVar[Topic] = Topic.ORDER_CONFIRMED


class OrderCancelledRead(OrderEventRead):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"
    TOPIC: ClassVar[Topic] = Topic.ORDER_CANCELLED

    reason: ReasonCode


class PaymentAuthorizedRead(CustomerEventRead):
    TYPE: ClassVar[str] = "payment.PaymentAuthorized"
    TOPIC: ClassVar[Topic] = Topic.PAYMENT_AUTHORIZED


class PaymentDeclinedRead(CustomerEventRead):
    TYPE: ClassVar[str] = "payment.PaymentDeclined"
    TOPIC: ClassVar[Topic] = Topic.PAYMENT_DECLINED

    reason: ReasonCode


class PaymentCapturedRead(CustomerEventRead):
    TYPE: ClassVar[str] = "payment.PaymentCaptured"
    TOPIC: ClassVar[Topic] = Topic.PAYMENT_CAPTURED


class PaymentVoidedRead(CustomerEventRead):
    TYPE: ClassVar[str] = "payment.PaymentVoided"
    TOPIC: ClassVar[Topic] = Topic.PAYMENT_VOIDED


class PaymentRefundedRead(CustomerEventRead):
    TYPE: ClassVar[str] = "payment.PaymentRefunded"
    TOPIC: ClassVar[Topic] = Topic.PAYMENT_REFUNDED


CONSUMED: tuple[type[CustomerEventRead], ...] = (
    OrderPlacedRead,
    OrderConfirmedRead,
    OrderCancelledRead,
    PaymentAuthorizedRead,
    PaymentDeclinedRead,
    PaymentCapturedRead,
    PaymentVoidedRead,
    PaymentRefundedRead,
)
