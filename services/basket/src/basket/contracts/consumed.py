"""The fields of other services' events that the basket relies on, each bounded to what its
producer can send: a price the catalog could hold, a currency code, a version within the
catalog's range, a user id as ordering stores it. Anything else is poison."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import Field

from servicekit.codes import CurrencyCode
from servicekit.messaging.envelope import MAX_AMOUNT, ConsumedMessage, EntityVersion, UserId

Price = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=12, decimal_places=2)]


class ProductPriceChangedRead(ConsumedMessage):
    TYPE: ClassVar[str] = "catalog.ProductPriceChanged"

    product_id: uuid.UUID
    price: Price
    currency: CurrencyCode
    product_version: EntityVersion


class ProductDeactivatedRead(ConsumedMessage):
    TYPE: ClassVar[str] = "catalog.ProductDeactivated"

    product_id: uuid.UUID
    product_version: EntityVersion


class OrderEndedRead(ConsumedMessage):
    """An order's end, for the basket that was checked out into it."""

    order_id: uuid.UUID
    user_id: UserId


class OrderConfirmedRead(OrderEndedRead):
    TYPE: ClassVar[str] = "ordering.OrderConfirmed"


class OrderCancelledRead(OrderEndedRead):
    TYPE: ClassVar[str] = "ordering.OrderCancelled"


class OrderRejectedRead(OrderEndedRead):
    """Ordering refused the checkout's `PlaceOrder` before any saga started."""

    TYPE: ClassVar[str] = "ordering.OrderRejected"


CONSUMED: tuple[type[ConsumedMessage], ...] = (
    ProductPriceChangedRead,
    ProductDeactivatedRead,
    OrderConfirmedRead,
    OrderCancelledRead,
    OrderRejectedRead,
)
