"""A customer's basket: lines priced from the catalog, totals in decimal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal

from basket.domain.errors import (
    BasketFrozenError,
    BasketFullError,
    CurrencyMismatchError,
    EmptyBasketError,
    LinesUnavailableError,
)

MAX_LINES = 50


@dataclass(frozen=True, slots=True)
class ProductSnapshot:
    """What the catalog says about a product right now."""

    id: uuid.UUID
    sku: str
    name: str
    price: Decimal
    currency: str
    active: bool
    version: int


@dataclass(frozen=True, slots=True)
class BasketLine:
    product_id: uuid.UUID
    sku: str
    name: str
    unit_price: Decimal
    currency: str
    quantity: int
    product_version: int
    available: bool = True

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class LineChange:
    """What the catalog changed of a product, for the basket lines holding it: a line takes it
    only while it is older than `product_version`; a field left None stays as it is."""

    product_id: uuid.UUID
    product_version: int
    unit_price: Decimal | None = None
    currency: str | None = None
    available: bool | None = None


@dataclass(frozen=True, slots=True)
class Basket:
    """One user's basket. `version` guards concurrent writes; 0 means never stored. Checked
    out, it is frozen until its order is confirmed (then emptied) or cancelled (then thawed)."""

    user_id: str
    lines: dict[uuid.UUID, BasketLine] = field(default_factory=dict)
    version: int = 0
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    order_id: uuid.UUID | None = None

    @property
    def currency(self) -> str | None:
        return next((line.currency for line in self.lines.values()), None)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines.values()), Decimal("0.00"))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines.values())

    def check_out(self, order_id: uuid.UUID) -> Basket:
        """The basket frozen for `order_id`; it must hold only products still for sale."""
        if self.order_id is not None:
            raise BasketFrozenError(self.order_id)
        if not self.lines:
            raise EmptyBasketError
        unavailable = sorted(line.sku for line in self.lines.values() if not line.available)
        if unavailable:
            raise LinesUnavailableError(unavailable)
        return replace(self, order_id=order_id, updated_at=datetime.now(UTC))

    def set_quantity(self, product: ProductSnapshot, quantity: int) -> Basket:
        """The basket with `quantity` of `product` at its current price."""
        if self.order_id is not None:
            raise BasketFrozenError(self.order_id)
        if self.currency not in (None, product.currency) and not (
            len(self.lines) == 1 and product.id in self.lines
        ):
            raise CurrencyMismatchError(str(self.currency), product.currency)
        if product.id not in self.lines and len(self.lines) >= MAX_LINES:
            raise BasketFullError(MAX_LINES)
        line = BasketLine(
            product_id=product.id,
            sku=product.sku,
            name=product.name,
            unit_price=product.price,
            currency=product.currency,
            quantity=quantity,
            product_version=product.version,
        )
        return self._changed({**self.lines, product.id: line})

    def remove(self, product_id: uuid.UUID) -> Basket:
        """The basket without `product_id`; removing what is not there changes nothing."""
        if self.order_id is not None:
            raise BasketFrozenError(self.order_id)
        if product_id not in self.lines:
            return self
        return self._changed({k: v for k, v in self.lines.items() if k != product_id})

    def _changed(self, lines: dict[uuid.UUID, BasketLine]) -> Basket:
        return replace(self, lines=lines, updated_at=datetime.now(UTC))
