"""Baskets in DynamoDB.

One item per basket (`USER#<id>`, `BASKET`), written only if nobody wrote it since it was read.
Beside it, one membership item per line (`PRODUCT#<id>`, `USER#<id>`), written in the same
transaction, so that a price change can find the baskets holding a product. Both expire
together when a basket is abandoned. A checkout leaves its idempotency key under the basket's
partition (`USER#<id>`, `CHECKOUT#<key>`); a checkout reads it and the basket in one
`BatchGetItem`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from basket.domain.model import Basket, BasketLine, LineChange
from servicekit.dynamo import DynamoRepository, DynamoUnitOfWork

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb.type_defs import PutTypeDef, UpdateTypeDef

BASKET = "BASKET"
CENT = Decimal("0.01")
CHECKOUT_KEY_TTL_SECONDS = 7 * 86400


class PastCheckout(NamedTuple):
    """What a checkout left under its idempotency key."""

    order_id: uuid.UUID
    # A hash of the request it answered; None for a key stored before requests were hashed.
    request_hash: str | None


class BasketRepository(Protocol):
    """Reads now; writes join the unit of work's transaction, which fails if any of their
    conditions does not hold."""

    async def get(self, user_id: str) -> Basket: ...

    def save(self, basket: Basket, previous: Basket) -> None:
        """Store `basket` as the version after `previous`, if nobody wrote it since."""
        ...

    def delete(self, basket: Basket) -> None: ...

    async def holders(self, product_id: uuid.UUID) -> list[str]:
        """The users whose baskets hold `product_id`."""
        ...

    async def get_for_checkout(
        self, user_id: str, idempotency_key: str
    ) -> tuple[Basket, PastCheckout | None]:
        """The basket, and what a checkout with this key left if one did (the order it
        created and its request's hash), in one read."""
        ...

    def check_out(
        self, basket: Basket, previous: Basket, idempotency_key: str, request_hash: str
    ) -> None:
        """Freeze the basket and remember the key with the request's hash, if neither changed
        meanwhile."""
        ...

    def finish_checkout(
        self, user_id: str, order_id: uuid.UUID, product_ids: Iterable[uuid.UUID]
    ) -> None:
        """Empty the basket, and forget it as a holder of `product_ids` (the order's lines,
        which are the frozen basket's), provided it is still frozen for `order_id`."""
        ...

    def reopen(self, user_id: str, order_id: uuid.UUID) -> None:
        """Thaw the basket if it is frozen for `order_id`."""
        ...

    def update_line(self, user_id: str, change: LineChange) -> None:
        """Apply a catalog change to the user's line of the product if the line is still there
        and older than the change."""
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


def _basket_from_item(user_id: str, item: dict[str, Any] | None) -> Basket:
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


class DynamoBasketRepository(DynamoRepository):
    """Baskets in the `baskets` table; each write pushes the expiry of an abandoned basket."""

    def __init__(self, uow: DynamoUnitOfWork, ttl_seconds: int) -> None:
        super().__init__(uow)
        self._ttl_seconds = ttl_seconds

    async def get(self, user_id: str) -> Basket:
        response = await self._client.get_item(
            TableName=self._table, Key=_basket_key(user_id), ConsistentRead=True
        )
        item = response.get("Item")
        return _basket_from_item(user_id, None if item is None else dict(item))

    def save(self, basket: Basket, previous: Basket) -> None:
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
        self._uow.write({"Put": put})
        for product_id in basket.lines:
            holder = {**_holder_key(product_id, basket.user_id), "expires_at": expires_at}
            self._uow.write({"Put": {"TableName": self._table, "Item": holder}})
        self._forget_holders(previous.lines.keys() - basket.lines.keys(), basket.user_id)

    def _forget_holders(self, product_ids: Iterable[uuid.UUID], user_id: str) -> None:
        for product_id in product_ids:
            key = _holder_key(product_id, user_id)
            self._uow.write({"Delete": {"TableName": self._table, "Key": key}})

    async def get_for_checkout(
        self, user_id: str, idempotency_key: str
    ) -> tuple[Basket, PastCheckout | None]:
        keys = [_basket_key(user_id), _checkout_key(user_id, idempotency_key)]
        items = {item["sk"]["S"]: item for item in await self._get_items(keys)}
        basket = _basket_from_item(user_id, items.get(BASKET))
        key = items.get(keys[1]["sk"]["S"])
        if key is None:
            return basket, None
        request_hash = key.get("request_hash", {}).get("S")
        return basket, PastCheckout(uuid.UUID(key["order_id"]["S"]), request_hash)

    def check_out(
        self, basket: Basket, previous: Basket, idempotency_key: str, request_hash: str
    ) -> None:
        if basket.order_id is None:
            raise ValueError("only a frozen basket is checked out")
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
        self.save(basket, previous)
        self._uow.write({"Put": key})

    def finish_checkout(
        self, user_id: str, order_id: uuid.UUID, product_ids: Iterable[uuid.UUID]
    ) -> None:
        # No read first: the delete's condition is the check that the basket is frozen for the
        # order, and a frozen basket's lines (whose holder items go with it) are the order's.
        self._uow.write(
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": _basket_key(user_id),
                    "ConditionExpression": "order_id = :order",
                    "ExpressionAttributeValues": {":order": {"S": str(order_id)}},
                }
            }
        )
        self._forget_holders(dict.fromkeys(product_ids), user_id)

    def reopen(self, user_id: str, order_id: uuid.UUID) -> None:
        self._uow.write(
            {
                "Update": {
                    "TableName": self._table,
                    "Key": _basket_key(user_id),
                    "UpdateExpression": "REMOVE order_id SET version = version + :one",
                    "ConditionExpression": "order_id = :order",
                    "ExpressionAttributeValues": {
                        ":order": {"S": str(order_id)},
                        ":one": {"N": "1"},
                    },
                }
            }
        )

    def delete(self, basket: Basket) -> None:
        self._uow.write({"Delete": {"TableName": self._table, "Key": _basket_key(basket.user_id)}})
        self._forget_holders(basket.lines, basket.user_id)

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

    def update_line(self, user_id: str, change: LineChange) -> None:
        names = {"#lines": "lines", "#p": str(change.product_id), "#version": "version"}
        values: dict[str, Any] = {":v": {"N": str(change.product_version)}, ":one": {"N": "1"}}
        sets = ["#lines.#p.product_version = :v", "#version = #version + :one"]
        price, currency, available = change.unit_price, change.currency, change.available
        for field, value in (
            ("unit_price", None if price is None else {"N": str(price)}),
            ("currency", None if currency is None else {"S": currency}),
            ("available", None if available is None else {"BOOL": available}),
        ):
            if value is not None:
                sets.append(f"#lines.#p.{field} = :{field}")
                values[f":{field}"] = value
        # The line must still be there and older than the change, so a redelivered or stale
        # event changes nothing.
        update: UpdateTypeDef = {
            "TableName": self._table,
            "Key": _basket_key(user_id),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": "attribute_exists(#lines.#p) AND #lines.#p.product_version < :v",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        self._uow.write({"Update": update})
