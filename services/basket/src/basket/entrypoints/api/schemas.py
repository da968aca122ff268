"""The basket's JSON: snake_case fields, money as decimal strings beside a currency."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from basket.domain.model import Basket
from servicekit.codes import CountryCode, PaymentToken
from servicekit.text import OneLine

Quantity = Annotated[int, Field(ge=1, le=99, strict=True, description="How many, 1 to 99")]


class ItemQuantity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: Quantity


def _text(max_length: int) -> StringConstraints:
    """Non-empty text, trimmed, of at most `max_length` characters."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


class ShippingAddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, _text(100), OneLine]
    line1: Annotated[str, _text(200), OneLine]
    city: Annotated[str, _text(100), OneLine]
    postal_code: Annotated[str, _text(20), OneLine]
    country: Annotated[CountryCode, Field(examples=["NL"]), OneLine]


class CheckoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_token: Annotated[PaymentToken, Field(examples=["tok_visa"]), OneLine]
    shipping_address: ShippingAddressIn | None = None


class CheckoutOut(BaseModel):
    order_id: uuid.UUID
    status: str = Field(description="Always PENDING: the order is placed asynchronously")


class BasketLineOut(BaseModel):
    product_id: uuid.UUID
    sku: str
    name: str
    unit_price: Decimal
    currency: str
    quantity: int
    line_total: Decimal
    available: bool


class BasketOut(BaseModel):
    lines: list[BasketLineOut]
    item_count: int
    total: Decimal
    currency: str | None = Field(description="Null while the basket is empty")
    updated_at: datetime | None
    order_id: uuid.UUID | None = Field(
        description="Set while the basket is checked out and its order is pending"
    )

    @classmethod
    def of(cls, basket: Basket) -> BasketOut:
        return cls(
            lines=[
                BasketLineOut(
                    product_id=line.product_id,
                    sku=line.sku,
                    name=line.name,
                    unit_price=line.unit_price,
                    currency=line.currency,
                    quantity=line.quantity,
                    line_total=line.total,
                    available=line.available,
                )
                for line in sorted(basket.lines.values(), key=lambda line: line.sku)
            ],
            item_count=basket.item_count,
            total=basket.total,
            currency=basket.currency,
            updated_at=basket.updated_at if basket.version else None,
            order_id=basket.order_id,
        )
