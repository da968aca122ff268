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


@dataclass(frozen=True, slots=True)
class ShippingAddress:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str


@dataclass(frozen=True, slots=True)
class CheckOut:
    user_id: str
    idempotency_key: str
    payment_token: str
    shipping_address: ShippingAddress | None


@dataclass(frozen=True, slots=True)
class FinishCheckout:
    """The order of a checked-out basket was confirmed: the basket is emptied. The order's
    products are the frozen basket's, whose membership items go with it."""

    user_id: str
    order_id: uuid.UUID
    product_ids: frozenset[uuid.UUID]


@dataclass(frozen=True, slots=True)
class ReopenBasket:
    """The order of a checked-out basket was cancelled: the basket can change again."""

    user_id: str
    order_id: uuid.UUID
