"""What ordering reads from the `PlaceOrder` command the basket sends, and from the events
the saga's steps publish (on `ordering-events`), which make up the order's timeline."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from servicekit.messaging.envelope import ConsumedMessage


def _storable(text: str) -> str:
    # PostgreSQL's text and JSONB cannot hold NUL: such a command could never be stored.
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    return text


# Text ordering stores: refused here, where the order can still be rejected visibly, rather
# than by the database, where the command would fail on every delivery.
Text = Annotated[str, AfterValidator(_storable)]


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PlacedLine(_Read):
    product_id: uuid.UUID
    sku: Text = Field(min_length=1, max_length=64)
    name: Text = Field(max_length=200)
    quantity: int = Field(ge=1, le=1_000_000)
    unit_price: Decimal = Field(gt=0, max_digits=12, decimal_places=2)


class Address(_Read):
    name: Text
    line1: Text
    city: Text
    postal_code: Text
    country: Text


class PlaceOrderHead(ConsumedMessage):
    """Whose order a `PlaceOrder` is: enough to reject it visibly when the rest cannot be
    stored."""

    TYPE: ClassVar[str] = "ordering.PlaceOrder"

    order_id: uuid.UUID
    user_id: Text = Field(min_length=1, max_length=128)


class PlaceOrder(PlaceOrderHead):
    """The whole command, as far as ordering can store it."""

    lines: list[PlacedLine] = Field(min_length=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    payment_token: Text
    shipping_address: Address | None = None

    @model_validator(mode="after")
    def _one_line_per_product(self) -> Self:
        products = [line.product_id for line in self.lines]
        if len(set(products)) < len(products):
            raise ValueError("lines must name each product once")
        return self


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
