"""The basket's unit of work: one DynamoDB transaction on the `baskets` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from basket.adapters.repository import BasketRepository, DynamoBasketRepository
from servicekit.dynamo import DynamoUnitOfWork, Transaction

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class UnitOfWork(Transaction, Protocol):
    @property
    def baskets(self) -> BasketRepository: ...


class BasketUnitOfWork(DynamoUnitOfWork):
    """One transaction on the `baskets` table, with its baskets."""

    def __init__(self, client: DynamoDBClient, table: str, ttl_seconds: int) -> None:
        super().__init__(client, table, source="basket")
        self._baskets = DynamoBasketRepository(self, ttl_seconds)

    @property
    def baskets(self) -> BasketRepository:
        return self._baskets
