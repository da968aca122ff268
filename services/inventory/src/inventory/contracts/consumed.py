"""The fields of other services' events that the inventory relies on."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class ConsumedEvent(BaseModel):
    """The part of a published event a consumer reads; anything else is ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]


class ProductCreated(ConsumedEvent):
    TYPE: ClassVar[str] = "catalog.ProductCreated"
    VERSION: ClassVar[int] = 1

    product_id: uuid.UUID
    sku: str = Field(max_length=64)


class OrderConfirmed(ConsumedEvent):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"
    VERSION: ClassVar[int] = 1

    order_id: uuid.UUID


CONSUMED: tuple[type[ConsumedEvent], ...] = (ProductCreated, OrderConfirmed)
