"""What ordering reads from the `PlaceOrder` command the basket sends, and from the events
the saga's steps publish (on `ordering-events`), which make up the order's timeline.

A `PlaceOrder` is checked as strictly as the basket's API checks a checkout, and against what
the ordering tables can hold: a command that could not be stored whole is rejected visibly
before anything of it is stored.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Annotated, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from ordering.domain import commands
from ordering.domain.model import OrderLine, ShippingAddress
from servicekit.codes import (
    CURRENCY_PATTERN,
    CountryCode,
    CurrencyCode,
    ErrorName,
    PaymentToken,
    SkuCode,
)
from servicekit.messaging.envelope import ConsumedMessage, Envelope
from servicekit.text import OneLine

# numeric(12, 2): the widest amount an order or a line can hold.
MAX_AMOUNT = Decimal("9999999999.99")


def _text(max_length: int, min_length: int = 1) -> StringConstraints:
    return StringConstraints(min_length=min_length, max_length=max_length)


Amount = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=12, decimal_places=2)]
_CURRENCY = re.compile(CURRENCY_PATTERN)


class _Read(BaseModel):
    # A refused command is logged: its values (a payment token, an address) stay out of it.
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)


class PlacedLineRead(_Read):
    product_id: uuid.UUID
    sku: Annotated[SkuCode, OneLine]
    name: Annotated[str, _text(200), OneLine]
    quantity: int = Field(ge=1, le=9999)
    unit_price: Amount


class AddressRead(_Read):
    name: Annotated[str, _text(100), OneLine]
    line1: Annotated[str, _text(200), OneLine]
    city: Annotated[str, _text(100), OneLine]
    postal_code: Annotated[str, _text(20), OneLine]
    country: Annotated[CountryCode, OneLine]


class PlaceOrderHeadRead(ConsumedMessage):
    """Whose order a `PlaceOrder` is: enough to reject it visibly when the rest cannot be
    stored."""

    TYPE: ClassVar[str] = "ordering.PlaceOrder"

    order_id: uuid.UUID
    user_id: Annotated[str, _text(128), OneLine]

    def to_rejection(self, envelope: Envelope, error: ValidationError) -> commands.RejectOrder:
        """The command that rejects this order visibly, naming the fields `error` refused."""
        currency = envelope.data.get("currency")
        return commands.RejectOrder(
            message_id=str(envelope.id),
            order_id=self.order_id,
            user_id=self.user_id,
            currency=currency if isinstance(currency, str) and _CURRENCY.match(currency) else "",
            refused=tuple(
                sorted(
                    {".".join(str(part) for part in e["loc"]) or "order" for e in error.errors()}
                )
            ),
        )


class PlaceOrderRead(PlaceOrderHeadRead):
    """The whole command, as far as ordering can store it."""

    lines: list[PlacedLineRead] = Field(min_length=1, max_length=100)
    currency: Annotated[CurrencyCode, OneLine]
    payment_token: Annotated[PaymentToken, OneLine]
    shipping_address: AddressRead | None = None

    @model_validator(mode="after")
    def _total_fits(self) -> Self:
        if sum(line.unit_price * line.quantity for line in self.lines) > MAX_AMOUNT:
            raise ValueError("The order's total is larger than an order can hold.")
        return self

    @model_validator(mode="after")
    def _one_line_per_product(self) -> Self:
        products = [line.product_id for line in self.lines]
        if len(set(products)) < len(products):
            raise ValueError("lines must name each product once")
        return self

    def to_command(self, envelope: Envelope) -> commands.PlaceOrder:
        """The basket's `PlaceOrder` as ordering's own command."""
        address = self.shipping_address
        return commands.PlaceOrder(
            message_id=str(envelope.id),
            order_id=self.order_id,
            user_id=self.user_id,
            lines=tuple(
                OrderLine(line.product_id, line.sku, line.name, line.quantity, line.unit_price)
                for line in self.lines
            ),
            currency=self.currency,
            payment_token=self.payment_token,
            shipping_address=ShippingAddress(**address.model_dump()) if address else None,
        )


# How a saga step ended, by the event its service publishes when it does: the step, and the
# outcome as the order's timeline shows it (an error name is the one the step answers the state
# machine with). A refused reservation tells its reason as well (`StockReservationRefusedRead`).
STEP_ENDINGS: dict[str, tuple[str, str]] = {
    "inventory.StockReserved": ("ReserveStock", "succeeded"),
    "inventory.StockReleased": ("ReleaseStock", "succeeded"),
    "payment.PaymentAuthorized": ("AuthorizePayment", "succeeded"),
    "payment.PaymentDeclined": ("AuthorizePayment", "failed: PaymentDeclined"),
    "payment.PaymentCaptured": ("CapturePayment", "succeeded"),
    "payment.PaymentVoided": ("VoidPayment", "succeeded"),
    "payment.PaymentRefunded": ("RefundPayment", "succeeded"),
}


class StepOutcomeRead(ConsumedMessage):
    """An event that tells how one of an order's saga steps ended (`STEP_ENDINGS`); only the
    order is read."""

    TYPES: ClassVar[tuple[str, ...]] = tuple(STEP_ENDINGS)

    # A string, not a UUID: what is not one of ordering's order ids is ignored, not poison.
    # Bounded all the same, since it is logged when ignored.
    order_id: Annotated[str, _text(64), OneLine]

    def ended(self, envelope: Envelope) -> tuple[str, str]:
        """The step, and how it ended, as the order's timeline shows it."""
        return STEP_ENDINGS[envelope.type]

    def to_command(self, envelope: Envelope) -> commands.RecordStep | None:
        """The command that records this outcome, at the time the step's service published
        it; None when it names no order id ordering could have issued."""
        try:
            order_id = uuid.UUID(self.order_id)
        except ValueError:
            return None
        step, detail = self.ended(envelope)
        return commands.RecordStep(str(envelope.id), order_id, step, detail, envelope.occurred_at)


class StockReservationRefusedRead(StepOutcomeRead):
    TYPES: ClassVar[tuple[str, ...]] = ("inventory.StockReservationRefused",)

    # Shown in the customer's timeline: an error name, never free text.
    reason: ErrorName

    def ended(self, envelope: Envelope) -> tuple[str, str]:
        return ("ReserveStock", f"failed: {self.reason}")


# The step outcomes the order's timeline shows.
STEP_OUTCOMES: tuple[type[StepOutcomeRead], ...] = (StepOutcomeRead, StockReservationRefusedRead)

CONSUMED: tuple[type[ConsumedMessage], ...] = (PlaceOrderRead, *STEP_OUTCOMES)
