"""The envelope every event and command travels in, and the base of every event contract."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from servicekit.logging import correlation_id_var, request_id_var
from servicekit.telemetry import current_traceparent

# Money in a message: a decimal string with two places ("12.50"), never a float.
Money = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]


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
    Subclasses set the `TYPE` they were written for, and its `VERSION` when it is not 1."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1


class Envelope(BaseModel):
    """What travels on the wire: the event's `data` and what is known about it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(min_length=3, max_length=200)
    version: int = Field(ge=1)
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    source: str = Field(min_length=1, max_length=100)
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(cls, message: Message, source: str) -> Self:
        """An envelope for `message`, correlated with (and in the trace of) whatever is being
        handled right now."""
        return cls(
            type=message.TYPE,
            version=message.VERSION,
            source=source,
            correlation_id=correlation_id_var.get(),
            causation_id=request_id_var.get(),
            traceparent=current_traceparent(),
            data=message.model_dump(mode="json"),
        )
