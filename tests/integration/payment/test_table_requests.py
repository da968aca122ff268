"""Payment's saga steps against the emulator's table, with the requests each sends counted:
an authorization reads the order's payment and its closing together, in one `Query`; a
capture reads the payment once. Each still answers as it did with a read apiece: a
redelivered authorization finds its payment and asks the provider nothing, an authorization
arriving after its order's void is refused before the provider holds anything, and items the
previous version wrote are read as they were."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from payment.domain import commands
from payment.domain.errors import PaymentClosedError
from payment.domain.model import PaymentStatus
from payment.service_layer import handlers
from payment.service_layer.unit_of_work import PaymentUnitOfWork
from tests.support.requests import counted, scratch_table
from tests.unit.payment.fakes import CountingProvider

pytestmark = pytest.mark.integration


class Table:
    """A throwaway payments table, and fresh units of work on it."""

    def __init__(self, dynamodb: Any, name: str) -> None:
        self.dynamodb = dynamodb
        self.name = name

    def uow(self) -> PaymentUnitOfWork:
        return PaymentUnitOfWork(self.dynamodb, self.name)

    async def put(self, item: dict[str, Any]) -> None:
        await self.dynamodb.put_item(TableName=self.name, Item=item)

    async def item(self, order_id: uuid.UUID, sk: str) -> dict[str, Any] | None:
        response = await self.dynamodb.get_item(
            TableName=self.name,
            Key={"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": sk}},
            ConsistentRead=True,
        )
        item: dict[str, Any] | None = response.get("Item")
        return item


@pytest.fixture
async def table(aws_endpoint: str) -> AsyncIterator[Table]:
    async with scratch_table("payments-test") as (dynamodb, name):
        yield Table(dynamodb, name)


def _authorize(order_id: uuid.UUID, token: str = "tok_visa") -> commands.AuthorizePayment:
    return commands.AuthorizePayment(order_id, "alice", Decimal("49.90"), "EUR", token)


async def test_an_authorization_reads_its_order_once(table: Table) -> None:
    provider, order_id = CountingProvider(), uuid.uuid4()
    with counted() as sent:
        first = await handlers.authorize_payment(_authorize(order_id), table.uow(), provider)
    assert (first.outcome, first.changed) == ("AUTHORIZED", True)
    assert sent == {"dynamodb.Query": 1, "dynamodb.TransactWriteItems": 1}

    # Redelivered: the one read finds the payment; the provider is not asked again.
    with counted() as sent:
        again = await handlers.authorize_payment(_authorize(order_id), table.uow(), provider)
    assert (again.outcome, again.changed) == ("AUTHORIZED", False)
    assert sent == {"dynamodb.Query": 1}
    assert provider.calls == ["authorize"]

    with counted() as sent:
        captured = await handlers.capture_payment(
            commands.CapturePayment(order_id), table.uow(), provider
        )
    assert (captured.outcome, captured.changed) == ("CAPTURED", True)
    assert sent == {"dynamodb.GetItem": 1, "dynamodb.TransactWriteItems": 1}


async def test_an_authorization_after_its_orders_void_is_refused_on_the_one_read(
    table: Table,
) -> None:
    provider, order_id = CountingProvider(), uuid.uuid4()
    voided = await handlers.void_payment(commands.VoidPayment(order_id), table.uow(), provider)
    assert voided.outcome == "NOTHING_HELD"
    assert await table.item(order_id, "CLOSED") is not None

    with counted() as sent, pytest.raises(PaymentClosedError):
        await handlers.authorize_payment(_authorize(order_id), table.uow(), provider)
    assert sent == {"dynamodb.Query": 1}
    assert provider.calls == []  # nothing held, so nothing to give back
    assert await table.item(order_id, "PAYMENT") is None


async def test_items_the_previous_version_wrote_are_read_as_before(table: Table) -> None:
    provider = CountingProvider()
    # A payment as the previous version stored it, beside the simulator's memory of a flaky
    # card (its `PROVIDER#` item sorts after `PAYMENT`, in the same partition).
    paid = uuid.uuid4()
    await table.put(
        {
            "pk": {"S": f"ORDER#{paid}"},
            "sk": {"S": "PAYMENT"},
            "order_id": {"S": str(paid)},
            "user_id": {"S": "alice"},
            "amount": {"N": "49.9"},
            "currency": {"S": "EUR"},
            "status": {"S": "AUTHORIZED"},
            "provider_reference": {"S": "sim_before"},
            "created_at": {"S": "2025-01-02T03:04:05+00:00"},
            "updated_at": {"S": "2025-01-02T03:04:05+00:00"},
            "authorized_at": {"S": "2025-01-02T03:04:05+00:00"},
        }
    )
    await table.put({"pk": {"S": f"ORDER#{paid}"}, "sk": {"S": "PROVIDER#flaky"}})
    stored = await table.uow().payments.find(paid)
    assert stored.closed is False
    assert stored.payment is not None
    assert (stored.payment.status, stored.payment.amount) == (
        PaymentStatus.AUTHORIZED,
        Decimal("49.90"),
    )
    result = await handlers.authorize_payment(_authorize(paid), table.uow(), provider)
    assert (result.outcome, result.changed) == ("AUTHORIZED", False)

    # An order the previous version closed.
    closed = uuid.uuid4()
    await table.put(
        {"pk": {"S": f"ORDER#{closed}"}, "sk": {"S": "CLOSED"}, "order_id": {"S": str(closed)}}
    )
    assert await table.uow().payments.find(closed) == (None, True)
    with pytest.raises(PaymentClosedError):
        await handlers.authorize_payment(_authorize(closed), table.uow(), provider)
    assert provider.calls == []
