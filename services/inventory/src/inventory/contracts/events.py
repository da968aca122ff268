"""The inventory's published events, one per outcome of its saga steps. A change a consumer
could notice is a new VERSION."""

from __future__ import annotations

from typing import Annotated, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from inventory.domain.model import Reservation
from servicekit.codes import ErrorName
from servicekit.messaging.envelope import Event
from servicekit.text import OneLine

# The reason a refusal gives when stock is short: the error name the saga is answered with.
OUT_OF_STOCK = "OutOfStock"

# As the saga named the order: a UUID in its canonical spelling.
OrderRef = Annotated[str, StringConstraints(min_length=1, max_length=64), OneLine]


class ReservedLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    quantity: int


class _ReservationEvent(Event):
    """What every inventory event says: which order, and the units it concerns."""

    order_id: OrderRef
    lines: list[ReservedLine]

    @classmethod
    def of(cls, reservation: Reservation) -> Self:
        return cls(
            order_id=reservation.order_id,
            lines=[
                ReservedLine(sku=line.sku, quantity=line.quantity) for line in reservation.lines
            ],
        )


class StockReserved(_ReservationEvent):
    """The `ReserveStock` step held every line of the order."""

    TYPE: ClassVar[str] = "inventory.StockReserved"


class StockReservationRefused(Event):
    """The `ReserveStock` step held nothing: `reason` is the error the saga was answered with."""

    TYPE: ClassVar[str] = "inventory.StockReservationRefused"

    order_id: OrderRef
    reason: ErrorName = Field(description="The step's error name, e.g. OutOfStock")
    short_skus: list[str]


class StockReleased(_ReservationEvent):
    """The `ReleaseStock` step gave back what the order held or took (no lines: it held
    nothing)."""

    TYPE: ClassVar[str] = "inventory.StockReleased"


PUBLISHED: tuple[type[Event], ...] = (StockReserved, StockReservationRefused, StockReleased)
