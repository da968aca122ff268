"""The ordering API's JSON."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ordering.domain.model import Order, TimelineEntry


class LineOut(BaseModel):
    product_id: uuid.UUID
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    line1: str
    city: str
    postal_code: str
    country: str


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    step: str
    at: datetime
    detail: str


class OrderOut(BaseModel):
    id: uuid.UUID
    status: str
    reason: str | None
    cancel_requested: bool
    total: Decimal
    currency: str
    lines: list[LineOut]
    shipping_address: AddressOut | None
    created_at: datetime
    updated_at: datetime
    timeline: list[StepOut] | None = None

    @classmethod
    def of(cls, order: Order, timeline: list[TimelineEntry] | None = None) -> OrderOut:
        address = order.shipping_address
        return cls(
            id=order.id,
            status=order.status.value,
            reason=order.reason.value if order.reason else None,
            cancel_requested=order.cancel_requested,
            total=order.total,
            currency=order.currency,
            lines=[
                LineOut(
                    product_id=line.product_id,
                    sku=line.sku,
                    name=line.name,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    line_total=line.total,
                )
                for line in order.lines
            ],
            shipping_address=AddressOut.model_validate(address) if address else None,
            created_at=order.created_at,
            updated_at=order.updated_at,
            timeline=[StepOut.model_validate(entry) for entry in timeline]
            if timeline is not None
            else None,
        )


class OrderList(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None
