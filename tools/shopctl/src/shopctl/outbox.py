"""Parked outbox items of a DynamoDB table: listing them, and sending them again.

A relay parks an item the broker refused too many times under `OUTBOX#PARKED`, with its
last error, its attempt count and its home partition (`home_pk`). Retrying moves it back
there, in one transaction, with its count reset: the relay then sends it as any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PARKED_PK = "OUTBOX#PARKED"
_PARKING = ("home_pk", "attempts", "last_error", "parked_at")


@dataclass(frozen=True, slots=True)
class ParkedItem:
    message_id: str
    message_type: str
    attempts: int
    last_error: str
    parked_at: str


def _parked(dynamodb: Any, table: str) -> Iterator[dict[str, Any]]:
    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": PARKED_PK}},
    }
    while True:
        page = dynamodb.query(**query)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def list_parked(dynamodb: Any, table: str) -> list[ParkedItem]:
    """The parked items of `table`, oldest message first."""
    return [
        ParkedItem(
            message_id=item["message_id"]["S"],
            message_type=item["type"]["S"],
            attempts=int(item["attempts"]["N"]),
            last_error=item.get("last_error", {"S": ""})["S"],
            parked_at=item.get("parked_at", {"S": ""})["S"],
        )
        for item in _parked(dynamodb, table)
    ]


def retry_parked(dynamodb: Any, table: str, message_id: str | None = None) -> int:
    """Move parked items (all, or the one with `message_id`) back to the outbox; return how
    many moved. Each moves in its own transaction, so none is lost or doubled."""
    moved = 0
    for item in _parked(dynamodb, table):
        if message_id is not None and item["message_id"]["S"] != message_id:
            continue
        home = {k: v for k, v in item.items() if k not in _PARKING} | {"pk": item["home_pk"]}
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": table,
                        "Key": {"pk": item["pk"], "sk": item["sk"]},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": home,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
        moved += 1
    if message_id is not None and not moved:
        raise LookupError(f"no parked item with message id {message_id!r} in {table!r}")
    return moved
