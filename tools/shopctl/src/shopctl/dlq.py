"""Dead-letter queues: what is in them, and sending it back to be handled again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shopctl.topology import Topology


@dataclass(frozen=True, slots=True)
class DeadLetters:
    queue: str
    dead_letter_queue: str
    count: int


def _url(sqs: Any, name: str) -> str:
    url: str = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return url


def _depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _source(topology: Topology, queue: str) -> str:
    names = {q.name: q.dead_letter_queue for q in topology.queues}
    if queue not in names:
        raise LookupError(f"{queue!r} is not a declared queue; one of: {', '.join(names)}")
    return names[queue]


def list_dead_letters(sqs: Any, topology: Topology) -> list[DeadLetters]:
    """How many messages each declared queue's dead-letter queue holds."""
    return [
        DeadLetters(q.name, q.dead_letter_queue, _depth(sqs, _url(sqs, q.dead_letter_queue)))
        for q in topology.queues
    ]


def show_dead_letters(
    sqs: Any, topology: Topology, queue: str, limit: int = 10
) -> list[dict[str, Any]]:
    """Up to `limit` messages of `queue`'s dead-letter queue; they stay there."""
    url = _url(sqs, _source(topology, queue))
    response = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=min(limit, 10),
        VisibilityTimeout=1,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
    )
    shown = []
    for message in response.get("Messages", []):
        try:
            body: Any = json.loads(message["Body"])
        except ValueError:
            body = message["Body"]
        shown.append(
            {
                "message_id": message["MessageId"],
                "receive_count": message.get("Attributes", {}).get("ApproximateReceiveCount"),
                "sent": message.get("Attributes", {}).get("SentTimestamp"),
                "type": message.get("MessageAttributes", {}).get("type", {}).get("StringValue"),
                "body": body,
            }
        )
    return shown


def redrive(sqs: Any, topology: Topology, queue: str) -> int:
    """Move every message of `queue`'s dead-letter queue back to `queue`; return how many.

    Each message is sent to the queue before it is deleted from the dead-letter queue, so a
    failure half-way leaves a copy in both places, never in neither.
    """
    dlq_url, url = _url(sqs, _source(topology, queue)), _url(sqs, queue)
    moved = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=30,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            attributes = message.get("MessageAttributes", {})
            sqs.send_message(
                QueueUrl=url,
                MessageBody=message["Body"],
                **({"MessageAttributes": attributes} if attributes else {}),
            )
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
