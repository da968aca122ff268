"""The fields of other services' events that the basket relies on."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class ConsumedEvent(BaseModel):
    """The part of a published event a consumer reads; anything else is ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]


class ProductPriceChanged(ConsumedEvent):
    TYPE: ClassVar[str] = "catalog.ProductPriceChanged"
    VERSION: ClassVar[int] = 1

    product_id: uuid.UUID
    price: Decimal
    currency: str
    product_version: int


class ProductDeactivated(ConsumedEvent):
    TYPE: ClassVar[str] = "catalog.ProductDeactivated"
    VERSION: ClassVar[int] = 1

    product_id: uuid.UUID
    product_version: int


class OrderConfirmed(ConsumedEvent):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"
    VERSION: ClassVar[int] = 1

    order_id: uuid.UUID
    user_id: str


class OrderCancelled(ConsumedEvent):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"
    VERSION: ClassVar[int] = 1

    order_id: uuid.UUID
    user_id: str


CONSUMED: tuple[type[ConsumedEvent], ...] = (
    ProductPriceChanged,
    ProductDeactivated,
    OrderConfirmed,
    OrderCancelled,
)
