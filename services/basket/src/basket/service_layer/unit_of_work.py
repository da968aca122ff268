"""The basket's unit of work: one DynamoDB transaction on the `baskets` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from basket.adapters.repository import BasketRepository, DynamoBasketRepository
from servicekit.dynamo import DynamoUnitOfWork
from servicekit.messaging.dynamo_outbox import DirectPublisher
from servicekit.unit_of_work import UnitOfWork as BaseUnitOfWork

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class UnitOfWork(BaseUnitOfWork, Protocol):
    @property
    def baskets(self) -> BasketRepository: ...


class BasketUnitOfWork(DynamoUnitOfWork):
    """One transaction on the `baskets` table, with its baskets; with `direct`, a checkout's
    `PlaceOrder` is sent as soon as it commits."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        ttl_seconds: int,
        direct: DirectPublisher | None = None,
    ) -> None:
        super().__init__(client, table, source="basket", direct=direct)
        self._baskets = DynamoBasketRepository(self, ttl_seconds)

    @property
    def baskets(self) -> BasketRepository:
        return self._baskets
