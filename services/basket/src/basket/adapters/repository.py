"""Baskets in DynamoDB: one item per user, written only if nobody wrote it since it was read."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from basket.domain.model import Basket, BasketLine

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

SK = "BASKET"
CENT = Decimal("0.01")


class BasketRepository(Protocol):
    async def get(self, user_id: str) -> Basket: ...

    async def save(self, basket: Basket) -> bool:
        """Store `basket` as its next version; False if another write got there first."""
        ...

    async def delete(self, user_id: str) -> None: ...


def _key(user_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": SK}}


def _line_to_item(line: BasketLine) -> dict[str, Any]:
    return {
        "M": {
            "sku": {"S": line.sku},
            "name": {"S": line.name},
            "unit_price": {"N": str(line.unit_price)},
            "currency": {"S": line.currency},
            "quantity": {"N": str(line.quantity)},
            "available": {"BOOL": line.available},
        }
    }


def _line_from_item(product_id: str, item: dict[str, Any]) -> BasketLine:
    m = item["M"]
    return BasketLine(
        product_id=uuid.UUID(product_id),
        sku=m["sku"]["S"],
        name=m["name"]["S"],
        # DynamoDB normalises numbers ("39.00" comes back as "39"); money keeps its cents.
        unit_price=Decimal(m["unit_price"]["N"]).quantize(CENT),
        currency=m["currency"]["S"],
        quantity=int(m["quantity"]["N"]),
        available=m["available"]["BOOL"],
    )


class DynamoBasketRepository:
    """Baskets in the `baskets` table; each write pushes the expiry of an abandoned basket."""

    def __init__(self, client: DynamoDBClient, table: str, ttl_seconds: int) -> None:
        self._client = client
        self._table = table
        self._ttl_seconds = ttl_seconds

    async def get(self, user_id: str) -> Basket:
        response = await self._client.get_item(
            TableName=self._table, Key=_key(user_id), ConsistentRead=True
        )
        item = response.get("Item")
        if item is None or int(item["expires_at"]["N"]) <= time.time():
            # TTL deletion lags behind expiry; an expired basket is an empty one.
            return Basket(user_id=user_id, version=int(item["version"]["N"]) if item else 0)
        lines = {
            uuid.UUID(pid): _line_from_item(pid, value)
            for pid, value in item.get("lines", {"M": {}})["M"].items()
        }
        return Basket(
            user_id=user_id,
            lines=lines,
            version=int(item["version"]["N"]),
            updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
        )

    async def save(self, basket: Basket) -> bool:
        item = {
            **_key(basket.user_id),
            "user_id": {"S": basket.user_id},
            "lines": {"M": {str(pid): _line_to_item(line) for pid, line in basket.lines.items()}},
            "version": {"N": str(basket.version + 1)},
            "updated_at": {"S": basket.updated_at.isoformat()},
            "expires_at": {"N": str(int(time.time()) + self._ttl_seconds)},
        }
        if basket.version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(basket.version)}},
            }
        try:
            await self._client.put_item(TableName=self._table, Item=item, **condition)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    async def delete(self, user_id: str) -> None:
        await self._client.delete_item(TableName=self._table, Key=_key(user_id))
