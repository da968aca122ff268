"""Payments in DynamoDB.

One item per order (`ORDER#<id>`, `PAYMENT`). Every change is a conditional write on the
status it was decided from, in one `TransactWriteItems` call with the outbox item of the event
it publishes: the state and its event are stored together or not at all.

Beside it, a `CLOSED` item marks an order whose payment was released before any authorization
was stored (the authorization timed out, so the saga compensated). An authorization arriving
after that (a provider that answered late, a redelivered command) is refused, so an order
being cancelled never ends up holding money.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from payment.domain.model import CENT, Payment, PaymentStatus
from servicekit.messaging.dynamo_outbox import envelope_put
from servicekit.messaging.envelope import Envelope, Event

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef

SOURCE = "payment"
PAYMENT = "PAYMENT"
CLOSED = "CLOSED"
_TIMES = ("authorized_at", "captured_at", "voided_at", "refunded_at")


class PaymentRepository(Protocol):
    async def get(self, order_id: uuid.UUID) -> Payment | None: ...

    async def is_closed(self, order_id: uuid.UUID) -> bool:
        """True if the order's payment was released before any authorization was stored."""
        ...

    async def add(self, payment: Payment, event: Event) -> bool:
        """Store a new payment and its event; False if the order has a payment already or
        is closed."""
        ...

    async def save(self, payment: Payment, expected: PaymentStatus, event: Event) -> bool:
        """Store `payment` and its event if the stored status is still `expected`."""
        ...

    async def close(self, order_id: uuid.UUID) -> bool:
        """Mark the order closed to authorizations; False if it has a payment."""
        ...


def _key(order_id: uuid.UUID, sk: str) -> dict[str, Any]:
    return {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": sk}}


def payment_to_item(payment: Payment) -> dict[str, Any]:
    """The DynamoDB item of a payment."""
    item: dict[str, Any] = {
        **_key(payment.order_id, PAYMENT),
        "order_id": {"S": str(payment.order_id)},
        "user_id": {"S": payment.user_id},
        "amount": {"N": str(payment.amount)},
        "currency": {"S": payment.currency},
        "status": {"S": payment.status.value},
        "created_at": {"S": payment.created_at.isoformat()},
        "updated_at": {"S": payment.updated_at.isoformat()},
    }
    if payment.provider_reference is not None:
        item["provider_reference"] = {"S": payment.provider_reference}
    if payment.decline_reason is not None:
        item["decline_reason"] = {"S": payment.decline_reason}
    for name in _TIMES:
        if (value := getattr(payment, name)) is not None:
            item[name] = {"S": value.isoformat()}
    return item


def payment_from_item(item: dict[str, Any]) -> Payment:
    """The payment a DynamoDB item holds."""

    def when(name: str) -> datetime | None:
        return datetime.fromisoformat(item[name]["S"]) if name in item else None

    return Payment(
        order_id=uuid.UUID(item["order_id"]["S"]),
        user_id=item["user_id"]["S"],
        # DynamoDB normalises numbers ("39.00" comes back as "39"); money keeps its cents.
        amount=Decimal(item["amount"]["N"]).quantize(CENT),
        currency=item["currency"]["S"],
        status=PaymentStatus(item["status"]["S"]),
        provider_reference=item.get("provider_reference", {}).get("S"),
        decline_reason=item.get("decline_reason", {}).get("S"),
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
        updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
        authorized_at=when("authorized_at"),
        captured_at=when("captured_at"),
        voided_at=when("voided_at"),
        refunded_at=when("refunded_at"),
    )


class DynamoPaymentRepository:
    """Payments in the `payments` table, with the service's outbox beside them."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    async def get(self, order_id: uuid.UUID) -> Payment | None:
        response = await self._client.get_item(
            TableName=self._table, Key=_key(order_id, PAYMENT), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else payment_from_item(dict(item))

    async def is_closed(self, order_id: uuid.UUID) -> bool:
        response = await self._client.get_item(
            TableName=self._table,
            Key=_key(order_id, CLOSED),
            ConsistentRead=True,
            ProjectionExpression="pk",
        )
        return "Item" in response

    async def add(self, payment: Payment, event: Event) -> bool:
        return await self._transact(
            [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": payment_to_item(payment),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": self._table,
                        "Key": _key(payment.order_id, CLOSED),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                envelope_put(self._table, Envelope.wrap(event, SOURCE)),
            ]
        )

    async def save(self, payment: Payment, expected: PaymentStatus, event: Event) -> bool:
        return await self._transact(
            [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": payment_to_item(payment),
                        "ConditionExpression": "#status = :expected",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {":expected": {"S": expected.value}},
                    }
                },
                envelope_put(self._table, Envelope.wrap(event, SOURCE)),
            ]
        )

    async def close(self, order_id: uuid.UUID) -> bool:
        return await self._transact(
            [
                {
                    "ConditionCheck": {
                        "TableName": self._table,
                        "Key": _key(order_id, PAYMENT),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {**_key(order_id, CLOSED), "order_id": {"S": str(order_id)}},
                    }
                },
            ]
        )

    async def _transact(self, writes: list[TransactWriteItemTypeDef]) -> bool:
        try:
            await self._client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                return False
            raise
        return True
