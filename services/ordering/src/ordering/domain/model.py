"""Orders and the rules of their life: pending until the saga confirms or cancels them."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal

from ordering.domain.errors import OrderNotCancellableError, OrderNotConfirmableError


def _now() -> datetime:
    return datetime.now(UTC)


class OrderStatus(enum.StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    # Refused before its saga started: the command could not be stored as an order.
    REJECTED = "REJECTED"


class CancelReason(enum.StrEnum):
    OUT_OF_STOCK = "OUT_OF_STOCK"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    TIMEOUT = "TIMEOUT"
    CANCELLED_BY_CUSTOMER = "CANCELLED_BY_CUSTOMER"
    FAILED = "FAILED"
    INVALID_ORDER = "INVALID_ORDER"


# What the saga cancels a confirmed order for: its capture failed, or the confirmation's answer
# was lost and every retry of it timed out. Any other reason names a failure before the
# confirmation, which a confirmed order has left behind.
UNDOES_CONFIRMATION = frozenset({CancelReason.TIMEOUT, CancelReason.FAILED})


@dataclass(frozen=True, slots=True)
class OrderLine:
    product_id: uuid.UUID
    sku: str
    name: str
    quantity: int
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class ShippingAddress:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str


# How many entries an order's timeline takes from other services' events. Its own life writes
# a handful (placed, a cancellation asked, confirmed or cancelled), and each step of its saga
# one outcome (reserve, authorize, capture, void or refund, release: a dozen at the very
# most), so more can only be forged or replayed events: those are dropped, not stored.
TIMELINE_LIMIT = 32


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    step: str
    at: datetime
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Order:
    """An order. `cancel_requested` is the customer's wish, honoured when the saga reaches
    the confirmation step: until then stock and payment may be in flight."""

    id: uuid.UUID
    user_id: str
    lines: tuple[OrderLine, ...]
    currency: str
    status: OrderStatus = OrderStatus.PENDING
    reason: CancelReason | None = None
    cancel_requested: bool = False
    shipping_address: ShippingAddress | None = None
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)

    @classmethod
    def rejected(cls, order_id: uuid.UUID, user_id: str, currency: str) -> Order:
        """What is kept of an order refused before it started: whose it was, and why."""
        return cls(
            id=order_id,
            user_id=user_id,
            lines=(),
            currency=currency,
            status=OrderStatus.REJECTED,
            reason=CancelReason.INVALID_ORDER,
        )

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))

    def request_cancellation(self) -> Order:
        """The customer asks to cancel: possible only while the order is pending."""
        if self.status is OrderStatus.CONFIRMED:
            raise OrderNotCancellableError(self.id, "it is already confirmed")
        if self.status is OrderStatus.REJECTED:
            return self
        if self.status is OrderStatus.CANCELLED or self.cancel_requested:
            return self
        return replace(self, cancel_requested=True, updated_at=_now())

    def confirm(self) -> Order:
        """Confirmed by the saga; refused when the customer asked to cancel meanwhile."""
        if self.status is OrderStatus.CONFIRMED:
            return self
        if self.status is OrderStatus.CANCELLED or self.cancel_requested:
            raise OrderNotConfirmableError(self.id, "the customer cancelled it")
        return replace(self, status=OrderStatus.CONFIRMED, updated_at=_now())

    def cancel(self, reason: CancelReason) -> Order:
        """Cancelled by the saga, after its compensations ran. A confirmed order only for a
        failure that came after its confirmation; a rejected one never had a saga."""
        if self.status in (OrderStatus.CANCELLED, OrderStatus.REJECTED):
            return self
        if self.status is OrderStatus.CONFIRMED and reason not in UNDOES_CONFIRMATION:
            raise OrderNotCancellableError(self.id, f"it is confirmed, and {reason} came before")
        return replace(self, status=OrderStatus.CANCELLED, reason=reason, updated_at=_now())
