"""The fields of other services' events that the basket relies on."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from servicekit.messaging.envelope import ConsumedMessage


class ProductPriceChanged(ConsumedMessage):
    TYPE: ClassVar[str] = "catalog.ProductPriceChanged"

    product_id: uuid.UUID
    price: Decimal
    currency: str
    product_version: int


class ProductDeactivated(ConsumedMessage):
    TYPE: ClassVar[str] = "catalog.ProductDeactivated"

    product_id: uuid.UUID
    product_version: int


class OrderEnded(ConsumedMessage):
    """An order's end, for the basket that was checked out into it."""

    order_id: uuid.UUID
    user_id: str


class OrderConfirmed(OrderEnded):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"


class OrderCancelled(OrderEnded):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"


class OrderRejected(OrderEnded):
    """Ordering refused the checkout's `PlaceOrder` before any saga started."""

    TYPE: ClassVar[str] = "ordering.OrderRejected"


CONSUMED: tuple[type[ConsumedMessage], ...] = (
    ProductPriceChanged,
    ProductDeactivated,
    OrderConfirmed,
    OrderCancelled,
    OrderRejected,
)
