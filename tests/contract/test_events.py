"""Producers publish what their committed schemas say; consumers read only what is published."""

import importlib
import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, Field

from basket.contracts.consumed import CONSUMED as BASKET_READS
from inventory.contracts.consumed import CONSUMED as INVENTORY_READS
from notification.contracts.consumed import CONSUMED as NOTIFICATION_READS
from ordering.contracts.consumed import CONSUMED as ORDERING_READS
from servicekit.messaging.envelope import ConsumedMessage, Message
from servicekit.messaging.schemas import (
    breaking_changes,
    file_name,
    looser_than_read,
    schema_of,
    unmet_reads,
)

ROOT = Path(__file__).resolve().parents[2]
# Where each producer's messages are defined: its events, or the commands it sends.
PRODUCERS = {
    "catalog": "catalog.contracts.events",
    "ordering": "ordering.contracts.events",
    "basket": "basket.contracts.commands",
    "payment": "payment.contracts.events",
    "inventory": "inventory.contracts.events",
}
CONSUMERS: dict[str, tuple[type[ConsumedMessage], ...]] = {
    "basket": BASKET_READS,
    "ordering": ORDERING_READS,
    "notification": NOTIFICATION_READS,
    "inventory": INVENTORY_READS,
}


def _contracts(service: str) -> Path:
    return ROOT / "services" / service / "src" / service / "contracts"


def _published(service: str) -> tuple[type[Message], ...]:
    events: tuple[type[Message], ...] = importlib.import_module(PRODUCERS[service]).PUBLISHED
    return events


def _committed() -> dict[tuple[str, int], dict[str, Any]]:
    schemas = {}
    for service in PRODUCERS:
        for path in (_contracts(service) / "schemas").glob("*.json"):
            schema = json.loads(path.read_text())
            schemas[(schema["x-event-type"], schema["x-event-version"])] = schema
    return schemas


PUBLISHED = [(service, event) for service in PRODUCERS for event in _published(service)]


@pytest.mark.parametrize(("service", "event"), PUBLISHED, ids=lambda v: getattr(v, "TYPE", v))
def test_the_committed_schema_is_what_the_producer_publishes(
    service: str, event: type[Message]
) -> None:
    path = _contracts(service) / "schemas" / file_name(event.TYPE, event.VERSION)
    assert path.exists(), f"commit {path.name}: python -m servicekit.messaging.schemas"
    assert json.loads(path.read_text()) == schema_of(event), (
        f"{event.TYPE} v{event.VERSION} changed; regenerate its schema, or publish a new VERSION "
        "if the change is incompatible"
    )


@pytest.mark.parametrize(("service", "event"), PUBLISHED, ids=lambda v: getattr(v, "TYPE", v))
def test_message_types_are_named_for_the_service_that_owns_them(
    service: str, event: type[Message]
) -> None:
    # An event is named for its producer; a command for the service that carries it out.
    owner, name = event.TYPE.split(".", 1)
    assert owner == service or PRODUCERS[service].endswith(".commands")
    assert name[0].isupper()


def _named(value: object) -> str:
    return getattr(value, "__name__", str(value))


# What each consumer reads, by each message type it reads it from.
READS = [
    (name, message_type, model)
    for name, models in CONSUMERS.items()
    for model in models
    for message_type in model.types()
]


@pytest.mark.parametrize(("consumer", "message_type", "reads"), READS, ids=_named)
def test_consumers_read_only_published_fields(
    consumer: str, message_type: str, reads: type[ConsumedMessage]
) -> None:
    schemas = _committed()
    key = (message_type, reads.VERSION)
    assert key in schemas, f"{consumer} reads {key}, which no producer publishes"
    assert unmet_reads(reads, schemas[key]) == []


COMMANDS = {
    message.TYPE
    for service, module in PRODUCERS.items()
    if module.endswith(".commands")
    for message in _published(service)
}
EVENT_READS = [read for read in READS if read[1] not in COMMANDS]


@pytest.mark.parametrize(("consumer", "message_type", "reads"), EVENT_READS, ids=_named)
def test_producers_promise_the_bounds_consumers_read_events_with(
    consumer: str, message_type: str, reads: type[ConsumedMessage]
) -> None:
    # An event outside its consumer's bounds is poison there: the producer's schema (and so
    # its model, which refuses to publish anything else) must keep within them. A command
    # that ordering rejects visibly (`PlaceOrder`) is checked by its own contract tests.
    schema = _committed()[(message_type, reads.VERSION)]
    assert looser_than_read(reads, schema) == []


def test_topology_subscribes_only_to_published_types() -> None:
    topology = json.loads((ROOT / "infra/topology.json").read_text())
    publishers = {t["name"]: t["publisher"] for t in topology["topics"]}
    for queue in topology["queues"]:
        for subscription in queue["subscriptions"]:
            publisher = publishers[subscription["topic"]]
            if publisher not in PRODUCERS:
                continue  # a service still to be built
            types = {event.TYPE for event in _published(publisher)}
            assert set(subscription["event_types"]) <= types, queue["name"]


class _Old(Message):
    TYPE: ClassVar[str] = "test.Thing"
    a: int
    b: str


class _Renamed(Message):
    TYPE: ClassVar[str] = "test.Thing"
    a: int
    c: str


class _Retyped(Message):
    TYPE: ClassVar[str] = "test.Thing"
    a: str
    b: str


class _Grown(Message):
    TYPE: ClassVar[str] = "test.Thing"
    a: int
    b: str
    d: int | None = None


def test_the_compatibility_check_can_fail() -> None:
    old = schema_of(_Old)
    assert breaking_changes(old, schema_of(_Renamed)) == ["b was removed"]
    assert breaking_changes(old, schema_of(_Retyped)) == ["a changed type"]
    assert breaking_changes(old, schema_of(_Grown)) == []


def test_the_consumer_check_can_fail() -> None:
    class Reads(BaseModel):
        a: int
        missing: str

    class ReadsWrongType(BaseModel):
        b: int

    assert unmet_reads(Reads, schema_of(_Old)) == ["missing is not published"]
    assert unmet_reads(ReadsWrongType, schema_of(_Old)) == ["b is published as {'string'}"]


def test_the_bounds_check_can_fail() -> None:
    class Bounded(_Old):
        a: int = Field(ge=1, le=9)
        b: str = Field(max_length=5, pattern=r"^[a-z]+$")

    class ReadsTighter(BaseModel):
        a: int = Field(ge=2, le=8)
        b: str = Field(max_length=4, pattern=r"^[a-z]+$")

    class ReadsOtherPattern(BaseModel):
        b: str = Field(pattern=r"^[A-Z]+$")

    assert looser_than_read(ReadsTighter, schema_of(Bounded)) == [
        "a may be published beyond maximum 8",
        "a may be published below minimum 2",
        "b may be published beyond maxLength 4",
    ]
    assert looser_than_read(ReadsOtherPattern, schema_of(Bounded)) == [
        "b is not published with the pattern it is read with"
    ]
    assert looser_than_read(ReadsTighter, schema_of(_Old)) != []
    assert looser_than_read(_Old, schema_of(Bounded)) == []
