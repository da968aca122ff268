"""Payments in DynamoDB.

One item per order (`ORDER#<id>`, `PAYMENT`). Every change is a conditional write on the
status it was decided from, in one `TransactWriteItems` call with the outbox item of the event
it publishes (see `PaymentUnitOfWork`): the state and its event are stored together or not
at all.

Beside it, a `CLOSED` item marks an order whose payment was released before any authorization
was stored (the authorization timed out, so the saga compensated). An authorization arriving
after that (a provider that answered late, a redelivered command) is refused, so an order
being cancelled never ends up holding money. The two share the order's partition key, so an
authorization reads both with one `Query` (`find`) instead of one `GetItem` each.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from payment.domain.model import CENT, Payment, PaymentStatus
from servicekit.dynamo import DynamoRepository

PAYMENT = "PAYMENT"
CLOSED = "CLOSED"
_TIMES = ("authorized_at", "captured_at", "voided_at", "refunded_at")


class StoredOrder(NamedTuple):
    """What the table holds of an order's money, read at once."""

    payment: Payment | None
    # The order's payment was released before any authorization was stored: none may be.
    closed: bool


class PaymentRepository(Protocol):
    """Reads now; writes join the unit of work's transaction, which fails if any of their
    conditions does not hold."""

    async def get(self, order_id: uuid.UUID) -> Payment | None: ...

    async def find(self, order_id: uuid.UUID) -> StoredOrder:
        """The order's payment, if one was stored, and whether the order was closed to
        authorizations (released before any was stored), in one read."""
        ...

    def add(self, payment: Payment) -> None:
        """Store a new payment, provided the order has none yet and is not closed."""
        ...

    def save(self, payment: Payment, expected: PaymentStatus) -> None:
        """Store `payment`, provided the stored status is still `expected`."""
        ...

    def close(self, order_id: uuid.UUID) -> None:
        """Mark the order closed to authorizations, provided it has no payment."""
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


class DynamoPaymentRepository(DynamoRepository):
    """Payments in the `payments` table."""

    async def get(self, order_id: uuid.UUID) -> Payment | None:
        response = await self._client.get_item(
            TableName=self._table, Key=_key(order_id, PAYMENT), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else payment_from_item(dict(item))

    async def find(self, order_id: uuid.UUID) -> StoredOrder:
        # `CLOSED` sorts before `PAYMENT`, and the simulator's `PROVIDER#...` items after it.
        response = await self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :closed AND :payment",
            ExpressionAttributeValues={
                ":pk": {"S": f"ORDER#{order_id}"},
                ":closed": {"S": CLOSED},
                ":payment": {"S": PAYMENT},
            },
            ConsistentRead=True,
        )
        items = {item["sk"]["S"]: dict(item) for item in response.get("Items", [])}
        payment = items.get(PAYMENT)
        return StoredOrder(
            payment=None if payment is None else payment_from_item(payment),
            closed=CLOSED in items,
        )

    def add(self, payment: Payment) -> None:
        self._uow.write(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": payment_to_item(payment),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
        self._uow.write(
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": _key(payment.order_id, CLOSED),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )

    def save(self, payment: Payment, expected: PaymentStatus) -> None:
        self._uow.write(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": payment_to_item(payment),
                    "ConditionExpression": "#status = :expected",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":expected": {"S": expected.value}},
                }
            }
        )

    def close(self, order_id: uuid.UUID) -> None:
        self._uow.write(
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": _key(order_id, PAYMENT),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
        self._uow.write(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {**_key(order_id, CLOSED), "order_id": {"S": str(order_id)}},
                }
            }
        )
