"""What ordering reads from the `PlaceOrder` command the basket sends, and from the events
the saga's steps publish (on `ordering-events`), which make up the order's timeline."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from servicekit.messaging.envelope import ConsumedMessage


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PlacedLine(_Read):
    product_id: uuid.UUID
    sku: str
    name: str
    quantity: int = Field(ge=1)
    unit_price: Decimal = Field(gt=0)


class Address(_Read):
    name: str
    line1: str
    city: str
    postal_code: str
    country: str


class PlaceOrder(ConsumedMessage):
    TYPE: ClassVar[str] = "ordering.PlaceOrder"

    order_id: uuid.UUID
    user_id: str
    lines: list[PlacedLine] = Field(min_length=1)
    currency: str
    payment_token: str
    shipping_address: Address | None = None


class StepOutcome(ConsumedMessage):
    """An event that tells how one of an order's saga steps ended; only the order is read."""

    # A string, not a UUID: what is not one of ordering's order ids is ignored, not poison.
    order_id: str


class StockReserved(StepOutcome):
    TYPE: ClassVar[str] = "inventory.StockReserved"


class StockReservationRefused(StepOutcome):
    TYPE: ClassVar[str] = "inventory.StockReservationRefused"

    reason: str


class StockReleased(StepOutcome):
    TYPE: ClassVar[str] = "inventory.StockReleased"


class PaymentAuthorized(StepOutcome):
    TYPE: ClassVar[str] = "payment.PaymentAuthorized"


class PaymentDeclined(StepOutcome):
    TYPE: ClassVar[str] = "payment.PaymentDeclined"


class PaymentCaptured(StepOutcome):
    TYPE: ClassVar[str] = "payment.PaymentCaptured"


class PaymentVoided(StepOutcome):
    TYPE: ClassVar[str] = "payment.PaymentVoided"


class PaymentRefunded(StepOutcome):
    TYPE: ClassVar[str] = "payment.PaymentRefunded"


# Each step outcome as the order's timeline shows it: the step, and how it ended. The error
# names are the ones the steps answer the state machine with.
STEP_OUTCOMES: dict[type[StepOutcome], tuple[str, str]] = {
    StockReserved: ("ReserveStock", "succeeded"),
    StockReleased: ("ReleaseStock", "succeeded"),
    PaymentAuthorized: ("AuthorizePayment", "succeeded"),
    PaymentDeclined: ("AuthorizePayment", "failed: PaymentDeclined"),
    PaymentCaptured: ("CapturePayment", "succeeded"),
    PaymentVoided: ("VoidPayment", "succeeded"),
    PaymentRefunded: ("RefundPayment", "succeeded"),
}

CONSUMED: tuple[type[ConsumedMessage], ...] = (
    PlaceOrder,
    StockReservationRefused,
    *STEP_OUTCOMES,
)
