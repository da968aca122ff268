"""Baskets in DynamoDB.

One item per basket (`USER#<id>`, `BASKET`), written only if nobody wrote it since it was read.
Beside it, one membership item per line (`PRODUCT#<id>`, `USER#<id>`), written in the same
transaction, so that a price change can find the baskets holding a product. Both expire
together when a basket is abandoned.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from botocore.exceptions import ClientError

from basket.domain.model import Basket, BasketLine
from servicekit.messaging.dynamo_outbox import envelope_put
from servicekit.messaging.envelope import Envelope

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import (
        PutTypeDef,
        TransactWriteItemTypeDef,
        UpdateTypeDef,
    )

BASKET = "BASKET"
CENT = Decimal("0.01")
INBOX_TTL_SECONDS = 14 * 86400
CHECKOUT_KEY_TTL_SECONDS = 7 * 86400


class PastCheckout(NamedTuple):
    """What a checkout left under its idempotency key."""

    order_id: uuid.UUID
    # A hash of the request it answered; None for a key stored before requests were hashed.
    request_hash: str | None


class BasketRepository(Protocol):
    async def get(self, user_id: str) -> Basket: ...

    async def save(self, basket: Basket, previous: Basket) -> bool:
        """Store `basket` as the version after `previous`; False if another write got there
        first."""
        ...

    async def delete(self, basket: Basket) -> None: ...

    async def holders(self, product_id: uuid.UUID) -> list[str]:
        """The users whose baskets hold `product_id`."""
        ...

    async def find_checkout(self, user_id: str, idempotency_key: str) -> PastCheckout | None:
        """The order a checkout with this key created, if one did, and its request's hash."""
        ...

    async def check_out(
        self,
        basket: Basket,
        previous: Basket,
        idempotency_key: str,
        request_hash: str,
        place_order: Envelope,
    ) -> bool:
        """Freeze the basket, remember the key with the request's hash and queue
        `PlaceOrder`, all or nothing; False if the basket changed or the key was used
        meanwhile."""
        ...

    async def finish_checkout(self, user_id: str, order_id: uuid.UUID) -> bool:
        """Empty the basket if it is frozen for `order_id`."""
        ...

    async def reopen(self, user_id: str, order_id: uuid.UUID) -> bool:
        """Thaw the basket if it is frozen for `order_id`."""
        ...

    async def update_line(
        self,
        user_id: str,
        product_id: uuid.UUID,
        *,
        product_version: int,
        event_id: uuid.UUID,
        unit_price: Decimal | None = None,
        currency: str | None = None,
        available: bool | None = None,
    ) -> bool:
        """Apply a catalog change to one basket line, once, and only if it is newer than what
        the line has; False when it changed nothing."""
        ...


def _basket_key(user_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": BASKET}}


def _checkout_key(user_id: str, idempotency_key: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": f"CHECKOUT#{idempotency_key}"}}


def _holder_key(product_id: uuid.UUID, user_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": f"USER#{user_id}"}}


def _line_to_item(line: BasketLine) -> dict[str, Any]:
    return {
        "M": {
            "sku": {"S": line.sku},
            "name": {"S": line.name},
            "unit_price": {"N": str(line.unit_price)},
            "currency": {"S": line.currency},
            "quantity": {"N": str(line.quantity)},
            "product_version": {"N": str(line.product_version)},
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
        product_version=int(m["product_version"]["N"]),
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
            TableName=self._table, Key=_basket_key(user_id), ConsistentRead=True
        )
        item = response.get("Item")
        if item is None:
            return Basket(user_id=user_id)
        version = int(item["version"]["N"])
        if int(item["expires_at"]["N"]) <= time.time():
            # TTL deletion lags behind expiry; an expired basket is an empty one.
            return Basket(user_id=user_id, version=version)
        lines = {
            uuid.UUID(pid): _line_from_item(pid, value)
            for pid, value in item.get("lines", {"M": {}})["M"].items()
        }
        return Basket(
            user_id=user_id,
            lines=lines,
            version=version,
            updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
            order_id=uuid.UUID(item["order_id"]["S"]) if "order_id" in item else None,
        )

    async def save(self, basket: Basket, previous: Basket) -> bool:
        return await self._transact(self._basket_writes(basket, previous))

    def _basket_writes(self, basket: Basket, previous: Basket) -> list[TransactWriteItemTypeDef]:
        expires_at = {"N": str(int(time.time()) + self._ttl_seconds)}
        item = {
            **_basket_key(basket.user_id),
            "user_id": {"S": basket.user_id},
            "lines": {"M": {str(pid): _line_to_item(line) for pid, line in basket.lines.items()}},
            "version": {"N": str(previous.version + 1)},
            "updated_at": {"S": basket.updated_at.isoformat()},
            "expires_at": expires_at,
        }
        if basket.order_id is not None:
            item["order_id"] = {"S": str(basket.order_id)}
        put: PutTypeDef = {"TableName": self._table, "Item": item}
        if previous.version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :expected"
            put["ExpressionAttributeValues"] = {":expected": {"N": str(previous.version)}}
        writes: list[TransactWriteItemTypeDef] = [{"Put": put}]
        for product_id in basket.lines:
            holder = {**_holder_key(product_id, basket.user_id), "expires_at": expires_at}
            writes.append({"Put": {"TableName": self._table, "Item": holder}})
        for product_id in previous.lines.keys() - basket.lines.keys():
            key = _holder_key(product_id, basket.user_id)
            writes.append({"Delete": {"TableName": self._table, "Key": key}})
        return writes

    async def find_checkout(self, user_id: str, idempotency_key: str) -> PastCheckout | None:
        response = await self._client.get_item(
            TableName=self._table, Key=_checkout_key(user_id, idempotency_key), ConsistentRead=True
        )
        item = response.get("Item")
        if not item:
            return None
        request_hash = item.get("request_hash", {}).get("S")
        return PastCheckout(uuid.UUID(item["order_id"]["S"]), request_hash)

    async def check_out(
        self,
        basket: Basket,
        previous: Basket,
        idempotency_key: str,
        request_hash: str,
        place_order: Envelope,
    ) -> bool:
        assert basket.order_id is not None
        key: PutTypeDef = {
            "TableName": self._table,
            "Item": {
                **_checkout_key(basket.user_id, idempotency_key),
                "order_id": {"S": str(basket.order_id)},
                "request_hash": {"S": request_hash},
                "expires_at": {"N": str(int(time.time()) + CHECKOUT_KEY_TTL_SECONDS)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        writes = self._basket_writes(basket, previous)
        writes += [{"Put": key}, envelope_put(self._table, place_order)]
        return await self._transact(writes)

    async def finish_checkout(self, user_id: str, order_id: uuid.UUID) -> bool:
        basket = await self.get(user_id)
        if basket.order_id != order_id:
            return False
        writes: list[TransactWriteItemTypeDef] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": _basket_key(user_id),
                    "ConditionExpression": "order_id = :order",
                    "ExpressionAttributeValues": {":order": {"S": str(order_id)}},
                }
            }
        ]
        for product_id in basket.lines:
            key = _holder_key(product_id, user_id)
            writes.append({"Delete": {"TableName": self._table, "Key": key}})
        return await self._transact(writes)

    async def reopen(self, user_id: str, order_id: uuid.UUID) -> bool:
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=_basket_key(user_id),
                UpdateExpression="REMOVE order_id SET version = version + :one",
                ConditionExpression="order_id = :order",
                ExpressionAttributeValues={":order": {"S": str(order_id)}, ":one": {"N": "1"}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    async def delete(self, basket: Basket) -> None:
        writes: list[TransactWriteItemTypeDef] = [
            {"Delete": {"TableName": self._table, "Key": _basket_key(basket.user_id)}}
        ]
        for product_id in basket.lines:
            key = _holder_key(product_id, basket.user_id)
            writes.append({"Delete": {"TableName": self._table, "Key": key}})
        await self._transact(writes)

    async def holders(self, product_id: uuid.UUID) -> list[str]:
        users: list[str] = []
        paginator = self._client.get_paginator("query")
        async for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"PRODUCT#{product_id}"}},
            ProjectionExpression="sk",
        ):
            users += [item["sk"]["S"].removeprefix("USER#") for item in page.get("Items", [])]
        return users

    async def update_line(
        self,
        user_id: str,
        product_id: uuid.UUID,
        *,
        product_version: int,
        event_id: uuid.UUID,
        unit_price: Decimal | None = None,
        currency: str | None = None,
        available: bool | None = None,
    ) -> bool:
        names = {"#lines": "lines", "#p": str(product_id), "#version": "version"}
        values: dict[str, Any] = {":v": {"N": str(product_version)}, ":one": {"N": "1"}}
        sets = ["#lines.#p.product_version = :v", "#version = #version + :one"]
        for field, value in (
            ("unit_price", None if unit_price is None else {"N": str(unit_price)}),
            ("currency", None if currency is None else {"S": currency}),
            ("available", None if available is None else {"BOOL": available}),
        ):
            if value is not None:
                sets.append(f"#lines.#p.{field} = :{field}")
                values[f":{field}"] = value
        # The line must still be there and older than the change; the inbox entry for this
        # event and basket must be new. Either way, a redelivered event changes nothing.
        update: UpdateTypeDef = {
            "TableName": self._table,
            "Key": _basket_key(user_id),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": "attribute_exists(#lines.#p) AND #lines.#p.product_version < :v",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        inbox: PutTypeDef = {
            "TableName": self._table,
            "Item": {
                "pk": {"S": f"INBOX#{event_id}"},
                "sk": {"S": f"USER#{user_id}"},
                "expires_at": {"N": str(int(time.time()) + INBOX_TTL_SECONDS)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return await self._transact([{"Update": update}, {"Put": inbox}])

    async def _transact(self, writes: list[TransactWriteItemTypeDef]) -> bool:
        try:
            await self._client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                return False
            raise
        return True
