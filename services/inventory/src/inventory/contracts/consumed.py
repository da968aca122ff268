"""The fields of other services' events that the inventory relies on."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from servicekit.codes import SkuCode
from servicekit.messaging.envelope import ConsumedMessage


class ProductCreatedRead(ConsumedMessage):
    TYPE: ClassVar[str] = "catalog.ProductCreated"

    product_id: uuid.UUID
    sku: SkuCode


class OrderConfirmedRead(ConsumedMessage):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"

    order_id: uuid.UUID


CONSUMED: tuple[type[ConsumedMessage], ...] = (ProductCreatedRead, OrderConfirmedRead)


class SagaLineRead(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: str
    quantity: int = Field(ge=1)


class ReserveStockRead(BaseModel):
    """What the inventory reads of the order saga's `ReserveStock` command."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: str
    lines: list[SagaLineRead]


class ReleaseStockRead(BaseModel):
    """What the inventory reads of the order saga's `ReleaseStock` command."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: str
