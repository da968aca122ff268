"""The fields of other services' events that the basket relies on, each bounded to what its
producer can send: a price the catalog could hold, a currency code, a version within the
catalog's range, a user id as ordering stores it. Anything else is poison."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from basket.domain.commands import FinishCheckout, ProductRepriced, ProductWithdrawn, ReopenBasket
from servicekit.codes import CurrencyCode
from servicekit.messaging.envelope import (
    MAX_AMOUNT,
    ConsumedMessage,
    EntityVersion,
    Envelope,
    UserId,
)

Price = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=12, decimal_places=2)]


class ProductPriceChangedRead(ConsumedMessage):
    TYPE: ClassVar[str] = "catalog.ProductPriceChanged"

    product_id: uuid.UUID
    price: Price
    currency: CurrencyCode
    product_version: EntityVersion

    def to_command(self, envelope: Envelope) -> ProductRepriced:
        return ProductRepriced(
            envelope.id, self.product_id, self.price, self.currency, self.product_version
        )


class ProductDeactivatedRead(ConsumedMessage):
    TYPE: ClassVar[str] = "catalog.ProductDeactivated"

    product_id: uuid.UUID
    product_version: EntityVersion

    def to_command(self, envelope: Envelope) -> ProductWithdrawn:
        return ProductWithdrawn(envelope.id, self.product_id, self.product_version)


class OrderEndedRead(ConsumedMessage):
    """An order's end, for the basket that was checked out into it."""

    order_id: uuid.UUID
    user_id: UserId


class OrderLineRead(BaseModel):
    """Of an order's line, the product: its basket line's, whose membership item goes."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    product_id: uuid.UUID


class OrderConfirmedRead(OrderEndedRead):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"

    lines: list[OrderLineRead]

    def to_command(self) -> FinishCheckout:
        products = frozenset(line.product_id for line in self.lines)
        return FinishCheckout(self.user_id, self.order_id, products)


class OrderUndoneRead(OrderEndedRead):
    """An order that ended without being placed: its basket reopens, so that the customer
    may change it and try again."""

    def to_command(self) -> ReopenBasket:
        return ReopenBasket(self.user_id, self.order_id)


class OrderCancelledRead(OrderUndoneRead):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"


class OrderRejectedRead(OrderUndoneRead):
    """Ordering refused the checkout's `PlaceOrder` before any saga started."""

    TYPE: ClassVar[str] = "ordering.OrderRejected"


CONSUMED: tuple[type[ConsumedMessage], ...] = (
    ProductPriceChangedRead,
    ProductDeactivatedRead,
    OrderConfirmedRead,
    OrderCancelledRead,
    OrderRejectedRead,
)
