"""Consuming an SQS queue: long polling, batches, bounded concurrency, visibility extension
for slow handlers, delete on success (in batches), redelivery on failure, later after each
failed try (in batches), and a graceful drain.

A message that keeps failing is moved to the queue's dead-letter queue by SQS itself once it
has been received `maxReceiveCount` times; the consumer just keeps going. How long a failed
message waits before its next try grows with how often it was received, so that the tries
SQS allows are spread over longer than an outage of what the handlers depend on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson
import structlog

from servicekit.logging import correlation_id_var, request_id_var
from servicekit.messaging.batching import SharedBatches
from servicekit.messaging.envelope import Envelope
from servicekit.telemetry import consuming, measures

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

log = structlog.get_logger(__name__)

Handler = Callable[["ReceivedMessage"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """A message as a handler sees it."""

    message_id: str
    body: str
    receive_count: int
    # The trace the message was sent in, from its `traceparent` attribute, if it has one.
    traceparent: str | None = None


def parsed(message: ReceivedMessage) -> dict[str, Any]:
    """The message's body, parsed once: the JSON object every message is, or poison."""
    try:
        document = orjson.loads(message.body)
    except orjson.JSONDecodeError as exc:
        raise PoisonMessageError(f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise PoisonMessageError(f"not a message: a JSON {type(document).__name__}")
    return document


EnvelopeHandler = Callable[[ReceivedMessage, Envelope], Awaitable[None]]


def envelope_handler(handle: Callable[[Envelope], Awaitable[None]]) -> EnvelopeHandler:
    """A handler for the envelope a message carries: its ids bound to logs and onward calls."""

    async def handle_message(message: ReceivedMessage, envelope: Envelope) -> None:
        correlation = correlation_id_var.set(envelope.correlation_id or str(envelope.id))
        cause = request_id_var.set(str(envelope.id))
        try:
            with structlog.contextvars.bound_contextvars(
                event_id=str(envelope.id), event_type=envelope.type
            ):
                with consuming(
                    f"handle {envelope.type}",
                    message.traceparent or envelope.traceparent,
                    {"messaging.message.id": str(envelope.id)},
                ):
                    await handle(envelope)
                # From the producer's commit to the effect here: what the event benchmark reads.
                latency = datetime.now(UTC) - envelope.occurred_at
                log.info("envelope_handled", latency_ms=round(latency.total_seconds() * 1000, 1))
        finally:
            request_id_var.reset(cause)
            correlation_id_var.reset(correlation)

    return handle_message


class PoisonMessageError(Exception):
    """A message that can never be handled; it is left to go to the dead-letter queue."""


@dataclass(frozen=True, slots=True)
class ConsumerSettings:
    # Short enough that a stopping worker finishes its last poll promptly rather than
    # abandoning it: an abandoned poll can still be handed a message, which then stays
    # invisible to every other worker until its visibility timeout.
    wait_seconds: int = 5
    batch_size: int = 10
    concurrency: int = 16
    # Kept short, and extended while a handler works: a message held by a worker that died
    # comes back to the others after this long. The saga's local step timeouts count on it.
    visibility_timeout: int = 10
    # How long a failed message stays away before its next try, by how many times it has been
    # received (the last repeats). Every queue dead-letters at its fifth receive, so a message
    # is tried at 0, 5, 20, 50 and 110 s: the first retry is quick, and the last comes after a
    # 60 s outage of PostgreSQL or DynamoDB, plus the 30 s a stopping task may take to finish
    # (ECS's stopTimeout; compose's stop grace is shorter), plus 20 s to spare.
    retry_delays: tuple[int, ...] = (5, 15, 30, 60)
    # A message that can never be handled goes to the dead-letter queue soon, out of the way.
    poison_delay_seconds: int = 2
    # How long a handled message's deletion waits for others to share its call. Nothing waits
    # on it (a handled message stays invisible for its visibility timeout either way), and
    # messages handled a few milliseconds apart, as a busy queue's are, then go in one call.
    delete_linger_seconds: float = 0.5
    # How long a busy queue is left to gather messages before it is asked again (Lambda's
    # batching window, for a poller of our own). A receive that brought several messages but
    # not a full batch says they arrive faster than one at a time and slower than the worker
    # takes them: waiting this long makes the next receive fuller, and receives fewer (each a
    # request SQS bills, and CPU on both sides). Nothing received waits on it, only what has
    # yet to arrive; a quiet queue (a message at a time) or a backlog (full batches) is asked
    # again at once.
    receive_window_seconds: float = 0.1

    def retry_delay(self, receive_count: int) -> int:
        """Seconds a message that failed on its `receive_count`-th receive stays away."""
        return self.retry_delays[min(max(receive_count, 1), len(self.retry_delays)) - 1]


T = TypeVar("T")


class _Batches(Generic[T]):
    """Sends SQS batch calls with no waiting (`SharedBatches`): the first entry goes out at
    once, and those that arrive while a batch is on its way go out together in the next.

    An entry that is lost (the process dies first, or SQS refuses) costs little: a message
    whose deletion is lost is received again, one whose delay is lost comes back after the
    receive's visibility timeout instead, and handlers are idempotent. So a failed call is
    logged, and nobody waits for its outcome."""

    _MAX_BATCH = 10  # SQS's limit for a batch call
    _WHAT = "batch"  # what the logs call a failed call

    def __init__(self, sqs: SQSClient, queue_url: str, linger: float = 0.0) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._batches = SharedBatches(self._send, self._MAX_BATCH, linger=linger)

    def add(self, entry: T) -> None:
        """Send `entry`, soon."""
        self._batches.add(entry)

    async def flush(self) -> None:
        """Wait until what was added has been sent."""
        await self._batches.flush()

    async def _call(self, batch: list[T]) -> Mapping[str, Any]:
        raise NotImplementedError

    async def _send(self, batch: list[T]) -> None:
        try:
            response = await self._call(batch)
        except Exception as exc:  # see the class's docstring
            log.warning(f"{self._WHAT}_failed", count=len(batch), error=repr(exc))
            return
        if failed := response.get("Failed"):
            log.warning(
                f"{self._WHAT}_refused", count=len(failed), codes=[f["Code"] for f in failed]
            )


class _Deletions(_Batches[str]):
    """Deletes handled messages, by receipt, in batches."""

    _WHAT = "delete"

    async def _call(self, batch: list[str]) -> Mapping[str, Any]:
        return await self._sqs.delete_message_batch(
            QueueUrl=self._queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": r} for i, r in enumerate(batch)],
        )


class _Delays(_Batches[tuple[str, int]]):
    """Hides failed messages, each (receipt, seconds) for its own delay, in batches."""

    _WHAT = "retry_delay"

    async def _call(self, batch: list[tuple[str, int]]) -> Mapping[str, Any]:
        return await self._sqs.change_message_visibility_batch(
            QueueUrl=self._queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": receipt, "VisibilityTimeout": seconds}
                for i, (receipt, seconds) in enumerate(batch)
            ],
        )


class QueueConsumer:
    """Feeds one queue's messages to one handler until stopped."""

    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        handler: Handler,
        settings: ConsumerSettings | None = None,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue = queue_url.rstrip("/").rsplit("/", 1)[-1]
        self._handler = handler
        self._settings = settings or ConsumerSettings()
        self._slots = asyncio.Semaphore(self._settings.concurrency)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._deletions = _Deletions(sqs, queue_url, self._settings.delete_linger_seconds)
        self._delays = _Delays(sqs, queue_url)

    async def run(self, stop: asyncio.Event) -> None:
        """Receive and handle until `stop` is set, then finish what is in flight."""
        while not stop.is_set():
            # Never hold more messages than can be handled: they would sit invisible.
            await self._slots.acquire()
            free = 1
            while free < self._settings.batch_size and not self._slots.locked():
                await self._slots.acquire()
                free += 1
            try:
                messages = await self._receive(free)
            except Exception as exc:  # the queue is unreachable: back off and try again
                log.warning("receive_failed", error=repr(exc))
                messages = []
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 2)
            for _ in range(free - len(messages)):
                self._slots.release()
            for message in messages:
                task = asyncio.create_task(self._handle(message))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            if 1 < len(messages) < free:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._settings.receive_window_seconds)
        await self.drain()

    async def drain(self) -> None:
        """Wait for the messages being handled, and for their deletion or delay."""
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await asyncio.gather(self._deletions.flush(), self._delays.flush())

    async def _receive(self, count: int) -> list[dict[str, Any]]:
        response = await self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=self._settings.wait_seconds,
            VisibilityTimeout=self._settings.visibility_timeout,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            MessageAttributeNames=["traceparent"],
        )
        messages: list[dict[str, Any]] = [dict(m) for m in response.get("Messages", [])]
        return messages

    async def _handle(self, message: dict[str, Any]) -> None:
        receipt = message["ReceiptHandle"]
        received = ReceivedMessage(
            message_id=message.get("MessageId", ""),
            body=message["Body"],
            receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1)),
            traceparent=message.get("MessageAttributes", {})
            .get("traceparent", {})
            .get("StringValue"),
        )
        sent_ms = message.get("Attributes", {}).get("SentTimestamp")
        if sent_ms is not None:
            waited = max(0.0, time.time() - int(sent_ms) / 1000)
            measures().message_age.record(waited, {"queue": self._queue})
        extender = asyncio.create_task(self._keep_invisible(receipt))
        started, outcome = time.monotonic(), "handled"
        try:
            await self._handler(received)
        except Exception as exc:
            poison = isinstance(exc, PoisonMessageError)
            outcome = "poison" if poison else "failed"
            delay = (
                self._settings.poison_delay_seconds
                if poison
                else self._settings.retry_delay(received.receive_count)
            )
            log.warning(
                "message_failed",
                message_id=received.message_id,
                receives=received.receive_count,
                poison=poison,
                retry_in_seconds=delay,
                error=repr(exc),
            )
            extender.cancel()
            self._delays.add((receipt, delay))
        else:
            extender.cancel()
            self._deletions.add(receipt)
        finally:
            extender.cancel()
            self._slots.release()
            measures().handling.record(
                time.monotonic() - started, {"queue": self._queue, "outcome": outcome}
            )

    async def _keep_invisible(self, receipt: str) -> None:
        """Extend the visibility of a message whose handler is still working on it."""
        period = self._settings.visibility_timeout
        while True:
            await asyncio.sleep(period / 2)
            try:
                await self._sqs.change_message_visibility(
                    QueueUrl=self._queue_url, ReceiptHandle=receipt, VisibilityTimeout=period
                )
            except Exception as exc:
                log.warning("visibility_extension_failed", error=repr(exc))
