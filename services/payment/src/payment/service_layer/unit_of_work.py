"""Payment's unit of work: one DynamoDB transaction on the `payments` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from payment.adapters.repository import DynamoPaymentRepository, PaymentRepository
from servicekit.dynamo import DynamoUnitOfWork
from servicekit.messaging.dynamo_outbox import DirectPublisher
from servicekit.unit_of_work import UnitOfWork as BaseUnitOfWork

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class UnitOfWork(BaseUnitOfWork, Protocol):
    @property
    def payments(self) -> PaymentRepository: ...


class PaymentUnitOfWork(DynamoUnitOfWork):
    """One transaction on the `payments` table, with its payments; with `direct`, its events
    are published as soon as it commits."""

    def __init__(
        self, client: DynamoDBClient, table: str, direct: DirectPublisher | None = None
    ) -> None:
        super().__init__(client, table, source="payment", direct=direct)
        self._payments = DynamoPaymentRepository(self)

    @property
    def payments(self) -> PaymentRepository:
        return self._payments
