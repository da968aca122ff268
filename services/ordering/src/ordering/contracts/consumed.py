"""What ordering reads from the `PlaceOrder` command the basket sends."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from servicekit.messaging.envelope import ConsumedMessage


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PlacedLine(_Read):
    product_id: uuid.UUID
    sku: str
    name: str
    quantity: int = Field(ge=1)
    unit_price: Decimal = Field(gt=0)


class Address(_Read):
    name: str
    line1: str
    city: str
    postal_code: str
    country: str


class PlaceOrder(ConsumedMessage):
    TYPE: ClassVar[str] = "ordering.PlaceOrder"

    order_id: uuid.UUID
    user_id: str
    lines: list[PlacedLine] = Field(min_length=1)
    currency: str
    payment_token: str
    shipping_address: Address | None = None


CONSUMED: tuple[type[ConsumedMessage], ...] = (PlaceOrder,)
