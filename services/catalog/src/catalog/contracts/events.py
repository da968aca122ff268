"""The catalog's published events. Changing a field a consumer could notice means a new VERSION."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from catalog.domain.model import Product
from servicekit.codes import CurrencyCode, SkuCode
from servicekit.messaging.envelope import EntityVersion, Event, Money


class ProductCreated(Event):
    TYPE: ClassVar[str] = "catalog.ProductCreated"

    product_id: uuid.UUID
    sku: SkuCode
    name: str
    category: str
    price: Money
    currency: CurrencyCode
    product_version: EntityVersion

    @classmethod
    def of(cls, product: Product) -> ProductCreated:
        return cls(
            product_id=product.id,
            sku=product.sku,
            name=product.name,
            category=product.category,
            price=product.price,
            currency=product.currency,
            product_version=product.version,
        )


class ProductPriceChanged(Event):
    TYPE: ClassVar[str] = "catalog.ProductPriceChanged"

    product_id: uuid.UUID
    sku: SkuCode
    price: Money
    currency: CurrencyCode
    previous_price: Money
    previous_currency: CurrencyCode
    product_version: EntityVersion = Field(description="Orders price changes of one product")

    @classmethod
    def of(cls, before: Product, after: Product) -> ProductPriceChanged:
        return cls(
            product_id=after.id,
            sku=after.sku,
            price=after.price,
            currency=after.currency,
            previous_price=before.price,
            previous_currency=before.currency,
            product_version=after.version,
        )


class ProductDeactivated(Event):
    TYPE: ClassVar[str] = "catalog.ProductDeactivated"

    product_id: uuid.UUID
    sku: SkuCode
    product_version: EntityVersion

    @classmethod
    def of(cls, product: Product) -> ProductDeactivated:
        return cls(product_id=product.id, sku=product.sku, product_version=product.version)


PUBLISHED: tuple[type[Event], ...] = (ProductCreated, ProductPriceChanged, ProductDeactivated)
