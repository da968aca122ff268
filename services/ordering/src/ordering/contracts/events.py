"""The ordering service's published events. A change a consumer could notice is a new VERSION."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from ordering.domain.model import Order
from servicekit.codes import CurrencyCode, ReasonCode
from servicekit.messaging.envelope import Event, Money, UserId


class Line(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    product_id: uuid.UUID
    sku: str
    quantity: int
    unit_price: Money

    @classmethod
    def all_of(cls, order: Order) -> list[Line]:
        """The order's lines as messages carry them."""
        return [cls.model_validate(line) for line in order.lines]


class _OrderEvent(Event):
    """What every order event but a rejection says: whose order, and its total."""

    order_id: uuid.UUID
    user_id: UserId
    total: Money
    currency: CurrencyCode

    @classmethod
    def _about(cls, order: Order, **details: Any) -> Self:
        return cls(
            order_id=order.id,
            user_id=order.user_id,
            total=order.total,
            currency=order.currency,
            **details,
        )


class _OrderWithLines(_OrderEvent):
    """The facts `OrderPlaced` and `OrderConfirmed` share."""

    lines: list[Line]

    @classmethod
    def of(cls, order: Order) -> Self:
        return cls._about(order, lines=Line.all_of(order))


class OrderPlaced(_OrderWithLines):
    TYPE: ClassVar[str] = "ordering.OrderPlaced"


class OrderConfirmed(_OrderWithLines):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"


class OrderCancelled(_OrderEvent):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"

    reason: ReasonCode

    @classmethod
    def of(cls, order: Order) -> OrderCancelled:
        if order.reason is None:
            raise ValueError(f"order {order.id} is not cancelled")
        return cls._about(order, reason=order.reason.value)


class OrderRejected(Event):
    """The order was refused before its saga started: nothing was reserved nor charged."""

    TYPE: ClassVar[str] = "ordering.OrderRejected"

    order_id: uuid.UUID
    user_id: UserId
    reason: ReasonCode
    refused: list[str]

    @classmethod
    def of(cls, order: Order, refused: list[str]) -> OrderRejected:
        if order.reason is None:
            raise ValueError(f"order {order.id} is not rejected")
        return cls(
            order_id=order.id, user_id=order.user_id, reason=order.reason.value, refused=refused
        )


PUBLISHED: tuple[type[Event], ...] = (OrderPlaced, OrderConfirmed, OrderCancelled, OrderRejected)
