"""Dead-letter queues: what is in them, and sending it back to be handled again.

What `show` prints is masked: a dead saga command still carries its task token (with which
anyone can answer the step), a dead `PlaceOrder` its payment token, a saga's input its secret.
Only their last characters are shown, enough to tell two messages apart.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from shopctl.topology import Topology

# The words of a field's name (snake_case or camelCase) that make its value a secret.
_SECRET_WORDS = frozenset(
    {"token", "secret", "proof", "password", "signature", "credential", "credentials", "hmac"}
)
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# In a body that is not JSON: a secret-named field and its value, quoted or not.
_SECRET_IN_TEXT = re.compile(
    r"""(?P<name>["']?[\w-]*(?:token|secret|proof|password|signature|credentials?)[\w-]*["']?"""
    r"""\s*[:=]\s*["']?)(?P<value>[^"'\s,;}&]+)""",
    re.IGNORECASE,
)
# A value shorter than this is masked whole: its last four characters would be too much of it.
_SHOWN_FROM = 16


def _is_secret(name: str) -> bool:
    return any(word.lower() in _SECRET_WORDS for word in _WORDS.findall(name))


def _mask_value(value: str) -> str:
    return "…" + value[-4:] if len(value) >= _SHOWN_FROM else "…"


def _mask_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _mask_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_all(item) for item in value]
    if value is None or isinstance(value, bool):
        return value
    return _mask_value(str(value))


def masked(body: Any) -> Any:
    """`body` with the value of every secret-named field masked, at any depth (of a body that
    is not JSON, every `name: value` or `name=value` that looks like one)."""
    if isinstance(body, dict):
        return {
            key: _mask_all(value) if _is_secret(str(key)) else masked(value)
            for key, value in body.items()
        }
    if isinstance(body, list):
        return [masked(item) for item in body]
    if isinstance(body, str):
        return _SECRET_IN_TEXT.sub(lambda m: m.group("name") + _mask_value(m.group("value")), body)
    return body


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
    """Up to `limit` messages of `queue`'s dead-letter queue, their secrets masked; they stay
    there."""
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
                "body": masked(body),
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
