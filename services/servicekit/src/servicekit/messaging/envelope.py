"""The envelope every event and command travels in, and the base of every event contract.

Every queue is read as if an attacker could write to it: what a consumer reads is bounded
(text one line and short, amounts and versions within what a producer can hold, codes by
their patterns), so that a forged message is refused as poison rather than stored, shown or
logged. The types here are the ones producers and consumers share, so that a producer's
committed schema says what its consumers check.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
)

from servicekit.logging import correlation_id_var, request_id_var
from servicekit.telemetry import current_traceparent
from servicekit.text import OneLine, refused_character

# Money in a message: a decimal string with two places ("12.50"), never a float.
Money = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]
# numeric(12, 2), as every table that stores money holds it.
MAX_AMOUNT = Decimal("9999999999.99")
# An amount as a consumer reads it: what a producer's tables could have held.
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, max_digits=12, decimal_places=2)]
# Whose it is: the user id as the tokens name users and ordering stores them.
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128), OneLine]
# A version that orders one entity's changes, as PostgreSQL's `integer` holds it.
EntityVersion = Annotated[int, Field(ge=1, le=2**31 - 1)]

# An id carried for logs and onward calls: as short and printable as the HTTP edge admits.
_CarriedId = Annotated[str, StringConstraints(min_length=1, max_length=128), OneLine]
# W3C trace context, version 00: what the kit's own producers write.
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
_TRACEPARENT = re.compile(TRACEPARENT_PATTERN)
# Messages are not written before the shop was, nor in a future further than clocks drift.
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_CLOCK_DRIFT = timedelta(days=1)


class Message(BaseModel):
    """What a service sends in an envelope. Subclasses set `TYPE`; `VERSION` is 1 until a
    change a consumer could notice makes it 2."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1


class Event(Message):
    """A fact a service publishes to its topic; `TYPE` is `<service>.<PastTense>`."""


class Command(Message):
    """A request one service sends to another's queue; `TYPE` is `<service>.<Imperative>`."""


class ConsumedMessage(BaseModel):
    """The part of another service's event or command that a consumer reads; the rest is ignored.
    Subclasses set the `TYPE` they were written for, and its `VERSION` when it is not 1. One that
    reads several types alike (the same fields, at the same version, handled the same way) sets
    `TYPES` instead, and a subclass of it its own `TYPES`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    TYPES: ClassVar[tuple[str, ...]] = ()
    VERSION: ClassVar[int] = 1

    @classmethod
    def types(cls) -> tuple[str, ...]:
        """The types of message this model reads: its `TYPES`, or its one `TYPE`."""
        return cls.TYPES or (cls.TYPE,)


class Envelope(BaseModel):
    """What travels on the wire: the event's `data` and what is known about it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: Annotated[str, StringConstraints(min_length=3, max_length=200), OneLine]
    version: int = Field(ge=1, le=1000)
    occurred_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    source: Annotated[str, StringConstraints(min_length=1, max_length=100), OneLine]
    correlation_id: _CarriedId | None = None
    causation_id: _CarriedId | None = None
    traceparent: Annotated[str, StringConstraints(pattern=TRACEPARENT_PATTERN)] | None = None
    data: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _when_plausible(cls, value: datetime) -> datetime:
        # Consumers show it (an order's timeline) and order by it.
        if not _EARLIEST <= value <= datetime.now(UTC) + _CLOCK_DRIFT:
            raise ValueError("occurred_at is not a time a message could have been written")
        return value

    @classmethod
    def wrap(cls, message: Message, source: str) -> Self:
        """An envelope for `message`, correlated with (and in the trace of) whatever is being
        handled right now."""
        traceparent = current_traceparent()
        return cls(
            type=message.TYPE,
            version=message.VERSION,
            source=source,
            correlation_id=_carried(correlation_id_var.get()),
            causation_id=_carried(request_id_var.get()),
            traceparent=traceparent if traceparent and _TRACEPARENT.match(traceparent) else None,
            data=message.model_dump(mode="json"),
        )


def _carried(value: str | None) -> str | None:
    """`value` if a consumer would take it as an id; else nothing, rather than an envelope
    its consumers refuse (a producer never fails for what it was handed)."""
    if value is None or len(value) > 128 or refused_character(value) is not None:
        return None
    return value or None
