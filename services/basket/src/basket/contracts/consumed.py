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


class OrderConfirmed(ConsumedMessage):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"

    order_id: uuid.UUID
    user_id: str


class OrderCancelled(ConsumedMessage):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"

    order_id: uuid.UUID
    user_id: str


class OrderRejected(ConsumedMessage):
    """Ordering refused the checkout's `PlaceOrder` before any saga started."""

    TYPE: ClassVar[str] = "ordering.OrderRejected"

    order_id: uuid.UUID
    user_id: str


CONSUMED: tuple[type[ConsumedMessage], ...] = (
    ProductPriceChanged,
    ProductDeactivated,
    OrderConfirmed,
    OrderCancelled,
    OrderRejected,
)
