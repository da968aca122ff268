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

# What a customer is told of, by the event that tells it.
TOPICS: dict[str, Topic] = {
    "ordering.OrderPlaced": Topic.ORDER_PLACED,
    "ordering.OrderConfirmed": Topic.ORDER_CONFIRMED,
    "ordering.OrderCancelled": Topic.ORDER_CANCELLED,
    "payment.PaymentAuthorized": Topic.PAYMENT_AUTHORIZED,
    "payment.PaymentDeclined": Topic.PAYMENT_DECLINED,
    "payment.PaymentCaptured": Topic.PAYMENT_CAPTURED,
    "payment.PaymentVoided": Topic.PAYMENT_VOIDED,
    "payment.PaymentRefunded": Topic.PAYMENT_REFUNDED,
}


class CustomerEventRead(ConsumedMessage):
    """An event a customer is told of (`TOPICS`): whose order, and what amount in what
    currency."""

    order_id: uuid.UUID
    user_id: UserId
    amount: Amount
    currency: CurrencyCode

    def to_command(self, envelope: Envelope) -> NotifyCustomer:
        """The notification this event asks for."""
        return NotifyCustomer(
            event_id=envelope.id,
            occurred_at=envelope.occurred_at,
            topic=TOPICS[envelope.type],
            user_id=self.user_id,
            order_id=self.order_id,
            amount=self.amount,
            currency=self.currency,
            reason=getattr(self, "reason", None),
        )


class OrderEventRead(CustomerEventRead):
    TYPES: ClassVar[tuple[str, ...]] = ("ordering.OrderPlaced", "ordering.OrderConfirmed")

    # What an order's events call its amount.
    amount: Amount = Field(validation_alias="total")


class OrderCancelledRead(OrderEventRead):
    TYPES: ClassVar[tuple[str, ...]] = ("ordering.OrderCancelled",)

    reason: ReasonCode


class PaymentEventRead(CustomerEventRead):
    TYPES: ClassVar[tuple[str, ...]] = (
        "payment.PaymentAuthorized",
        "payment.PaymentCaptured",
        "payment.PaymentVoided",
        "payment.PaymentRefunded",
    )


class PaymentDeclinedRead(PaymentEventRead):
    TYPES: ClassVar[tuple[str, ...]] = ("payment.PaymentDeclined",)

    reason: ReasonCode


CONSUMED: tuple[type[CustomerEventRead], ...] = (
    OrderEventRead,
    OrderCancelledRead,
    PaymentEventRead,
    PaymentDeclinedRead,
)
