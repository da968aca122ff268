"""Publishing envelopes to a service's SNS topic, or commands to a queue, in batches of ten
sent at once, with the message type as an attribute that subscriptions filter on and, when
tracing, the trace each message goes on in as a `traceparent` attribute; and, for callers that
publish a few messages each, many at once, calls they share (`SharedPublisher`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from servicekit.messaging.batching import SharedBatches
from servicekit.telemetry import measures, metering, publishing, tracing

if TYPE_CHECKING:
    from types_aiobotocore_sns import SNSClient
    from types_aiobotocore_sqs import SQSClient

    from servicekit.messaging.relay import Publisher

SNS_BATCH = 10

Messages = Sequence[tuple[str, str, str]]


@dataclass(frozen=True, slots=True)
class PublishResult:
    published: list[str]
    failed: list[str]
    # Why each failed id failed, as the broker said, where it said.
    errors: dict[str, str] = field(default_factory=dict)


def _entry_id(message_id: str) -> str:
    # Entry ids allow only letters, digits, - and _: a UUID's hex will do.
    return message_id.replace("-", "")


def _gather_results(batches: Messages, responses: Sequence[Any]) -> PublishResult:
    by_entry = {_entry_id(message_id): message_id for message_id, _, _ in batches}
    published: list[str] = []
    failed: list[str] = []
    errors: dict[str, str] = {}
    for response in responses:
        published += [by_entry[entry["Id"]] for entry in response.get("Successful", [])]
        for entry in response.get("Failed", []):
            message_id = by_entry[entry["Id"]]
            failed.append(message_id)
            errors[message_id] = f"{entry.get('Code', '')}: {entry.get('Message', '')}"
    return PublishResult(published, failed, errors)


def _batches(messages: Messages) -> list[Messages]:
    return [messages[i : i + SNS_BATCH] for i in range(0, len(messages), SNS_BATCH)]


# What one batch entry carries: its id, its body, its attributes.
Entry = tuple[str, str, dict[str, Any]]


class _BatchSender:
    """Sends messages ten at a time, every batch at once, each message in its own trace."""

    def __init__(self, destination: str) -> None:
        self._destination = destination

    async def publish(self, messages: Messages) -> PublishResult:
        """Send `(id, type, body)` triples; report which ids went out and which did not."""

        async def batch(part: Messages) -> Any:
            traces = _carried(part, self._destination)
            with publishing(f"publish {self._destination}", traces) as onward:
                return await self._send(
                    [
                        (_entry_id(message_id), body, _attributes(message_type, traceparent))
                        for (message_id, message_type, body), traceparent in zip(
                            part, onward, strict=True
                        )
                    ]
                )

        responses = await asyncio.gather(*(batch(part) for part in _batches(messages)))
        return _gather_results(messages, responses)

    async def _send(self, entries: list[Entry]) -> Any:
        raise NotImplementedError


class SnsPublisher(_BatchSender):
    """Publishes serialized envelopes to one topic."""

    def __init__(self, sns: SNSClient, topic_arn: str) -> None:
        super().__init__(topic_arn.rsplit(":", 1)[-1])
        self._sns = sns
        self._topic_arn = topic_arn

    async def _send(self, entries: list[Entry]) -> Any:
        return await self._sns.publish_batch(
            TopicArn=self._topic_arn,
            PublishBatchRequestEntries=[
                {"Id": entry_id, "Message": body, "MessageAttributes": attributes}
                for entry_id, body, attributes in entries
            ],
        )


class SqsSender(_BatchSender):
    """Sends serialized commands to one queue, in batches; same interface as `SnsPublisher`."""

    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        super().__init__(queue_url.rstrip("/").rsplit("/", 1)[-1])
        self._sqs = sqs
        self._queue_url = queue_url

    async def _send(self, entries: list[Entry]) -> Any:
        return await self._sqs.send_message_batch(
            QueueUrl=self._queue_url,
            Entries=[
                {"Id": entry_id, "MessageBody": body, "MessageAttributes": attributes}
                for entry_id, body, attributes in entries
            ],
        )


class SharedPublisher:
    """Publishes through `publisher` in calls that concurrent callers share (`SharedBatches`):
    fifty units of work committing at once, each publishing its one event, cost five calls of
    ten rather than fifty of one, and a lone caller's messages go out at once as before.

    Each caller gets its own result: which of its messages went out and which were refused,
    and why. A call that raises raises in every caller with a message in it, whoever's message
    made it fail. So a relay publishes without one: when a batch is refused whole, it sends
    each message again alone to find the one at fault (`relay.publish_isolated`), and shared
    calls would put them back together."""

    def __init__(self, publisher: Publisher) -> None:
        self._batches = SharedBatches(publisher.publish, SNS_BATCH)

    async def publish(self, messages: Messages) -> PublishResult:
        """Send `(id, type, body)` triples; report which ids went out and which did not."""
        results = await self._batches.send(messages)
        mine = PublishResult([], [])
        for (message_id, _, _), result in zip(messages, results, strict=True):
            if message_id in result.published:
                mine.published.append(message_id)
            elif message_id in result.failed:
                mine.failed.append(message_id)
                if message_id in result.errors:
                    mine.errors[message_id] = result.errors[message_id]
        return mine


def _attributes(message_type: str, traceparent: str | None) -> dict[str, Any]:
    """The type, which subscriptions filter on, and the trace the message goes on in."""
    attributes = {"type": {"DataType": "String", "StringValue": message_type}}
    if traceparent:
        attributes["traceparent"] = {"DataType": "String", "StringValue": traceparent}
    return attributes


def _carried(batch: Messages, destination: str) -> list[str | None]:
    """Each message's trace, which its envelope carries; and, when measuring, how long it
    waited in the outbox since it was written."""
    if not (tracing() or metering()):
        return [None] * len(batch)
    now, traceparents = datetime.now(UTC), []
    for _, _, body in batch:
        try:
            envelope = orjson.loads(body)
            traceparent, written = envelope.get("traceparent"), envelope.get("occurred_at")
        except (orjson.JSONDecodeError, AttributeError):
            traceparent, written = None, None
        traceparents.append(traceparent if isinstance(traceparent, str) else None)
        if metering() and isinstance(written, str):
            lag = (now - datetime.fromisoformat(written)).total_seconds()
            measures().outbox_lag.record(max(0.0, lag), {"destination": destination})
    return traceparents
