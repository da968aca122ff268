"""Publishing envelopes to a service's SNS topic, in batches, with the event type as an
attribute so that subscriptions can filter on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types_aiobotocore_sns import SNSClient
    from types_aiobotocore_sqs import SQSClient

SNS_BATCH = 10


@dataclass(frozen=True, slots=True)
class PublishResult:
    published: list[str]
    failed: list[str]


class SnsPublisher:
    """Publishes serialized envelopes to one topic."""

    def __init__(self, sns: SNSClient, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        """Publish `(id, type, body)` triples; report which ids went out and which did not."""
        published: list[str] = []
        failed: list[str] = []
        for start in range(0, len(messages), SNS_BATCH):
            batch = messages[start : start + SNS_BATCH]
            response = await self._sns.publish_batch(
                TopicArn=self._topic_arn,
                PublishBatchRequestEntries=[
                    {
                        # Entry ids allow only letters, digits, - and _: a UUID's hex will do.
                        "Id": message_id.replace("-", ""),
                        "Message": body,
                        "MessageAttributes": {
                            "type": {"DataType": "String", "StringValue": event_type}
                        },
                    }
                    for message_id, event_type, body in batch
                ],
            )
            by_entry = {message_id.replace("-", ""): message_id for message_id, _, _ in batch}
            published += [by_entry[entry["Id"]] for entry in response.get("Successful", [])]
            failed += [by_entry[entry["Id"]] for entry in response.get("Failed", [])]
        return PublishResult(published, failed)


class SqsSender:
    """Sends serialized commands to one queue, in batches; same interface as `SnsPublisher`."""

    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        """Send `(id, type, body)` triples; report which ids went out and which did not."""
        published: list[str] = []
        failed: list[str] = []
        for start in range(0, len(messages), SNS_BATCH):
            batch = messages[start : start + SNS_BATCH]
            response = await self._sqs.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {
                        "Id": message_id.replace("-", ""),
                        "MessageBody": body,
                        "MessageAttributes": {
                            "type": {"DataType": "String", "StringValue": message_type}
                        },
                    }
                    for message_id, message_type, body in batch
                ],
            )
            by_entry = {message_id.replace("-", ""): message_id for message_id, _, _ in batch}
            published += [by_entry[entry["Id"]] for entry in response.get("Successful", [])]
            failed += [by_entry[entry["Id"]] for entry in response.get("Failed", [])]
        return PublishResult(published, failed)
