"""The commands the basket sends: `PlaceOrder` to `ordering-checkouts`, as the ordering
service's contract defines it."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from basket.domain.commands import ShippingAddress
from basket.domain.model import Basket
from servicekit.messaging.envelope import Command, Money


class Line(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    product_id: uuid.UUID
    sku: str
    name: str
    quantity: int
    unit_price: Money


class Address(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    name: str
    line1: str
    city: str
    postal_code: str
    country: str


class PlaceOrder(Command):
    TYPE: ClassVar[str] = "ordering.PlaceOrder"

    order_id: uuid.UUID
    user_id: str
    lines: list[Line]
    total: Money
    currency: str
    payment_token: str
    shipping_address: Address | None

    @classmethod
    def of(cls, basket: Basket, payment_token: str, address: ShippingAddress | None) -> PlaceOrder:
        if basket.order_id is None or basket.currency is None:
            raise ValueError("only a checked-out basket places an order")
        return cls(
            order_id=basket.order_id,
            user_id=basket.user_id,
            lines=[
                Line.model_validate(line)
                for line in sorted(basket.lines.values(), key=lambda line: line.sku)
            ],
            total=basket.total,
            currency=basket.currency,
            payment_token=payment_token,
            shipping_address=Address.model_validate(address) if address else None,
        )


# What the basket puts on the wire, checked like every producer's events.
PUBLISHED: tuple[type[Command], ...] = (PlaceOrder,)
