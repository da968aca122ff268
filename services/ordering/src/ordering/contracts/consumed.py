"""What ordering reads from the `PlaceOrder` command the basket sends.

Checked as strictly as the basket's API checks a checkout, and against what the ordering
tables can hold: a command that could not be stored whole is refused before anything is.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from servicekit.messaging.envelope import ConsumedMessage
from servicekit.text import OneLine

# numeric(12, 2): the widest amount an order or a line can hold.
MAX_AMOUNT = Decimal("9999999999.99")


def _text(max_length: int, min_length: int = 1) -> StringConstraints:
    return StringConstraints(min_length=min_length, max_length=max_length)


Amount = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=12, decimal_places=2)]


class _Read(BaseModel):
    # A refused command is logged: its values (a payment token, an address) stay out of it.
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)


class PlacedLine(_Read):
    product_id: uuid.UUID
    sku: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{1,63}$"), OneLine]
    name: Annotated[str, _text(200), OneLine]
    quantity: int = Field(ge=1, le=9999)
    unit_price: Amount


class Address(_Read):
    name: Annotated[str, _text(100), OneLine]
    line1: Annotated[str, _text(200), OneLine]
    city: Annotated[str, _text(100), OneLine]
    postal_code: Annotated[str, _text(20), OneLine]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), OneLine]


class PlaceOrder(ConsumedMessage):
    TYPE: ClassVar[str] = "ordering.PlaceOrder"

    order_id: uuid.UUID
    user_id: Annotated[str, _text(128), OneLine]
    lines: list[PlacedLine] = Field(min_length=1, max_length=100)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), OneLine]
    payment_token: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,100}$"), OneLine]
    shipping_address: Address | None = None

    @model_validator(mode="after")
    def _total_fits(self) -> Self:
        if sum(line.unit_price * line.quantity for line in self.lines) > MAX_AMOUNT:
            raise ValueError("The order's total is larger than an order can hold.")
        return self


CONSUMED: tuple[type[ConsumedMessage], ...] = (PlaceOrder,)
