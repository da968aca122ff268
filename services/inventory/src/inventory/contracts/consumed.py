"""The fields of other services' events and of the saga's commands that the inventory relies
on, and the inventory's own commands made of them."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from inventory.domain import commands
from inventory.domain.model import Line
from servicekit.codes import SkuCode
from servicekit.messaging.envelope import ConsumedMessage, Envelope


def order_key(order_id: str) -> str:
    """An order id as the inventory stores it: a UUID in its canonical spelling."""
    try:
        return str(uuid.UUID(order_id))
    except ValueError:
        return order_id


class ProductCreatedRead(ConsumedMessage):
    TYPE: ClassVar[str] = "catalog.ProductCreated"

    product_id: uuid.UUID
    sku: SkuCode

    def to_command(self, envelope: Envelope) -> commands.RegisterSku:
        return commands.RegisterSku(envelope.id, self.sku, self.product_id)


class OrderConfirmedRead(ConsumedMessage):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"

    order_id: uuid.UUID

    def to_command(self, envelope: Envelope) -> commands.CommitReservation:
        return commands.CommitReservation(envelope.id, str(self.order_id))


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

    def to_command(self) -> commands.ReserveStock:
        lines = tuple(Line(line.sku, line.quantity) for line in self.lines)
        return commands.ReserveStock(order_key(self.order_id), lines)


class ReleaseStockRead(BaseModel):
    """What the inventory reads of the order saga's `ReleaseStock` command."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: str

    def to_command(self) -> commands.ReleaseStock:
        return commands.ReleaseStock(order_key(self.order_id))
