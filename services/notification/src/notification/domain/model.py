"""The messages a customer is sent, written from what happened to their order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from notification.domain.commands import NotifyCustomer, Topic


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one customer, about one event: made from the event alone, so the same
    event always makes the same message."""

    user_id: str
    event_id: uuid.UUID
    topic: Topic
    order_id: uuid.UUID
    subject: str
    body: str
    occurred_at: datetime


_CANCEL_REASONS = {
    "OUT_OF_STOCK": "some of its items are out of stock",
    "PAYMENT_DECLINED": "the payment was declined",
    "TIMEOUT": "it could not be completed in time",
    "CANCELLED_BY_CUSTOMER": "you asked us to cancel it",
}
_DECLINE_REASONS = {
    "CARD_DECLINED": "your card was declined",
    "AMOUNT_OVER_LIMIT": "the amount is above the limit for your payment method",
    "NO_PAYMENT_METHOD": "no payment method was given",
}


def order_reference(order_id: uuid.UUID) -> str:
    """The short form of an order id a person reads."""
    return order_id.hex[:8].upper()


# What a customer is told about each topic: a subject and a body, in which `{ref}` is the
# order's reference, `{money}` the amount with its currency and `{why}` the reason given.
_MESSAGES: dict[Topic, tuple[str, str]] = {
    Topic.ORDER_PLACED: (
        "We have received your order {ref}",
        "Thank you for your order {ref} of {money}. We are checking stock and payment "
        "and will write again when it is confirmed.",
    ),
    Topic.ORDER_CONFIRMED: (
        "Your order {ref} is confirmed",
        "Your order {ref} of {money} is confirmed and on its way to being packed.",
    ),
    Topic.ORDER_CANCELLED: (
        "Your order {ref} was cancelled",
        "We are sorry: your order {ref} of {money} was cancelled because {why}. "
        "Any amount held or charged for it is released or refunded.",
    ),
    Topic.PAYMENT_AUTHORIZED: (
        "Payment approved for order {ref}",
        "{money} is reserved on your payment method for order {ref}. It is charged "
        "once the order is confirmed.",
    ),
    Topic.PAYMENT_DECLINED: (
        "Payment declined for order {ref}",
        "We could not take payment of {money} for order {ref}: {why}.",
    ),
    Topic.PAYMENT_CAPTURED: (
        "Payment received for order {ref}",
        "We have charged {money} for order {ref}. Thank you.",
    ),
    Topic.PAYMENT_VOIDED: (
        "Payment hold released for order {ref}",
        "The {money} reserved for order {ref} has been released; you were not charged.",
    ),
    Topic.PAYMENT_REFUNDED: (
        "Refund for order {ref}",
        "We have refunded {money} for order {ref} to your payment method.",
    ),
}
# The reasons a topic explains, and what it says of a reason it does not know.
_REASONS: dict[Topic, tuple[dict[str, str], str]] = {
    Topic.ORDER_CANCELLED: (_CANCEL_REASONS, "it could not be completed"),
    Topic.PAYMENT_DECLINED: (_DECLINE_REASONS, "the payment provider declined it"),
}


def _why(news: NotifyCustomer) -> str:
    reasons, otherwise = _REASONS.get(news.topic, ({}, ""))
    return reasons.get(news.reason or "", otherwise)


def compose(news: NotifyCustomer) -> Notification:
    """The message the customer is sent about `news`."""
    subject, body = _MESSAGES[news.topic]
    values = {
        "ref": order_reference(news.order_id),
        "money": f"{news.amount:.2f} {news.currency}",
        "why": _why(news),
    }
    return Notification(
        user_id=news.user_id,
        event_id=news.event_id,
        topic=news.topic,
        order_id=news.order_id,
        subject=subject.format(**values),
        body=body.format(**values),
        occurred_at=news.occurred_at,
    )
