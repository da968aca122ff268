"""What the inventory can be asked to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from inventory.domain.model import Line


@dataclass(frozen=True, slots=True)
class RegisterSku:
    """The catalog created a product (from `catalog.ProductCreated`): start counting it."""

    event_id: uuid.UUID
    sku: str
    product_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class SetOnHand:
    """An administrator counted the warehouse."""

    sku: str
    on_hand: int


@dataclass(frozen=True, slots=True)
class ReserveStock:
    """Saga step: hold every line of an order, or none."""

    order_id: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class ReleaseStock:
    """Saga compensation: give back whatever an order holds or took."""

    order_id: str


@dataclass(frozen=True, slots=True)
class CommitReservation:
    """The order was confirmed (from `ordering.OrderConfirmed`): its units are sold."""

    event_id: uuid.UUID
    order_id: str


@dataclass(frozen=True, slots=True)
class ReleaseExpiredHolds:
    """Give back holds made before `held_before` and never committed nor released."""

    held_before: datetime
    limit: int = 100
