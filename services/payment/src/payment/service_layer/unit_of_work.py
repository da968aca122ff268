"""Payment's unit of work: one DynamoDB transaction on the `payments` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from payment.adapters.repository import DynamoPaymentRepository, PaymentRepository
from servicekit.dynamo import DynamoUnitOfWork, Transaction

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class UnitOfWork(Transaction, Protocol):
    @property
    def payments(self) -> PaymentRepository: ...


class PaymentUnitOfWork(DynamoUnitOfWork):
    """One transaction on the `payments` table, with its payments."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        super().__init__(client, table, source="payment")
        self._payments = DynamoPaymentRepository(self)

    @property
    def payments(self) -> PaymentRepository:
        return self._payments
