"""What the catalog can be asked to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class CreateProduct:
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class UpdateProduct:
    product_id: uuid.UUID
    expected_version: int
    name: str | None = None
    description: str | None = None
    category: str | None = None
    price: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class ChangePrice:
    product_id: uuid.UUID
    price: Decimal
    currency: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class DeactivateProduct:
    product_id: uuid.UUID
    expected_version: int | None = None
