"""Payment's unit of work: one DynamoDB transaction on the `payments` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from payment.adapters.repository import DynamoPaymentRepository, PaymentRepository
from servicekit.dynamo import DynamoUnitOfWork
from servicekit.messaging.envelope import Message

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class UnitOfWork(Protocol):
    @property
    def payments(self) -> PaymentRepository: ...

    def publish(self, message: Message) -> None:
        """Publish `message` if, and only if, this unit of work commits."""
        ...

    async def commit(self) -> bool:
        """Store what was gathered, all or nothing; False if a condition failed."""
        ...


class PaymentUnitOfWork(DynamoUnitOfWork):
    """One transaction on the `payments` table, with its payments."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        super().__init__(client, table, source="payment")
        self._payments = DynamoPaymentRepository(self)

    @property
    def payments(self) -> PaymentRepository:
        return self._payments
