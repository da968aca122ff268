"""What the ordering service can be asked to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ordering.domain.model import CancelReason, OrderLine, ShippingAddress


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    message_id: str
    order_id: uuid.UUID
    user_id: str
    lines: tuple[OrderLine, ...]
    currency: str
    payment_token: str
    shipping_address: ShippingAddress | None


@dataclass(frozen=True, slots=True)
class RejectOrder:
    """A `PlaceOrder` that can never be stored: `refused` names the fields at fault."""

    message_id: str
    order_id: uuid.UUID
    user_id: str
    currency: str
    refused: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConfirmOrder:
    order_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class CancelOrder:
    order_id: uuid.UUID
    reason: CancelReason


@dataclass(frozen=True, slots=True)
class RequestCancellation:
    order_id: uuid.UUID
    user_id: str


@dataclass(frozen=True, slots=True)
class RecordStep:
    """A saga step of the order ended (from the event its service published at `at`)."""

    message_id: str
    order_id: uuid.UUID
    step: str
    detail: str
    at: datetime
