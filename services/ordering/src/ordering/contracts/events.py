"""The ordering service's published events. A change a consumer could notice is a new VERSION."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, PlainSerializer

from ordering.domain.model import Order
from servicekit.messaging.envelope import Event

# Money travels as a decimal string, never a float.
Money = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]


class Line(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: uuid.UUID
    sku: str
    quantity: int
    unit_price: Money


def _lines(order: Order) -> list[Line]:
    return [
        Line(
            product_id=line.product_id,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in order.lines
    ]


class OrderPlaced(Event):
    TYPE: ClassVar[str] = "ordering.OrderPlaced"
    VERSION: ClassVar[int] = 1

    order_id: uuid.UUID
    user_id: str
    total: Money
    currency: str
    lines: list[Line]

    @classmethod
    def of(cls, order: Order) -> OrderPlaced:
        return cls(
            order_id=order.id,
            user_id=order.user_id,
            total=order.total,
            currency=order.currency,
            lines=_lines(order),
        )


class OrderConfirmed(Event):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"
    VERSION: ClassVar[int] = 1

    order_id: uuid.UUID
    user_id: str
    total: Money
    currency: str
    lines: list[Line]

    @classmethod
    def of(cls, order: Order) -> OrderConfirmed:
        return cls(
            order_id=order.id,
            user_id=order.user_id,
            total=order.total,
            currency=order.currency,
            lines=_lines(order),
        )


class OrderCancelled(Event):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"
    VERSION: ClassVar[int] = 1

    order_id: uuid.UUID
    user_id: str
    total: Money
    currency: str
    reason: str

    @classmethod
    def of(cls, order: Order) -> OrderCancelled:
        assert order.reason is not None
        return cls(
            order_id=order.id,
            user_id=order.user_id,
            total=order.total,
            currency=order.currency,
            reason=order.reason.value,
        )


PUBLISHED: tuple[type[Event], ...] = (OrderPlaced, OrderConfirmed, OrderCancelled)
