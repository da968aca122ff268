"""The messages a customer is sent, written from what happened to their order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from notification.domain.commands import NotifyCustomer, Topic


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one customer, about one event."""

    user_id: str
    event_id: uuid.UUID
    topic: Topic
    order_id: uuid.UUID
    subject: str
    body: str
    occurred_at: datetime
    created_at: datetime


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


def _money(news: NotifyCustomer) -> str:
    return f"{news.amount:.2f} {news.currency}"


def _placed(ref: str, news: NotifyCustomer) -> tuple[str, str]:
    return (
        f"We have received your order {ref}",
        f"Thank you for your order {ref} of {_money(news)}. We are checking stock and payment "
        "and will write again when it is confirmed.",
    )


def _confirmed(ref: str, news: NotifyCustomer) -> tuple[str, str]:
    return (
        f"Your order {ref} is confirmed",
        f"Your order {ref} of {_money(news)} is confirmed and on its way to being packed.",
    )


def _cancelled(ref: str, news: NotifyCustomer) -> tuple[str, str]:
    why = _CANCEL_REASONS.get(news.reason or "", "it could not be completed")
    return (
        f"Your order {ref} was cancelled",
        f"We are sorry: your order {ref} of {_money(news)} was cancelled because {why}. "
        "Any amount held or charged for it is released or refunded.",
    )


def _authorized(ref: str, news: NotifyCustomer) -> tuple[str, str]:
    return (
        f"Payment approved for order {ref}",
        f"{_money(news)} is reserved on your payment method for order {ref}. It is charged "
        "once the order is confirmed.",
    )


def _declined(ref: str, news: NotifyCustomer) -> tuple[str, str]:
    why = _DECLINE_REASONS.get(news.reason or "", "the payment provider declined it")
    return (
        f"Payment declined for order {ref}",
        f"We could not take payment of {_money(news)} for order {ref}: {why}.",
    )


def _captured(ref: str, news: NotifyCustomer) -> tuple[str, str]:
    return (
        f"Payment received for order {ref}",
        f"We have charged {_money(news)} for order {ref}. Thank you.",
    )


def _voided(ref: str, news: NotifyCustomer) -> tuple[str, str]:
    return (
        f"Payment hold released for order {ref}",
        f"The {_money(news)} reserved for order {ref} has been released; you were not charged.",
    )


def _refunded(ref: str, news: NotifyCustomer) -> tuple[str, str]:
    return (
        f"Refund for order {ref}",
        f"We have refunded {_money(news)} for order {ref} to your payment method.",
    )


_WRITERS: dict[Topic, Callable[[str, NotifyCustomer], tuple[str, str]]] = {
    Topic.ORDER_PLACED: _placed,
    Topic.ORDER_CONFIRMED: _confirmed,
    Topic.ORDER_CANCELLED: _cancelled,
    Topic.PAYMENT_AUTHORIZED: _authorized,
    Topic.PAYMENT_DECLINED: _declined,
    Topic.PAYMENT_CAPTURED: _captured,
    Topic.PAYMENT_VOIDED: _voided,
    Topic.PAYMENT_REFUNDED: _refunded,
}


def compose(news: NotifyCustomer) -> Notification:
    """The message the customer is sent about `news`."""
    subject, body = _WRITERS[news.topic](order_reference(news.order_id), news)
    return Notification(
        user_id=news.user_id,
        event_id=news.event_id,
        topic=news.topic,
        order_id=news.order_id,
        subject=subject,
        body=body,
        occurred_at=news.occurred_at,
        created_at=datetime.now(UTC),
    )
