"""The fields of the catalog's events that the basket relies on."""

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


CONSUMED: tuple[type[ConsumedEvent], ...] = (ProductPriceChanged, ProductDeactivated)
