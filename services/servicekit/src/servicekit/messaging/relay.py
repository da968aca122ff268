"""What both outbox relays decide alike, whatever store their messages wait in.

A relay takes what is due from its store (`outbox.OutboxRelay`: PostgreSQL rows it locks;
`dynamo_outbox.DynamoOutboxRelay`: DynamoDB items in the partitions it leases), hands it to
`RelayCore.settle`, and writes back what the core decided, in the store's own way:

- **sent**: mark (PostgreSQL) or delete (DynamoDB);
- **retry**: try again after a delay, with the message's refusals counted so far and the
  broker's last word;
- **park**: refused `max_attempts` times; set aside with its last error and count, where
  `shopctl outbox parked` lists it and `shopctl outbox retry` sends it again. Nothing behind
  it waits for it.

The core publishes isolated (a message the broker refuses fails alone, not its batch), tells
a refusal (the broker answered no: counted) from an outage (no answer, throttling, a server
error: not counted, or a broker outage would park everything), backs off exponentially, and
logs and counts what it parks. The stores never decide any of that.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import structlog
from botocore.exceptions import ClientError

from servicekit.messaging.publisher import PublishResult
from servicekit.telemetry import measures, metering

log = structlog.get_logger(__name__)

# What a store keeps of the broker's last word on a message.
MAX_ERROR_LENGTH = 1000


class Publisher(Protocol):
    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult: ...


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message a relay took from its store, with the refusals it has had so far."""

    message_id: str
    message_type: str
    body: str
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Retry:
    """Try the message again `delay` seconds from now; `attempts` refusals so far."""

    message_id: str
    attempts: int
    delay: float
    error: str


@dataclass(frozen=True, slots=True)
class Park:
    """Set the message aside after `attempts` refusals, the last one `error`."""

    message_id: str
    message_type: str
    attempts: int
    error: str


@dataclass(slots=True)
class Settlement:
    """What becomes of each message of a batch."""

    sent: list[str] = field(default_factory=list)
    retry: list[Retry] = field(default_factory=list)
    park: list[Park] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long a relay waits before trying a message again, and when it gives up."""

    # Ten refusals span about three minutes at these delays (0.5 s doubling, at most 60 s):
    # long enough for a broker's passing refusal (a policy being deployed, a topic being
    # recreated) to clear, short enough that a message that can never go is set aside before
    # it is noticed missing.
    max_attempts: int = 10
    base_backoff_seconds: float = 0.5
    max_backoff_seconds: float = 60.0

    def delay(self, tries: int) -> float:
        """Seconds to wait after the `tries`-th failure in a row (1 for the first)."""
        steps = min(max(tries - 1, 0), 16)
        return float(min(self.max_backoff_seconds, self.base_backoff_seconds * 2**steps))


_parked_total = 0


def parked_total() -> int:
    """Messages this process's relays have parked, of every store: the running count that
    `outbox_item_parked` carries."""
    return _parked_total


def is_refusal(exc: BaseException) -> bool:
    """True for the broker refusing the request itself (a 4xx that is not throttling)."""
    if not isinstance(exc, ClientError):
        return False
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return 400 <= status < 500 and "Throttl" not in code


async def publish_isolated(
    publisher: Publisher, messages: Sequence[tuple[str, str, str]]
) -> PublishResult:
    """Publish `messages`; if the whole call is refused, each alone, so that one message the
    broker can never take (too large, malformed) fails by itself and not its batch. A failure
    the broker may recover from (no connection, throttling, a server error) is raised."""
    try:
        return await publisher.publish(messages)
    except Exception as exc:
        if not is_refusal(exc):
            raise
        if len(messages) == 1:
            return PublishResult([], [messages[0][0]], {messages[0][0]: repr(exc)})
    results = await asyncio.gather(
        *(publisher.publish([m]) for m in messages), return_exceptions=True
    )
    published: list[str] = []
    failed: list[str] = []
    errors: dict[str, str] = {}
    for message, result in zip(messages, results, strict=True):
        if isinstance(result, BaseException):
            if not is_refusal(result):
                raise result
            failed.append(message[0])
            errors[message[0]] = repr(result)
        else:
            published += result.published
            failed += result.failed
            errors |= result.errors
    return PublishResult(published, failed, errors)


class RelayCore:
    """Publishes what a relay took and decides what becomes of each message.

    `store` names the outbox in logs and measures (a table or a schema). A relay calls
    `settle` for each batch it took, and `sweep_done` once per sweep: consecutive sweeps
    that found the broker down lengthen the wait of everything, so that an outage is not
    hammered by every message in turn.
    """

    def __init__(self, publisher: Publisher, store: str, policy: RetryPolicy) -> None:
        self._publisher = publisher
        self._store = store
        self.policy = policy
        self._outages = 0  # consecutive sweeps that found the broker down
        self._outage_seen = False

    async def settle(self, outgoing: Sequence[Outgoing]) -> Settlement:
        """Publish `outgoing`; what was sent, what to try again when, and what to park."""
        if not outgoing:
            return Settlement()
        messages = [(c.message_id, c.message_type, c.body) for c in outgoing]
        try:
            result = await publish_isolated(self._publisher, messages)
        except Exception as exc:  # the broker is unreachable: wait, count no refusal
            log.warning("outbox_publish_failed", error=repr(exc), count=len(outgoing))
            self._outage_seen = True
            tries = self._outages + 1
            return Settlement(
                retry=[
                    Retry(
                        c.message_id,
                        c.attempts,
                        self.policy.delay(max(tries, c.attempts)),
                        _bounded(repr(exc)),
                    )
                    for c in outgoing
                ]
            )
        sent = set(result.published)
        settlement = Settlement(sent=[c.message_id for c in outgoing if c.message_id in sent])
        for c in outgoing:
            if c.message_id in sent:
                continue
            attempts, error = c.attempts + 1, _bounded(result.errors.get(c.message_id, "refused"))
            if attempts >= self.policy.max_attempts:
                settlement.park.append(Park(c.message_id, c.message_type, attempts, error))
            else:
                settlement.retry.append(
                    Retry(c.message_id, attempts, self.policy.delay(attempts), error)
                )
        return settlement

    def sweep_done(self, taken: int) -> None:
        """End a sweep that took `taken` messages: an outage in it lengthens the next waits;
        a sweep that took messages without one ends the outage."""
        if self._outage_seen:
            self._outages += 1
        elif taken:
            self._outages = 0
        self._outage_seen = False

    def parked(self, park: Park) -> None:
        """Log and count a message its store has just parked."""
        global _parked_total
        _parked_total += 1
        if metering():
            measures().outbox_parked.add(1, {"store": self._store})
        log.error(
            "outbox_item_parked",
            store=self._store,
            message_id=park.message_id,
            message_type=park.message_type,
            attempts=park.attempts,
            error=park.error[:200],
            parked_total=_parked_total,
        )


def _bounded(error: str) -> str:
    return error[:MAX_ERROR_LENGTH]
