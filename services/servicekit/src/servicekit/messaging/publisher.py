"""Publishing envelopes to a service's SNS topic (or commands to a queue), in batches, with the
message type as an attribute that subscriptions filter on, and, when tracing, the trace each
message goes on in as a `traceparent` attribute."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from servicekit.telemetry import measures, metering, publishing, tracing

if TYPE_CHECKING:
    from types_aiobotocore_sns import SNSClient
    from types_aiobotocore_sqs import SQSClient

SNS_BATCH = 10


@dataclass(frozen=True, slots=True)
class PublishResult:
    published: list[str]
    failed: list[str]

    def add(self, batch: Sequence[tuple[str, str, str]], response: Mapping[str, Any]) -> None:
        """Record a batch call's answer: which of its entries went out and which did not."""
        by_entry = {message_id.replace("-", ""): message_id for message_id, _, _ in batch}
        self.published.extend(by_entry[entry["Id"]] for entry in response.get("Successful", []))
        self.failed.extend(by_entry[entry["Id"]] for entry in response.get("Failed", []))


class SnsPublisher:
    """Publishes serialized envelopes to one topic."""

    def __init__(self, sns: SNSClient, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn
        self._destination = topic_arn.rsplit(":", 1)[-1]
        self._span = f"publish {self._destination}"

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        """Publish `(id, type, body)` triples; report which ids went out and which did not."""
        result = PublishResult([], [])
        for start in range(0, len(messages), SNS_BATCH):
            batch = messages[start : start + SNS_BATCH]
            with publishing(self._span, _carried(batch, self._destination)) as onward:
                response = await self._sns.publish_batch(
                    TopicArn=self._topic_arn,
                    PublishBatchRequestEntries=[
                        {
                            # Entry ids allow only letters, digits, - and _: a UUID's hex will do.
                            "Id": message_id.replace("-", ""),
                            "Message": body,
                            "MessageAttributes": _attributes(event_type, traceparent),
                        }
                        for (message_id, event_type, body), traceparent in zip(
                            batch, onward, strict=True
                        )
                    ],
                )
            result.add(batch, response)
        return result


class SqsSender:
    """Sends serialized commands to one queue, in batches; same interface as `SnsPublisher`."""

    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._destination = queue_url.rstrip("/").rsplit("/", 1)[-1]
        self._span = f"publish {self._destination}"

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        """Send `(id, type, body)` triples; report which ids went out and which did not."""
        result = PublishResult([], [])
        for start in range(0, len(messages), SNS_BATCH):
            batch = messages[start : start + SNS_BATCH]
            with publishing(self._span, _carried(batch, self._destination)) as onward:
                response = await self._sqs.send_message_batch(
                    QueueUrl=self._queue_url,
                    Entries=[
                        {
                            "Id": message_id.replace("-", ""),
                            "MessageBody": body,
                            "MessageAttributes": _attributes(message_type, traceparent),
                        }
                        for (message_id, message_type, body), traceparent in zip(
                            batch, onward, strict=True
                        )
                    ],
                )
            result.add(batch, response)
        return result


def _attributes(message_type: str, traceparent: str | None) -> dict[str, Any]:
    """The type, which subscriptions filter on, and the trace the message goes on in."""
    attributes = {"type": {"DataType": "String", "StringValue": message_type}}
    if traceparent:
        attributes["traceparent"] = {"DataType": "String", "StringValue": traceparent}
    return attributes


def _carried(batch: Sequence[tuple[str, str, str]], destination: str) -> list[str | None]:
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
