"""The kit's message router: by type to a handler, the rest acknowledged or poison."""

from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from servicekit.messaging.consumer import PoisonMessageError, ReceivedMessage
from servicekit.messaging.envelope import ConsumedMessage, Envelope
from servicekit.messaging.router import MessageRouter
from servicekit.testing import envelope, received


class Shipped(ConsumedMessage):
    TYPE: ClassVar[str] = "test.Shipped"
    VERSION: ClassVar[int] = 1

    parcel: int


class Lost(ConsumedMessage):
    TYPE: ClassVar[str] = "test.Lost"
    VERSION: ClassVar[int] = 2

    parcel: int


def _router(seen: list[object]) -> MessageRouter:
    async def shipped(event: Shipped, env: Envelope) -> None:
        seen.append(("shipped", event.parcel, env.type))

    async def lost(event: Lost, _: Envelope) -> dict[str, int]:
        seen.append(("lost", event.parcel))
        return {"parcel": event.parcel}

    async def step(message: ReceivedMessage, document: Mapping[str, Any]) -> None:
        seen.append(("step", message.body, dict(document)))

    return MessageRouter().on(Shipped, shipped).on(Lost, lost).step("Deliver", step)


async def test_each_message_reaches_the_handler_of_its_type_and_version() -> None:
    seen: list[object] = []
    handle = _router(seen)
    await handle(received(envelope("test.Shipped", {"parcel": 1})))
    await handle(received(envelope("test.Lost", {"parcel": 2}, version=2)))
    await handle(received({"command": "Deliver", "task_token": "t"}))
    assert seen[:2] == [("shipped", 1, "test.Shipped"), ("lost", 2)]
    command = {"command": "Deliver", "task_token": "t"}
    assert seen[2] == ("step", '{"command": "Deliver", "task_token": "t"}', command)
    assert handle.message_types == {("test.Shipped", 1), ("test.Lost", 2)}
    assert handle.steps == {"Deliver"}


class Moved(ConsumedMessage):
    TYPES: ClassVar[tuple[str, ...]] = ("test.Packed", "test.Sent")

    parcel: int


class Returned(Moved):
    TYPES: ClassVar[tuple[str, ...]] = ("test.Returned",)

    reason: str


async def test_a_model_of_several_types_reaches_its_handler_for_each() -> None:
    seen: list[object] = []

    async def moved(event: Moved, env: Envelope) -> None:
        seen.append((type(event).__name__, event.parcel, env.type))

    handle = MessageRouter().on(Moved, moved).on(Returned, moved)
    await handle(received(envelope("test.Packed", {"parcel": 1})))
    await handle(received(envelope("test.Sent", {"parcel": 2})))
    await handle(received(envelope("test.Returned", {"parcel": 3, "reason": "late"})))
    assert seen == [
        ("Moved", 1, "test.Packed"),
        ("Moved", 2, "test.Sent"),
        ("Returned", 3, "test.Returned"),
    ]
    assert handle.message_types == {("test.Packed", 1), ("test.Sent", 1), ("test.Returned", 1)}
    assert (Shipped.types(), Moved.types()) == (("test.Shipped",), ("test.Packed", "test.Sent"))


async def test_unknown_types_and_versions_are_acknowledged_without_effect() -> None:
    seen: list[object] = []
    handle = _router(seen)
    await handle(received(envelope("test.Returned", {"parcel": 1})))
    await handle(received(envelope("test.Lost", {"parcel": 1}, version=1)))
    assert seen == []


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        {"command": 7, "task_token": "t"},  # a command that is not a name
        {"type": "test.Shipped"},  # not an envelope
        envelope("test.Shipped", {"parcel": "many"}),  # breaks its contract
        {"command": "Return", "task_token": "t"},  # a step not served here
    ],
)
async def test_what_can_never_be_handled_is_poison(body: Envelope | dict[str, Any] | str) -> None:
    seen: list[object] = []
    with pytest.raises(PoisonMessageError):
        await _router(seen)(received(body))
    assert seen == []
