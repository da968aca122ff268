"""What a customer can ask of their basket."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class SetItemQuantity:
    user_id: str
    product_id: uuid.UUID
    quantity: int


@dataclass(frozen=True, slots=True)
class RemoveItem:
    user_id: str
    product_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class ClearBasket:
    user_id: str


@dataclass(frozen=True, slots=True)
class ProductRepriced:
    """The catalog changed a product's price (from `catalog.ProductPriceChanged`)."""

    event_id: uuid.UUID
    product_id: uuid.UUID
    price: Decimal
    currency: str
    product_version: int


@dataclass(frozen=True, slots=True)
class ProductWithdrawn:
    """The catalog stopped selling a product (from `catalog.ProductDeactivated`)."""

    event_id: uuid.UUID
    product_id: uuid.UUID
    product_version: int
