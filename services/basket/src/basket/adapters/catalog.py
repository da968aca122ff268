"""The catalog, asked over HTTP whether a product exists, is for sale, and what it costs."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Protocol

from basket.domain.errors import CatalogUnavailableError
from basket.domain.model import ProductSnapshot
from servicekit.http import DependencyUnavailableError, ServiceClient


class ProductCatalog(Protocol):
    async def get(self, product_id: uuid.UUID) -> ProductSnapshot | None:
        """The product, or None if the catalog has never heard of it."""
        ...


class HttpProductCatalog:
    """The catalog's public API; bounded retries, so a slow catalog fails fast."""

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def get(self, product_id: uuid.UUID) -> ProductSnapshot | None:
        try:
            response = await self._client.get(f"/catalog/products/{product_id}")
        except DependencyUnavailableError as exc:
            raise CatalogUnavailableError from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CatalogUnavailableError
        data = response.json()
        return ProductSnapshot(
            id=uuid.UUID(data["id"]),
            sku=data["sku"],
            name=data["name"],
            price=Decimal(data["price"]),
            currency=data["currency"],
            active=data["active"],
            version=data["version"],
        )
