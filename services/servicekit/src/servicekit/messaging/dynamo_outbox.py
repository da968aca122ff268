"""The transactional outbox for DynamoDB services, and its relay.

A service puts an outbox item in the same `TransactWriteItems` call as its state change
(`outbox_put`). The relay reads the oldest items, claims each with a short lease (a
conditional update, so two relays never send one item at the same time), sends it, then
deletes it. A relay that dies after sending leaves the lease to expire and the item to be sent
again; consumers' inboxes absorb the duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from botocore.exceptions import ClientError

from servicekit.messaging.envelope import Envelope
from servicekit.messaging.outbox import Publisher

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef

log = structlog.get_logger(__name__)

OUTBOX_PK = "OUTBOX"


def outbox_put(
    table: str, message_id: str, message_type: str, body: str
) -> TransactWriteItemTypeDef:
    """The transaction item that records a message to send."""
    created = datetime.now(UTC).isoformat()
    return {
        "Put": {
            "TableName": table,
            "Item": {
                "pk": {"S": OUTBOX_PK},
                "sk": {"S": f"{created}#{message_id}"},
                "message_id": {"S": message_id},
                "type": {"S": message_type},
                "body": {"S": body},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def envelope_put(table: str, envelope: Envelope) -> TransactWriteItemTypeDef:
    """The transaction item that records an event to publish."""
    return outbox_put(table, str(envelope.id), envelope.type, envelope.model_dump_json())


class DynamoOutboxRelay:
    """Sends a table's outbox items until stopped."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        publisher: Publisher,
        *,
        batch_size: int = 25,
        poll_seconds: float = 0.25,
        lease_seconds: int = 30,
    ) -> None:
        self._client = client
        self._table = table
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._lease_seconds = lease_seconds
        self._owner = uuid.uuid4().hex

    async def relay_once(self) -> int:
        """Claim, send and delete one batch; return how many items were sent."""
        response = await self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": OUTBOX_PK}},
            Limit=self._batch_size,
            ConsistentRead=True,
        )
        claimed = [item for item in response.get("Items", []) if await self._claim(item)]
        if not claimed:
            return 0
        messages = [(i["message_id"]["S"], i["type"]["S"], i["body"]["S"]) for i in claimed]
        try:
            result = await self._publisher.publish(messages)
        except Exception as exc:  # the broker is down: leases expire, items are retried
            log.warning("outbox_publish_failed", error=repr(exc), count=len(messages))
            return 0
        sent = set(result.published)
        for item in claimed:
            if item["message_id"]["S"] in sent:
                await self._client.delete_item(
                    TableName=self._table, Key={"pk": item["pk"], "sk": item["sk"]}
                )
        return len(sent)

    async def _claim(self, item: dict[str, Any]) -> bool:
        now = int(time.time())
        try:
            await self._client.update_item(
                TableName=self._table,
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET lease_until = :until, lease_owner = :owner",
                ConditionExpression="attribute_exists(pk) AND "
                "(attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeValues={
                    ":until": {"N": str(now + self._lease_seconds)},
                    ":owner": {"S": self._owner},
                    ":now": {"N": str(now)},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set."""
        while not stop.is_set():
            try:
                sent = await self.relay_once()
            except Exception as exc:  # the table is unreachable: try again shortly
                log.warning("outbox_relay_failed", error=repr(exc))
                sent = 0
            if sent:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._poll_seconds)
