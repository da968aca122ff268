"""The envelope every message travels in is read as if an attacker wrote it: ids carried to
logs and onward calls are short and one line, the trace context is W3C's, the version and
the time are plausible. Anything else is poison. A producer never fails for what its context
handed it: an id its consumers would refuse is left out of the envelope instead."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from servicekit.logging import correlation_id_var, request_id_var
from servicekit.messaging.consumer import PoisonMessageError
from servicekit.messaging.envelope import ConsumedMessage, Envelope, Event
from servicekit.messaging.router import MessageRouter
from servicekit.testing import received

GENUINE: dict[str, Any] = {
    "id": "5b0c6a4e-8f0e-4c7e-9f7a-3f1f5d2f0e11",
    "type": "catalog.ProductCreated",
    "version": 1,
    "occurred_at": "2026-12-01T12:00:00+00:00",
    "source": "catalog",
    "correlation_id": "7f3a",
    "causation_id": "8e2b",
    "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "data": {},
}


@pytest.mark.parametrize(
    "forged",
    [
        {"correlation_id": "abc\ninjected=1"},
        {"correlation_id": "c" * 129},
        {"causation_id": "\u0085"},
        {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n"},
        {"traceparent": "not a trace"},
        {"type": "catalog.Product\u0000Created"},
        {"source": "catalog\r\n"},
        {"version": 0},
        {"version": 10**6},
        {"occurred_at": "2026-12-01T12:00:00"},  # no zone: not comparable with any other
        {"occurred_at": "0001-01-01T00:00:00+00:00"},
        {"occurred_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()},
    ],
    ids=lambda v: next(iter(v)),
)
def test_an_envelope_field_beyond_its_bound_is_refused(forged: dict[str, Any]) -> None:
    Envelope.model_validate(GENUINE)
    with pytest.raises(ValidationError):
        Envelope.model_validate(GENUINE | forged)


async def test_a_forged_envelope_is_poison_before_any_handler_sees_it() -> None:
    seen: list[object] = []

    class Created(ConsumedMessage):
        TYPE: ClassVar[str] = "catalog.ProductCreated"

    async def handle(message: Created, envelope: Envelope) -> None:
        seen.append(message)

    router = MessageRouter().on(Created, handle)
    forged = json.dumps(GENUINE | {"correlation_id": "x\ny"})
    with pytest.raises(PoisonMessageError):
        await router(received(forged))
    assert seen == []


class Noted(Event):
    TYPE: ClassVar[str] = "test.Noted"


def test_a_producer_leaves_out_an_id_its_consumers_would_refuse() -> None:
    correlation = correlation_id_var.set("c" * 500)
    cause = request_id_var.set("fine-id")
    try:
        envelope = Envelope.wrap(Noted(), "test")
    finally:
        correlation_id_var.reset(correlation)
        request_id_var.reset(cause)
    assert (envelope.correlation_id, envelope.causation_id) == (None, "fine-id")
    assert Envelope.model_validate_json(envelope.model_dump_json()) == envelope
