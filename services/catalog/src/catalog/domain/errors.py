"""What can go wrong in the catalog, in its own words."""

from __future__ import annotations

import uuid


class CatalogError(Exception):
    """Base of the catalog's domain errors."""


class ProductNotFoundError(CatalogError):
    def __init__(self, product_id: uuid.UUID) -> None:
        super().__init__(f"Product {product_id} does not exist.")
        self.product_id = product_id


class DuplicateSkuError(CatalogError):
    def __init__(self, sku: str) -> None:
        super().__init__(f"A product with SKU {sku} already exists.")
        self.sku = sku


class StaleVersionError(CatalogError):
    def __init__(self, product_id: uuid.UUID, expected: int, actual: int) -> None:
        super().__init__(
            f"Product {product_id} is at version {actual}, not {expected}; fetch it again."
        )
        self.actual = actual


class ProductInactiveError(CatalogError):
    def __init__(self, product_id: uuid.UUID) -> None:
        super().__init__(f"Product {product_id} is no longer for sale.")
